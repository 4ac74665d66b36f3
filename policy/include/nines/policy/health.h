// The health a policy reads: one immutable view per service, built off the query path (from drain
// flags and, in a later part, prober reports) and published whole.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "nines/zones/zone.h"

namespace nines::policy {

enum class EndpointState : std::uint8_t {
  Unknown,  // no fresh votes: treated as up (a blind manager must not black-hole traffic)
  Up,
  Down,
  Drained,  // taken out by the operator (API); never a reason for an empty answer while others
            // are up
};

// "unknown", "up", "down", "drained".
const char* endpointStateName(EndpointState state) noexcept;

struct RegionHealth {
  bool drained = false;  // by zone file or API: out of answers now
  // One state per endpoint of the service's pool in this region, in the pool's file order.
  std::vector<EndpointState> endpoints;
  // Slow start: the share of its full weight a recovered region gets now, in (0, 1].
  double ramp = 1.0;
};

struct ServiceHealth {
  std::vector<RegionHealth> regions;  // one per pool, in the service's pool order
};

// Measured round-trip times from each prober region (a vantage point) to each service region,
// for the latency policy. Empty: nothing measured yet.
struct RttMatrix {
  struct Vantage {
    std::string region;
    zones::GeoPoint location;
  };
  std::vector<Vantage> vantages;
  std::vector<std::string> regions;         // column names
  std::vector<std::vector<double>> rtt_ms;  // [vantage][region]; negative: unknown
};

// Everything healthy: what a service looks like before any check has run.
ServiceHealth allUnknown(const zones::Service& service);

}  // namespace nines::policy
