// Builds the health views queries read (policy::HealthView): the vote table's verdicts, operator
// drains (API) and test overrides (kept by name so they survive zone reloads), slow-start ramps,
// the RTT matrix, and each region's verdict with its reason. Not on the query path: guarded by a
// mutex.
//
// Precedence, per endpoint of a service pool: a drain, else a test override, else the verdict of
// the target (zone, service's check, endpoint); a service without a check stays Unknown.
//
// Slow start, one worked scenario (slow_start = 30 s): eu-west is down until t=100, when enough
// of its endpoints come back: it is up again and its ramp starts at 0.05 (never 0, so it gets
// some traffic at once and its checks see real load); at t=106 the ramp is 0.2, at t=115 0.5,
// and from t=130 on 1 (full share). Going down again ends the ramp; coming back starts a new one.
// A region first seen (start-up, new zone) starts at full share.
//
// A drain is recorded per pool (zone, service, region) or per endpoint, for everything the
// request matched when it was made: "drain region eu-west" drains eu-west in every service that
// has it; "undrain service www region eu-west" then brings back www's pool (and the endpoint
// drains inside it) while the other services' eu-west pools stay out.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "nines/dnsd/health/health_selector.h"
#include "nines/dnsd/health/vote_table.h"
#include "nines/policy/answer_ttl.h"
#include "nines/policy/health.h"
#include "nines/policy/service_plan.h"

namespace nines::dnsd {

// What changed between two views, most significant first wins: States (an endpoint's state, a
// drain, a service turning unstable or steady), Ramp (only slow-start shares), Rtt (only the RTT
// matrix), None.
enum class ViewChange : std::uint8_t { None, Rtt, Ramp, States };
ViewChange compareViews(const policy::HealthView& before, const policy::HealthView& after) noexcept;
// compareViews without the RTT matrix: States, Ramp or None.
ViewChange compareServices(const std::vector<policy::ServiceHealth>& before,
                           const std::vector<policy::ServiceHealth>& after) noexcept;

// The verdict on `region` with health `health` (usable or not, who drained it, and why), as the
// views' notes and /v1/status give it. Its `since` and endpoints are left alone.
void judgeRegion(const policy::RegionPlan& region, const policy::RegionHealth& health,
                 policy::RegionNote& note);

class HealthViewBuilder {
 public:
  using Clock = std::function<double()>;  // wall clock, seconds

  // `votes`: the vote table of the probers (must outlive this); null: every checked endpoint
  // stays Unknown. `clock`: for change times and slow start; default: the system clock.
  explicit HealthViewBuilder(const VoteTable* votes = nullptr, Clock clock = {});

  // Drains (or undrains) what `selector` names among `services`. Returns how many
  // pools/endpoints it matched; 0 (with `error`) means nothing was changed. A drain must name a
  // region or an endpoint, so a typo cannot take a whole service out.
  std::size_t setDrained(const policy::ServiceSet& services, const HealthSelector& selector,
                         bool drained, std::string* error);
  // Test hook: forces the state of the endpoints `selector` matches (Unknown clears the override).
  std::size_t setState(const policy::ServiceSet& services, const HealthSelector& selector,
                       policy::EndpointState state, std::string* error);
  // The view of `services` now: verdicts, overrides, drains, slow-start ramps, the RTT matrix
  // and the notes. Also records when endpoint states and region up/down change (hence not const);
  // call it with the services being served (reloads, drains, and the publication loop).
  std::shared_ptr<const policy::HealthView> build(const policy::ServiceSet& services);
  // What build() would change now against `published` (a view built for `services`), without
  // building a view or recording anything: States, Ramp or None. The RTT matrix is left out: it is
  // the costly part, and the publication loop rebuilds for it on its own, slower, schedule. Cheap
  // enough for every tick with thousands of endpoints: no strings, no maps.
  ViewChange changesSince(const policy::ServiceSet& services, const policy::HealthView& published);
  // Every drain in force, for /v1/status: "zone Z service S region R [endpoint E]".
  std::vector<std::string> drains() const;

