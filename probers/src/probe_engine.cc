// The checker base: schedules every target (interval with jitter, first check at a random point
// of the first interval), hands each due check to its transport, applies rise/fall to results and
// publishes statuses. The transports only do I/O (http_transport.cc, socket_transport.cc).
#include "nines/probers/probe_engine.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <mutex>
#include <queue>
#include <random>
#include <unordered_map>

#include "http_transport.h"
#include "socket_transport.h"

namespace nines::probers {

namespace {

// How long the loop sleeps at most: run() returns within this of `stop`, and setTargets() waits
// at most this when the wakeup is missed.
constexpr int kMaxWaitMs = 100;

double steadySeconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace

struct ProbeEngine::Impl {
  struct Slot {
    CheckTarget target;
    RiseFall rise_fall{1, 1};
    TargetStatus status;
    std::size_t index = 0;      // position in `published`
    std::uint64_t attempt = 0;  // token of the check in flight; 0: none
    double started = 0;         // clock time the check in flight started
    bool removed = false;
  };
  struct Due {
    double when;
    std::shared_ptr<Slot> slot;
    bool operator>(const Due& other) const { return when > other.when; }
  };

  explicit Impl(EngineOptions engine_options)
      : options(std::move(engine_options)), http(options.user_agent) {
    if (!options.clock) options.clock = steadySeconds;
    rng.seed(options.seed ? options.seed : std::random_device{}());
    options.jitter = std::clamp(options.jitter, 0.0, 0.5);
  }

  double uniform(double low, double high) {
    return std::uniform_real_distribution<double>(low, high)(rng);
  }

  void applyPending(double now);
  void startDue(double now, detail::Outcomes& out);
  void start(const std::shared_ptr<Slot>& slot, double now, detail::Outcomes& out);
  bool finish(detail::Outcomes& outcomes);
  void publish(const Slot& slot);
  int waitMs(double now) const;
  void abandonInFlight();

  EngineOptions options;
  std::mt19937_64 rng;
  detail::HttpTransport http;
  detail::SocketTransport sockets;

  mutable std::mutex mutex;
  std::optional<std::vector<CheckTarget>> pending;  // guarded by `mutex`
  std::vector<TargetStatus> published;              // guarded by `mutex`
  std::uint64_t layout = 0;                         // guarded: bumped by every setTargets()
  std::uint64_t applied_layout = 0;  // guarded: the layout `published` and the slots follow
  std::function<void()> on_change;   // guarded

