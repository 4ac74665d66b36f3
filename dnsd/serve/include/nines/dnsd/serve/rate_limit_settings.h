// [rate_limit] of dnsd.toml: response rate limiting (RRL) as the UDP workers apply it. Read by
// control/src/config.cc, published to the workers inside the serving state (a reload applies new
// values at the next batch of every worker) and applied by ResponseRateLimiter.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "nines/zones/ip.h"

namespace nines::dnsd {

struct RateLimitSettings {
  // Responses a second each client network may get in one response class; 0: rate limiting off.
  std::uint32_t responses_per_second = 0;
  // Seconds of credit a bucket holds: a network quiet for this long may send a burst of
  // responses_per_second x window before it is limited (BIND's default window is 15 s; a short
  // one limits a flood sooner).
  std::uint32_t window = 5;
  // Over the limit, every slip-th response is sent as an empty truncated one (TC=1) so a real
  // resolver behind a spoofed address retries over TCP; 0: drop them all, 1: slip them all.
  std::uint32_t slip = 2;
  std::uint8_t ipv4_prefix = 24;  // client networks are accounted as this many leading bits
  std::uint8_t ipv6_prefix = 56;
  std::vector<zones::Cidr> exempt;  // never limited (e.g. one's own resolvers, monitoring)
  bool log_only = false;            // count what would be limited, limit nothing
  // Buckets per UDP worker (a power of two): the table's memory is this times the size of a
  // bucket (ResponseRateLimiter::kBucketSize), whatever the number of sources.
  std::size_t table_size = 65536;

  bool enabled() const noexcept { return responses_per_second != 0; }
  bool operator==(const RateLimitSettings& other) const = default;
};

}  // namespace nines::dnsd
