// The publication loop (STYLE rule 1, coalesced as gdnsd does): keeps the health view that
// queries read in step with the votes, drains and slow-start ramps, without republishing the
// serving state more often than it must (every publication also empties the workers' decision
// caches).
//
// Every tick (a few times a second) it asks the builder what changed since the view it last
// published, and publishes:
//   - an endpoint state or a drain that changed: at once, so a failed region leaves answers
//     within a tick; so does a service with ttl_unstable turning steady (or unstable), so its
//     answers' TTL follows within a tick (policy/answer_ttl.h);
//   - only slow-start shares that moved: at most once a second (kRampRefresh);
//   - only the RTT matrix (medians move with every report but matter little between two
//     publications): at most every kRttRefresh, which is also how often the matrix, the costly
//     part, is built at all.
// Reloads and drains publish at once, through publish() and republish(). Every publication goes
// through here, one at a time, so a view is never published for services it was not built for.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "nines/dnsd/health/health_view_builder.h"
#include "nines/dnsd/health/state_change_log.h"
#include "nines/policy/health.h"
#include "nines/policy/service_plan.h"

namespace nines::dnsd {

class HealthPublisher {
 public:
  using Clock = std::function<double()>;  // seconds, the builder's clock
  using View = std::shared_ptr<const policy::HealthView>;
  // Serves `view` with the services it was built for.
  using Sink = std::function<void(View view)>;

  static constexpr double kRampRefresh = 1.0;
  static constexpr double kRttRefresh = 5.0;

  // `builder` must outlive this. `sink` serves a new view of the current services (ticks and
  // republish()); it is called with the publisher's lock held, never two at once.
  HealthPublisher(HealthViewBuilder& builder, Clock clock, Sink sink);
  ~HealthPublisher();  // stops the loop
  HealthPublisher(const HealthPublisher&) = delete;
  HealthPublisher& operator=(const HealthPublisher&) = delete;

  // Makes `services` current with a view built now, handed to `serve` (which serves the two
  // together: a reload). Later ticks and republish() keep that view current through the sink.
  void publish(std::shared_ptr<const policy::ServiceSet> services, const Sink& serve);
  // Publishes a view of the current services built now (after a drain or an override).
  void republish();
  // One tick: publishes what changed as far as the rules above allow. Returns whether it did.
  bool tick();

  // Runs tick() every `period` on a thread of its own until stop(), calling `before_tick` (may be
  // empty) first each time.
  void start(std::chrono::milliseconds period, std::function<void()> before_tick);
  void stop();

  // From now on every publication records in `log` (which must outlive this; null: none) what
  // changed against the view published before it (viewChanges()).
  void recordChangesIn(StateChangeLog* log);

 private:
  void deliver(View view, const Sink& sink, double now);  // mutex_ held
  // A full view of services_ (RTT matrix included) built now and delivered. mutex_ held.
  void buildAndDeliver(const Sink& sink);

  HealthViewBuilder& builder_;
  const Clock clock_;
  const Sink sink_;
  std::mutex mutex_;                                    // one publication at a time
  std::shared_ptr<const policy::ServiceSet> services_;  // what is served; guarded by mutex_
  View published_;                                      // its view; guarded by mutex_
  // The services published_ was built for (services_ moves on first at a reload); mutex_.
  std::shared_ptr<const policy::ServiceSet> published_services_;
  StateChangeLog* changes_ = nullptr;  // guarded by mutex_
  double last_publish_ = 0;            // clock seconds; mutex_
  double last_rtt_build_ = 0;          // clock seconds of the last full build; mutex_
  std::mutex wait_mutex_;
  std::condition_variable wake_;  // stop() wakes the loop
  bool stopping_ = false;         // guarded by wait_mutex_
  std::thread thread_;
};

}  // namespace nines::dnsd
