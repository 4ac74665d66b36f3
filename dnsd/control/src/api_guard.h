// What keeps the HTTP API serving while someone floods it (issue 10), kept apart from
// cpp-httplib (guarded_server.h applies it to each connection):
//
// - connections per client address: past max_connections_per_client a new connection from that
//   address is closed unread, so one address cannot take every API thread;
// - deadlines per connection: the headers within header_timeout of the accept, the whole
//   exchange within request_timeout (cpp-httplib's own read timeout restarts at every byte, so a
//   client trickling a header a byte at a time would otherwise hold a thread for ever);
// - a token bucket of requests per client address (requests_per_second, burst), answered with
//   429 and Retry-After. Reports (POST /v1/reports) draw from a bucket of their own per address,
//   so a prober's reports are never refused because of other requests from its address, and a
//   flood from other addresses touches neither of its buckets.
//
// The query path never comes here: the API has threads of its own. Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "nines/dnsd/control/config.h"

namespace nines::dnsd {

class ApiGuard {
 public:
  using Clock = std::chrono::steady_clock;
  explicit ApiGuard(ApiLimits limits) : limits_(limits) {}

  void setLimits(const ApiLimits& limits);  // a reload's
  ApiLimits limits() const;

  // A connection from `client` (its address, no port) is accepted: false when the client
  // already has its share open (the caller closes it unread). After true, release() once.
  bool admit(const std::string& client);
  void release(const std::string& client);

  // Whether a request from `client` may be served now (`report`: POST /v1/reports, its own
  // bucket); if not, the whole seconds until it would be (for Retry-After).
  std::optional<int> retryAfter(const std::string& client, bool report);

  struct Counts {
    std::uint64_t refused_connections = 0;  // over max_connections_per_client
    std::uint64_t rate_limited = 0;         // answered 429
  };
  Counts counts() const;

 private:
  struct Bucket {
    double tokens = 0;
    Clock::time_point updated;
  };

  mutable std::mutex mutex_;
  ApiLimits limits_;
  std::unordered_map<std::string, std::size_t> open_;  // connections by client address
  std::unordered_map<std::string, Bucket> buckets_;    // "address" and "address report"
  Counts counts_;
};

}  // namespace nines::dnsd
