// Runs every check of every target on one thread (STYLE: a checker base owns intervals, jitter,
// timeouts and rise/fall; transports only do I/O): HTTP and HTTPS through libcurl's multi
// interface, TCP connects and DNS queries on non-blocking sockets, all multiplexed, so thousands
// of checks are in flight at once. Used by the `prober` daemon and embedded in dnsd.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "nines/probers/check_target.h"
#include "nines/probers/rise_fall.h"

namespace nines::probers {

struct TargetStatus {
  std::string id;
  TargetState state = TargetState::Unknown;
  double rtt_ms = -1;        // of the last successful check; negative when none yet
  std::string reason;        // of the last check: "HTTP 200", "connect: Connection refused"
  double last_change = 0;    // clock seconds when `state` last changed (0: never)
  std::uint64_t checks = 0;  // completed checks
  std::uint64_t failures = 0;
  bool last_ok = false;  // whether the last completed check passed
};

struct EngineOptions {
  // Steady clock in seconds; tests pass a fake one. Default: std::chrono::steady_clock.
  std::function<double()> clock;
  std::uint64_t seed = 0;  // jitter RNG seed; 0: from std::random_device
  double jitter = 0.1;     // each interval is interval * (1 ± jitter); the first check of a
                           // target starts at a random point within its first interval
  std::string user_agent = "Nines-prober/0.1 (+health check)";
  // Told of every completed check (whether it passed, seconds from start to completion) on the
  // engine thread, before rise/fall applies; for metrics. May be empty.
  std::function<void(const CheckTarget& target, bool ok, double seconds)> on_result;
};

class ProbeEngine {
 public:
  explicit ProbeEngine(EngineOptions options = {});
  ~ProbeEngine();
  ProbeEngine(const ProbeEngine&) = delete;
  ProbeEngine& operator=(const ProbeEngine&) = delete;

  // Replaces the target list (thread-safe). Targets whose id is unchanged keep their state.
  void setTargets(std::vector<CheckTarget> targets);
  // Called on the engine thread after any target's state changes (once per batch of results).
  void onChange(std::function<void()> callback);
  // Runs checks until `stop` is set; returns within ~100 ms of it. Checks still in flight then
  // are abandoned (a later run() starts them afresh). One run() at a time.
  void run(const std::atomic<bool>& stop);
  // The current status of every target, in setTargets() order (thread-safe).
  std::vector<TargetStatus> snapshot() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace nines::probers
