// The health a policy reads: one immutable view of every service, built off the query path (from
// drains and the probers' votes, by dnsd's health library) and published whole.
#pragma once

#include <cstddef>
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

// What last unsettled a region of a service (TTLs that follow health, policy/answer_ttl.h).
enum class Unrest : std::uint8_t {
  None,       // nothing since it was first seen
  WentDown,   // its verdict went from usable to not
  CameBack,   // its verdict went from not usable to usable
  Endpoints,  // the set of its usable endpoints changed, the verdict did not
  Drained,    // drained (zone file or API)
  Undrained,  // undrained
  Ramping,    // in slow start: what keeps it unstable longest is its ramp
};

// Whether a service's answers get its ttl_unstable now, and why. Computed when a view is built
// (judgeStability()), so that a query only reads `unstable`.
struct ServiceStability {
  bool unstable = false;
  std::uint16_t region = 0;     // the region that keeps it unstable longest
  Unrest cause = Unrest::None;  // what that region did
  double changed_at = 0;        // clock seconds when it did it
  double calm_at = 0;           // clock seconds when the service is steady again, if
                                // nothing else changes
};

struct ServiceHealth {
  std::vector<RegionHealth> regions;  // one per pool, in the service's pool order
  ServiceStability stability;         // always steady for a service without ttl_unstable
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

// Who took a region or an endpoint out of answers.
enum class DrainedBy : std::uint8_t { None, ZoneFile, Api };
// nullptr, "zone_file", "api": as /v1/status spells them (null for None).
const char* drainedByName(DrainedBy by) noexcept;

// Why an endpoint is in its state and since when, for /v1/status (select() never reads it).
struct EndpointNote {
  std::string target;    // the check target id ("zone|check|endpoint"); empty: no check
  std::string reason;    // when the view was built: the verdict's, or the override's or drain's
  double since = 0;      // clock seconds when the state last changed (or was first seen)
  bool verdict = false;  // the state is the probers' verdict (nothing forced)
  DrainedBy drained_by = DrainedBy::None;  // an endpoint is drained by the API only
};

// The verdict on a region of a service and why: usable (rule 2 of select()) or not, who drained
// it, and a sentence for people.
struct RegionNote {
  bool up = true;  // usable: not drained, at least min_up endpoints up or unknown
  DrainedBy drained_by = DrainedBy::None;
  std::size_t usable_endpoints = 0;  // up or unknown
  // "drained in the zone file", "drained by the API", "2/3 endpoints up or unknown, min_up 1",
  // with "; slow start at 40% of its share" while ramping.
  std::string reason;
  double since = 0;  // clock seconds when `up` last changed (or was first seen)
  std::vector<EndpointNote> endpoints;
};

// The health of every service of a ServiceSet at one moment, built off the query path and
// published whole: what the policies read (services, rtt) and why (notes).
struct HealthView {
  std::vector<ServiceHealth> services;  // by service slot of the set it was built for
  RttMatrix rtt;
  std::vector<std::vector<RegionNote>> notes;  // [service slot][region slot]; may be empty
  double built_at = 0;                         // clock seconds
};

// Everything healthy: what a service looks like before any check has run.
ServiceHealth allUnknown(const zones::Service& service);

}  // namespace nines::policy
