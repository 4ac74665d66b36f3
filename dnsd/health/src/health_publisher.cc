#include "nines/dnsd/health/health_publisher.h"

#include <utility>

#include "nines/base/log.h"
#include "nines/dnsd/health/health_change_log.h"

namespace nines::dnsd {

HealthPublisher::HealthPublisher(HealthViewBuilder& builder, Clock clock, Sink sink)
    : builder_(builder), clock_(std::move(clock)), sink_(std::move(sink)) {}

HealthPublisher::~HealthPublisher() { stop(); }

void HealthPublisher::deliver(View view, const Sink& sink, double now) {
  if (published_ && published_services_) {
    std::vector<StateChange> changes =
        viewChanges(*published_services_, *published_, *services_, *view, now);
    for (const auto& line : describeHealthChanges(changes)) base::logInfo(line);
    if (changes_ != nullptr) changes_->record(std::move(changes));
  }
  published_ = view;
  published_services_ = services_;
  last_publish_ = now;
  sink(std::move(view));
}

void HealthPublisher::buildAndDeliver(const Sink& sink) {
  const double now = clock_();
  last_rtt_build_ = now;
  deliver(builder_.build(*services_), sink, now);
}

void HealthPublisher::publish(std::shared_ptr<const policy::ServiceSet> services,
                              const Sink& serve) {
  std::lock_guard lock(mutex_);
  services_ = std::move(services);
  buildAndDeliver(serve);
}

void HealthPublisher::republish() {
  std::lock_guard lock(mutex_);
  if (services_) buildAndDeliver(sink_);
}

bool HealthPublisher::tick() {
  std::lock_guard lock(mutex_);
  if (!services_) return false;
  const double now = clock_();
  const double since = now - last_publish_;
  auto due = [since](ViewChange change) {
    switch (change) {
      case ViewChange::None:
        return false;
      case ViewChange::Rtt:
        return since >= kRttRefresh;
      case ViewChange::Ramp:
        return since >= kRampRefresh;
      case ViewChange::States:
        return true;
    }
    return true;
  };
  // Most ticks change nothing: changesSince() finds that without building a view. The RTT matrix
  // is built and compared every kRttRefresh, the most often a change in it alone is published.
  if (published_ && now - last_rtt_build_ < kRttRefresh &&
      !due(builder_.changesSince(*services_, *published_))) {
    return false;
  }
  View view = builder_.build(*services_);
  last_rtt_build_ = now;
  if (!due(published_ ? compareViews(*published_, *view) : ViewChange::States)) return false;
  deliver(std::move(view), sink_, now);
  return true;
}

void HealthPublisher::recordChangesIn(StateChangeLog* log) {
  std::lock_guard lock(mutex_);
  changes_ = log;
}

void HealthPublisher::start(std::chrono::milliseconds period, std::function<void()> before_tick) {
  if (thread_.joinable()) return;
  {
    std::lock_guard lock(wait_mutex_);
    stopping_ = false;
  }
  thread_ = std::thread([this, period, before_tick = std::move(before_tick)] {
    std::unique_lock lock(wait_mutex_);
    while (!stopping_) {
      wake_.wait_for(lock, period, [this] { return stopping_; });
      if (stopping_) break;
      lock.unlock();
      if (before_tick) before_tick();
      tick();
      lock.lock();
    }
  });
}

void HealthPublisher::stop() {
  {
    std::lock_guard lock(wait_mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace nines::dnsd
