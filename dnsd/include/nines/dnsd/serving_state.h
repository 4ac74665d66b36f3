// Everything a query reads, published together as one immutable snapshot: the zones, the health
// of their services (same slot numbering), and the client locator.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "nines/dnsd/zone_table.h"
#include "nines/policy/health.h"
#include "nines/policy/location.h"

namespace nines::dnsd {

struct HealthView {
  std::vector<policy::ServiceHealth>
      services;  // by service slot of the zone table it was built for
  policy::RttMatrix rtt;
};

struct ServingState {
  // Distinct for every published state (a freed state's address can come back; this cannot), so
  // per-worker caches key on it.
  std::uint64_t generation = 0;
  std::shared_ptr<const ZoneTable> zones;
  std::shared_ptr<const HealthView> health;  // built for `zones`
  std::shared_ptr<const policy::ClientLocator> locator;
};

}  // namespace nines::dnsd
