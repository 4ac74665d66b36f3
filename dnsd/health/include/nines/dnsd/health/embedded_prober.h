// The embedded default (DESIGN.md "Processes"): with no [[health.probers]] configured, dnsd runs
// the same checks itself, so one machine is a complete install. A probers::ProbeEngine runs on a
// thread of its own; its target states are fed into the vote table as the votes of one prober
// named "embedded" in region "local", straight in (no HTTP, no signing), on every change and at
// least once a second, so the votes stay fresh while nothing changes.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "nines/dnsd/health/vote_table.h"
#include "nines/probers/check_target.h"
#include "nines/probers/probe_engine.h"

namespace nines::dnsd {

inline constexpr const char* kEmbeddedProber = "embedded";
inline constexpr const char* kEmbeddedRegion = "local";

class EmbeddedProber {
 public:
  // The table must outlive this.
  explicit EmbeddedProber(VoteTable& table, probers::EngineOptions options = {});
  ~EmbeddedProber();  // stops the engine thread
  EmbeddedProber(const EmbeddedProber&) = delete;
  EmbeddedProber& operator=(const EmbeddedProber&) = delete;

  // Replaces what is probed (thread-safe); called on every zone load.
  void setTargets(std::vector<probers::CheckTarget> targets);
  void start();
  void stop();
  // Casts the engine's states as votes into the table when one changed since the last time or
  // when `refresh` seconds have passed (the caller's clock); returns whether it did. Call it
  // often (the publication loop does, before every tick).
  bool feedVotes(double now, double refresh = 1.0);
  // The time of the last feed (the caller's clock), 0 before the first.
  double lastFeed() const noexcept { return last_feed_.load(std::memory_order_relaxed); }

  // The votes one engine snapshot amounts to: Unknown targets (not checked yet) cast none.
  static std::vector<probers::ReportResult> votesOf(
      const std::vector<probers::TargetStatus>& statuses);

 private:
  VoteTable& table_;
  probers::ProbeEngine engine_;
  std::atomic<bool> changed_{true};
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::atomic<double> last_feed_{0};  // written by feedVotes() (one thread), read by status
};

}  // namespace nines::dnsd
