// Everything a query reads, published together as one immutable snapshot: the zones, the health
// of their services (same slot numbering), and the client locator.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "nines/dnsd/zone_table.h"
#include "nines/policy/health.h"
#include "nines/policy/location.h"

namespace nines::dnsd {

// Why an endpoint is in its state and since when, for /v1/status (not read by queries).
struct EndpointNote {
  std::string target;    // the check target id ("zone|check|endpoint"); empty: no check
  std::string reason;    // when the view was built: the verdict's, or the override's or drain's
  double since = 0;      // clock seconds when the state last changed (or was first seen)
  bool verdict = false;  // the state is the health table's verdict (no override, no drain)
};

struct RegionNote {
  bool up = true;    // usable: not drained, at least min_up endpoints up or unknown
  double since = 0;  // clock seconds when `up` last changed (or was first seen)
  std::vector<EndpointNote> endpoints;
};

struct HealthView {
  std::vector<policy::ServiceHealth>
      services;  // by service slot of the zone table it was built for
  policy::RttMatrix rtt;
  std::vector<std::vector<RegionNote>> notes;  // [service slot][region slot]; may be empty
  double built_at = 0;                         // clock seconds
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
