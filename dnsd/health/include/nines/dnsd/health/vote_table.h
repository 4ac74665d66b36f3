// The vote table (DESIGN.md "One health report", "Health semantics"): for every check target
// ("zone|check|endpoint"), the latest vote of each prober, and the verdicts and RTT matrix drawn
// from them. Pure: no sockets, no threads of its own; the clock comes in through the constructor.
// Written by report ingestion and the embedded prober, read by the publication loop and /v1/status,
// so it is guarded by a mutex (control plane only, never on the query path).
//
// A worked scenario, quorum 0.5, report_ttl 10 s. Target T is checked by eu-1, us-1 and ap-1.
//   t=0   eu-1 up, us-1 up, ap-1 down     -> 2/3 fresh votes up > 0.5: Up
//   t=5   us-1 down                        -> 1/3: Down
//   t=12  nothing more from anyone         -> t=0 votes are stale, 1 fresh (us-1 at 5) down: Down
//   t=16  every vote older than 10 s       -> no fresh votes: Unknown (treated as up), and the
//                                             reason says when the last vote came in
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "nines/policy/health.h"
#include "nines/probers/report.h"
#include "nines/zones/zone.h"

namespace nines::dnsd {

// Who voted: the prober's id, its region (a vantage point for the RTT matrix) and its location
// when it sent one.
struct ProberInfo {
  std::string id;
  std::string region;
  std::optional<zones::GeoPoint> location;
};

// One prober's latest vote on one target, as /v1/status shows it.
struct VoteView {
  std::string prober;
  std::string region;
  bool up = false;
  double rtt_ms = -1;  // negative: none
  std::string reason;
  double received_at = 0;  // clock seconds
  double age = 0;          // seconds before `now`
  bool fresh = false;      // age <= report_ttl
};

struct Verdict {
  policy::EndpointState state = policy::EndpointState::Unknown;  // Unknown, Up or Down
  std::size_t fresh = 0;                                         // fresh votes
  std::size_t up = 0;                                            // of them, saying up
  // "2/3 fresh votes up (quorum > 0.5)", "0/2 fresh votes up (quorum > 0.5); eu-1: HTTP 503",
  // "no fresh votes (last 12.3 s ago)", "no votes yet".
  std::string reason;
};

struct VoteTableOptions {
  double quorum = 0.5;       // up when up / fresh > quorum
  double report_ttl = 10.0;  // a vote older than this (seconds) is not fresh
};

class VoteTable {
 public:
  using Clock = std::function<double()>;  // wall clock, seconds

  VoteTable(VoteTableOptions options, Clock clock);
  VoteTable(const VoteTable&) = delete;
  VoteTable& operator=(const VoteTable&) = delete;

  double now() const { return clock_(); }
  VoteTableOptions options() const {
    std::lock_guard lock(mutex_);
    return options_;
  }
  // A reload's new quorum and report_ttl: the next verdicts use them (every target is tallied
  // anew); the votes stay.
  void setOptions(VoteTableOptions options);
  // Drops every vote of prober `id` (a prober taken out of dnsd.toml by a reload); the others'
  // stay. Returns whether it had voted.
  bool forgetProber(const std::string& id);

  // The targets votes are kept for (buildTargets of the served zones, after allow_nets). Votes for
  // other targets are ignored; votes of targets no longer listed are dropped. Each call numbers
  // the targets anew (their index is their place in `ids`) and moves targetsVersion() on.
  void setTargets(const std::vector<std::string>& ids);
  bool knows(std::string_view target) const;
  // The index of each of `ids` (-1: not a target) and the version the indices belong to.
  std::vector<std::int32_t> indicesOf(const std::vector<std::string>& ids,
                                      std::uint64_t* version) const;

  // Records `results` as the latest votes of `prober`, received now (our clock, not the
  // prober's). A target listed twice: the last result counts. Returns how many results were for
  // known targets (the rest are ignored).
  std::size_t apply(const ProberInfo& prober, const std::vector<probers::ReportResult>& results);

