// Everything a query reads, published together as one immutable snapshot: the zones, the health
// of their services (same slot numbering), the client locator and the rate limiting settings.
#pragma once

#include <cstdint>
#include <memory>

#include "nines/dnsd/serve/rate_limit_settings.h"
#include "nines/dnsd/serve/zone_table.h"
#include "nines/policy/health.h"
#include "nines/policy/location.h"

namespace nines::dnsd {

struct ServingState {
  // Distinct for every published state (a freed state's address can come back; this cannot), so
  // per-worker caches key on it.
  std::uint64_t generation = 0;
  std::shared_ptr<const ZoneTable> zones;
  std::shared_ptr<const policy::HealthView> health;  // built for zones->services()
  std::shared_ptr<const policy::ClientLocator> locator;
  // [rate_limit], as the UDP workers apply it from their next batch; null: off.
  std::shared_ptr<const RateLimitSettings> rate_limit;

  // The health a query of service `slot` reads: the view's, or all unknown before there is one.
  const policy::ServiceHealth& serviceHealth(std::size_t slot) const noexcept {
    return health && slot < health->services.size() ? health->services[slot]
                                                    : zones->services().initial_health[slot];
  }
};

}  // namespace nines::dnsd
