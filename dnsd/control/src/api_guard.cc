#include "api_guard.h"

#include <algorithm>
#include <cmath>
#include <iterator>

namespace nines::dnsd {

namespace {

// Buckets kept at most: past this, full ones (clients quiet long enough to have their whole burst
// back, which is what a new bucket holds) are dropped, and if none is, all of them. Forged
// addresses cannot grow memory, and dropping a bucket only ever gives its client more.
constexpr std::size_t kMaxBuckets = 16384;

}  // namespace

void ApiGuard::setLimits(const ApiLimits& limits) {
  std::lock_guard lock(mutex_);
  limits_ = limits;
}

ApiLimits ApiGuard::limits() const {
  std::lock_guard lock(mutex_);
  return limits_;
}

bool ApiGuard::admit(const std::string& client) {
  std::lock_guard lock(mutex_);
  auto it = open_.find(client);
  if (it != open_.end() && it->second >= limits_.max_connections_per_client) {
    ++counts_.refused_connections;
    return false;
  }
  ++open_[client];
  return true;
}

void ApiGuard::release(const std::string& client) {
  std::lock_guard lock(mutex_);
  auto it = open_.find(client);
  if (it != open_.end() && --it->second == 0) open_.erase(it);
}

std::optional<int> ApiGuard::retryAfter(const std::string& client, bool report) {
  std::lock_guard lock(mutex_);
  const double rate = limits_.requests_per_second;
  if (!(rate > 0)) return std::nullopt;
  const double burst = std::max(1.0, limits_.burst);
  const auto now = Clock::now();
  auto refilled = [&](const Bucket& bucket) {
    const double idle = std::chrono::duration<double>(now - bucket.updated).count();
    return std::min(burst, bucket.tokens + idle * rate);
  };
  if (buckets_.size() >= kMaxBuckets) {
    for (auto it = buckets_.begin(); it != buckets_.end();) {
      it = refilled(it->second) >= burst ? buckets_.erase(it) : std::next(it);
    }
    if (buckets_.size() >= kMaxBuckets) buckets_.clear();
  }
  auto [it, added] = buckets_.try_emplace(report ? client + " report" : client);
  Bucket& bucket = it->second;
  bucket.tokens = added ? burst : refilled(bucket);
  bucket.updated = now;
  if (bucket.tokens >= 1) {
    bucket.tokens -= 1;
    return std::nullopt;
  }
  ++counts_.rate_limited;
  return std::max(1, static_cast<int>(std::ceil((1 - bucket.tokens) / rate)));
}

ApiGuard::Counts ApiGuard::counts() const {
  std::lock_guard lock(mutex_);
  return counts_;
}

}  // namespace nines::dnsd