 private:
  using PoolKey = std::tuple<std::string, std::string, std::string>;  // zone, service, region
  using EndpointKey = std::tuple<std::string, std::string, std::string, std::string>;
  struct EndpointTrack {
    policy::EndpointState state = policy::EndpointState::Unknown;
    double since = -1;  // negative: not seen yet
  };
  struct RegionTrack {
    bool up = true;
    double since = -1;       // negative: not seen yet
    double ramp_start = -1;  // when the current slow start began; negative: none
    // For TTLs that follow health (policy/answer_ttl.h): what it looked like when last seen, and
    // its last change.
    bool drained = false;                // by the zone file or the API
    std::uint64_t usable_endpoints = 0;  // usableFingerprint()
    policy::RegionUnrest unrest;
  };
  // Every endpoint of every pool of a ServiceSet in one flat array of slots, with where each finds
  // its state: worked out once per set (and again when the vote table renumbers its targets, or
  // a drain or override changes), so that a tick walks flat arrays. Pools are numbered in service
  // then region order; a pool's endpoints are the slots [first[p], first[p + 1]).
  struct EndpointSlots {
    std::uint64_t services_id = 0;      // policy::ServiceSet::id; 0: none yet
    std::uint64_t targets_version = 0;  // VoteTable::indicesOf's
    std::uint64_t rules_version = 0;    // of the drains and overrides resolved below
    std::vector<PoolKey> pools;
    std::vector<std::size_t> first;             // pools.size() + 1 entries
    std::vector<EndpointKey> keys;              // by slot
    std::vector<std::string> targets;           // by slot: check target id; empty: no check
    std::vector<std::int32_t> index;            // by slot: in the vote table; -1: not probed
    std::vector<policy::EndpointState> forced;  // by slot: drain or override; Unknown: none
    std::vector<bool> pool_drained;             // by pool: drained by the API
    std::vector<EndpointTrack> endpoint_track;  // by slot
    std::vector<RegionTrack> region_track;      // by pool
  };
  // Lays the slots out anew when `services`, the vote table's numbering or the rules changed,
  // carrying the tracks over by key (pools and endpoints no longer served are forgotten).
  // mutex_ held.
  void layOutSlots(const policy::ServiceSet& services);
  // The services' health at `now` from the slots: endpoint states, API drains and slow-start
  // ramps, and each pool's up/down. Records nothing. mutex_ held.
  void evaluate(const policy::ServiceSet& services, double now,
                std::vector<policy::ServiceHealth>& health, std::vector<bool>& pool_up);
  // The note of endpoint `slot` whose state is `state` at `now`; records a change of state.
  policy::EndpointNote noteEndpoint(std::size_t slot, policy::EndpointState state, double now);
  // What a region is now, as advance() compares it with its track.
  struct RegionNow {
    bool up = true;                      // usable
    bool drained = false;                // by the zone file or the API
    std::uint64_t usable_endpoints = 0;  // usableFingerprint()
  };
  static RegionNow regionNow(const policy::RegionPlan& plan,
                             const policy::RegionHealth& health) noexcept;
  // A region's track advanced to `now` given what it is; `ramp` gets its slow-start share
  // (1: full), and the track's unrest its last change.
  static RegionTrack advance(RegionTrack track, const RegionNow& region, double slow_start,
                             double now, double& ramp) noexcept;

  const VoteTable* votes_;
  const Clock clock_;
  mutable std::mutex mutex_;
  EndpointSlots slots_;
  std::vector<policy::EndpointState> verdict_states_;  // scratch for VoteTable::states()
  std::vector<policy::RegionUnrest> unrest_;           // scratch: one service's regions
  std::uint64_t rules_version_ = 1;  // moves on with every drain, undrain and override
  std::set<PoolKey> drained_pools_;
  std::set<EndpointKey> drained_endpoints_;
  std::map<EndpointKey, policy::EndpointState> overrides_;
};

}  // namespace nines::dnsd