  // Quorum over the fresh votes of `target` at `now` (see the scenario above).
  Verdict verdict(const std::string& target, double now) const;
  // The verdict state of every target at `now`, by index: what verdict() says, without building
  // a reason. Cheap enough for every health tick: the states are kept from one call to the next,
  // and only the targets whose votes changed since are tallied again, unless a vote may have gone
  // stale since (then all are). False (and `out` untouched) when the targets have been
  // renumbered since `version`.
  bool states(double now, std::uint64_t version, std::vector<policy::EndpointState>& out) const;
  // Every prober's latest vote on `target`, by prober id.
  std::vector<VoteView> votes(const std::string& target, double now) const;

  // RTT matrix for the latency policy: for each prober region (a vantage) and each service region
  // (column), the median of the fresh RTTs measured by that region's probers to endpoints of that
  // service region. `members` pairs each target with the service region its endpoint serves in.
  // A vantage's location is the one its probers report, else `region_locations` of the same name;
  // a vantage with neither is left out, unless it is the only one (then where it is cannot
  // matter: it is the nearest to every client).
  policy::RttMatrix rttMatrix(
      const std::vector<std::pair<std::string, std::string>>& members,
      const std::vector<std::pair<std::string, zones::GeoPoint>>& region_locations,
      double now) const;

 private:
  struct Vote {
    bool up = false;
    double rtt_ms = -1;
    double received_at = -1;  // negative: this prober has not voted on this target
    std::string reason;
  };
  struct Tally {
    std::size_t fresh = 0, up = 0;
    std::ptrdiff_t first_down = -1;  // the prober of the first fresh vote saying down
    double last = -1;                // when the latest vote came in; negative: none
  };
  bool fresh(const Vote& vote, double now) const noexcept {
    return vote.received_at >= 0 && now - vote.received_at <= options_.report_ttl;
  }
  // `oldest_fresh`, when given, is lowered to the oldest fresh vote's time.
  Tally tally(std::size_t target, double now, double* oldest_fresh = nullptr) const noexcept;
  policy::EndpointState stateOf(const Tally& tally) const noexcept;
  std::ptrdiff_t indexOf(std::string_view target) const;  // -1: not a target; mutex_ held
  std::uint32_t proberIndex(const ProberInfo& prober);    // mutex_ held

  // Heterogeneous lookup, so a target named by a report is found without a copy of its name.
  struct NameHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view name) const noexcept {
      return std::hash<std::string_view>{}(name);
    }
  };
  static constexpr std::uint32_t kNoTarget = ~std::uint32_t{0};

  VoteTableOptions options_;  // guarded by mutex_
  const Clock clock_;
  mutable std::mutex mutex_;
  std::uint64_t version_ = 0;  // moves on with every setTargets
  // The target ids, back to back: id t is arena_[offsets_[t], offsets_[t + 1]).
  std::vector<char> arena_;
  std::vector<std::uint32_t> offsets_{0};
  std::size_t targetCount() const noexcept { return offsets_.size() - 1; }
  std::string_view id(std::size_t t) const noexcept {
    return {arena_.data() + offsets_[t], offsets_[t + 1] - offsets_[t]};
  }
  std::unordered_map<std::string_view, std::uint32_t, NameHash, std::equal_to<>> index_;  // arena_
  // By prober index (every prober ever heard from), in the order first heard from:
  std::vector<ProberInfo> probers_;
  // its latest vote on each target, by target index: a report writes one prober's row from
  // start to end, as the memory lies;
  std::vector<std::vector<Vote>> votes_;
  // the target index of each result of its last report (kNoTarget: none), so that the next
  // report, which lists the same targets in the same order, finds each with one comparison
  // instead of a hash lookup.
  std::vector<std::vector<std::uint32_t>> order_;
  // What states() keeps between calls: the states by target, the targets whose tally may have
  // changed since (a vote that became fresh or changed its mind), and the time after which a
  // fresh vote may have gone stale (then every target is tallied again).
  void markChanged(std::uint32_t target);  // mutex_ held
  mutable std::vector<policy::EndpointState> states_;
  mutable std::vector<std::uint32_t> changed_;
  mutable std::vector<bool> is_changed_;
  mutable bool recount_all_ = true;
  mutable double next_expiry_ = 0;
  mutable double last_count_ = 0;  // `now` of the last states(); a clock going back recounts
};

}  // namespace nines::dnsd