  // Engine thread only.
  std::vector<std::shared_ptr<Slot>> slots;  // in setTargets() order
  std::unordered_map<std::string, std::shared_ptr<Slot>> by_id;
  std::unordered_map<std::uint64_t, std::shared_ptr<Slot>> in_flight;  // by token
  std::priority_queue<Due, std::vector<Due>, std::greater<>> queue;
  std::uint64_t next_token = 1;
};

void ProbeEngine::Impl::applyPending(double now) {
  std::vector<CheckTarget> targets;
  std::uint64_t target_layout;
  {
    std::lock_guard lock(mutex);
    if (!pending) return;
    targets = std::move(*pending);
    pending.reset();
    target_layout = layout;
  }
  std::unordered_map<std::string, std::shared_ptr<Slot>> next_by_id;
  std::vector<std::shared_ptr<Slot>> next_slots;
  next_slots.reserve(targets.size());
  for (auto& target : targets) {
    if (next_by_id.count(target.id)) continue;  // a duplicate id: the first one counts
    std::shared_ptr<Slot> slot;
    if (auto it = by_id.find(target.id); it != by_id.end()) {
      slot = it->second;
      slot->rise_fall.reconfigure(target.check.rise, target.check.fall);
      slot->target = std::move(target);
    } else {
      slot = std::make_shared<Slot>();
      slot->rise_fall = RiseFall(target.check.rise, target.check.fall);
      slot->status.id = target.id;
      slot->target = std::move(target);
      // The first check at a random point of the first interval: targets added together (all
      // of them, at start) do not all fire at once and stay apart afterwards.
      queue.push({now + uniform(0, 1) * slot->target.check.interval, slot});
    }
    slot->index = next_slots.size();
    next_by_id.emplace(slot->status.id, slot);
    next_slots.push_back(slot);
  }
  for (auto& [id, slot] : by_id) {
    if (next_by_id.count(id)) continue;
    slot->removed = true;
    if (slot->attempt) {
      http.cancel(slot->attempt);
      sockets.cancel(slot->attempt);
      in_flight.erase(slot->attempt);
      slot->attempt = 0;
    }
  }
  by_id = std::move(next_by_id);
  slots = std::move(next_slots);
  std::lock_guard lock(mutex);
  if (layout != target_layout) return;  // a newer list is pending; it is applied next
  published.clear();
  for (const auto& slot : slots) published.push_back(slot->status);
  applied_layout = target_layout;
}

void ProbeEngine::Impl::startDue(double now, detail::Outcomes& out) {
  while (!queue.empty() && queue.top().when <= now) {
    Due due = queue.top();
    queue.pop();
    if (due.slot->removed) continue;
    const zones::Check& check = due.slot->target.check;
    // Start-to-start cadence, each interval stretched or shrunk by the jitter.
    double interval = std::max(check.interval, 0.001);
    double next = due.when + interval * (1 + uniform(-options.jitter, options.jitter));
    queue.push({std::max(next, now), due.slot});
    if (due.slot->attempt == 0) start(due.slot, now, out);  // else: still running, skip a turn
  }
}

void ProbeEngine::Impl::start(const std::shared_ptr<Slot>& slot, double now,
                              detail::Outcomes& out) {
  std::uint64_t token = next_token++;
  slot->attempt = token;
  slot->started = now;
  in_flight.emplace(token, slot);
  const CheckTarget& target = slot->target;
  const std::string& type = target.check.type;
  if (type == "http" || type == "https") {
    http.start(token, target, out);
  } else if (type == "tcp") {
    sockets.startTcp(token, target, now, out);
  } else if (type == "dns") {
    auto id = static_cast<std::uint16_t>(std::uniform_int_distribution<unsigned>(0, 0xffff)(rng));
    sockets.startDns(token, target, id, now, out);
  } else {
    out.push_back({token, false, "unknown check type \"" + type + "\""});
  }
}

bool ProbeEngine::Impl::finish(detail::Outcomes& outcomes) {
  bool changed = false;
  for (auto& outcome : outcomes) {
    auto it = in_flight.find(outcome.token);
    if (it == in_flight.end()) continue;
    std::shared_ptr<Slot> slot = std::move(it->second);
    in_flight.erase(it);
    if (slot->removed || slot->attempt != outcome.token) continue;
    slot->attempt = 0;
    double now = options.clock();
    TargetStatus& status = slot->status;
    ++status.checks;
    status.last_ok = outcome.ok;
    if (options.on_result) options.on_result(slot->target, outcome.ok, now - slot->started);
    status.reason = std::move(outcome.reason);
    if (outcome.ok) {
      status.rtt_ms = std::max(0.0, (now - slot->started) * 1000);
    } else {
      ++status.failures;
    }
    if (slot->rise_fall.observe(outcome.ok)) {
      status.state = slot->rise_fall.state();
      status.last_change = now;
      changed = true;
    }
    publish(*slot);
  }
  outcomes.clear();
  return changed;
}

void ProbeEngine::Impl::publish(const Slot& slot) {
  std::lock_guard lock(mutex);
  // After a setTargets() not yet applied, `published` has another layout; applyPending()
  // republishes every slot then.
  if (layout == applied_layout && slot.index < published.size()) {
    published[slot.index] = slot.status;
  }
}

int ProbeEngine::Impl::waitMs(double now) const {
  double until = now + kMaxWaitMs / 1000.0;
  if (!queue.empty()) until = std::min(until, queue.top().when);
  if (auto deadline = sockets.nextDeadline()) until = std::min(until, *deadline);
  return std::clamp(static_cast<int>(std::ceil((until - now) * 1000)), 0, kMaxWaitMs);
}

void ProbeEngine::Impl::abandonInFlight() {
  http.cancelAll();
  sockets.cancelAll();
  for (auto& [token, slot] : in_flight) slot->attempt = 0;
  in_flight.clear();
}

ProbeEngine::ProbeEngine(EngineOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}

ProbeEngine::~ProbeEngine() = default;

void ProbeEngine::setTargets(std::vector<CheckTarget> targets) {
  {
    std::lock_guard lock(impl_->mutex);
    // Publish the new list at once (known ids keep their status), so snapshot() shows it before
    // the engine thread picks it up.
    std::unordered_map<std::string, const TargetStatus*> known;
    for (const auto& status : impl_->published) known.emplace(status.id, &status);
    std::vector<TargetStatus> statuses;
    statuses.reserve(targets.size());
    std::unordered_map<std::string, bool> listed;
    for (const auto& target : targets) {
      if (!listed.emplace(target.id, true).second) continue;
      auto it = known.find(target.id);
      if (it != known.end()) {
        statuses.push_back(*it->second);
      } else {
        statuses.emplace_back();
        statuses.back().id = target.id;
      }
    }
    impl_->published = std::move(statuses);
    impl_->pending = std::move(targets);
    ++impl_->layout;
  }
  impl_->http.wakeup();
}

void ProbeEngine::onChange(std::function<void()> callback) {
  std::lock_guard lock(impl_->mutex);
  impl_->on_change = std::move(callback);
}

void ProbeEngine::run(const std::atomic<bool>& stop) {
  Impl& impl = *impl_;
  detail::Outcomes outcomes;
  while (!stop.load()) {
    double now = impl.options.clock();
    impl.applyPending(now);
    impl.startDue(now, outcomes);
    if (outcomes.empty()) impl.http.wait(impl.sockets.fd(), impl.waitMs(now));
    impl.http.collect(outcomes);
    impl.sockets.collect(impl.options.clock(), outcomes);
    if (impl.finish(outcomes)) {
      std::function<void()> callback;
      {
        std::lock_guard lock(impl.mutex);
        callback = impl.on_change;
      }
      if (callback) callback();
    }
  }
  impl.abandonInFlight();
}

std::vector<TargetStatus> ProbeEngine::snapshot() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->published;
}

}  // namespace nines::probers
