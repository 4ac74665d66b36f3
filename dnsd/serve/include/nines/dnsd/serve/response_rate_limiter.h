// Response rate limiting (RRL), one limiter per UDP worker: a reflection attack sends queries
// with a victim's address as the source, and an authoritative server that answers each of them
// floods the victim. RRL caps what one client network gets in one class of response; a real
// resolver behind that address still gets every slip-th response as an empty truncated one and
// retries over TCP, which is never limited (a spoofed source cannot finish a TCP handshake).
//
// Accounting: the key is the client's network (ipv4_prefix or ipv6_prefix leading bits of the
// source, never the ECS address) and the response's class, close to what BIND's and Knot's
// (3.0's, before KRU) RRL do: both key an answer by its name and NXDOMAIN by the zone, BIND a
// referral by its delegation; Knot keys NODATA by name and a wildcard answer by the zone, where
// this keys NODATA by the zone (as the issue asks) and a wildcard answer by the wildcard:
//   - an answer: the question name and type (a wildcard answer: the wildcard and the type, so
//     that random names under one wildcard share a bucket);
//   - NXDOMAIN and NODATA: the zone (random names in one zone share a bucket);
//   - a referral: the delegation;
//   - an error (REFUSED, FORMERR, NOTIMP, BADVERS): the client network alone.
// Each key has a token bucket: responses_per_second credit a second, up to `window` seconds of
// it; a response costs one, and a response with no credit left is over the limit.
//
// Scenario: rate 5, window 2, slip 2, and a flood of www.example.test A from 192.0.2.7. The /24
// has 10 responses of credit: the first 10 go out; from then on 5 a second go out, and of the
// rest every second one is an empty TC=1 response and the others are dropped. A query for
// nope.example.test (NXDOMAIN) from the same /24 is in another bucket and answered.
//
// The table: a fixed number of buckets (table_size), 4-way set associative; a key not in its set
// takes an empty bucket or else the one touched longest ago (a bucket idle for `window` seconds
// holds full credit, just like a new one). Its memory is set by table_size alone, however many
// sources a spoofed flood uses. Per worker, so no lock and no shared write per query; the price
// is that a client whose queries the kernel spreads over several workers (SO_REUSEPORT hashes the
// source port) can get up to workers x the rate.
//
// Per query: a classification, a hash and a bucket update; no allocation, no lock, no syscall.
// The worker reads the clock once per batch (beginBatch()).
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string_view>
#include <vector>

#include "nines/base/hash.h"
#include "nines/dnsd/serve/lookup.h"
#include "nines/dnsd/serve/rate_limit_settings.h"
#include "nines/dnsd/wire/answer_plan.h"
#include "nines/dnsd/wire/query_parser.h"
#include "nines/zones/ip.h"

namespace nines::dnsd {

enum class ResponseClass : std::uint8_t { Answer, NxDomain, NoData, Referral, Error };
inline constexpr std::size_t kResponseClasses = 5;
const char* responseClassName(ResponseClass response_class) noexcept;  // "answer", "nxdomain", ...

// What to do with a response. The first five are counted (nines_dns_rate_limited_total's action
// label); Send is not.
enum class RateLimitAction : std::uint8_t {
  Drop,       // over the limit: send nothing
  Slip,       // over the limit: send it empty and truncated (emptyTruncated())
  Exempt,     // from an exempt network: sent, never limited
  WouldDrop,  // log_only: would have been dropped; sent
  WouldSlip,  // log_only: would have been slipped; sent
  Send,
};
inline constexpr std::size_t kRateLimitActions = 5;                // the counted ones
const char* rateLimitActionName(RateLimitAction action) noexcept;  // "drop", "slip", ...

// The class of a response and what in it names its bucket.
struct ResponseKey {
  ResponseClass response_class = ResponseClass::Error;
  std::uint16_t qtype = 0;      // answers only
  std::uint64_t name_hash = 0;  // 0: none (errors)
};

// The key of the response processQuery() just wrote, from what the parse and the lookup said.
// `wildcard` is PolicyContext::wildcard (the wildcard node that answered, or null).
inline ResponseKey classifyResponse(ParseOutcome parse, LookupOutcome lookup, const Query& query,
                                    const AnswerPlan& plan, const void* wildcard) noexcept {
  ResponseKey key;
  if (parse != ParseOutcome::Ok) return key;
  const char* qname = reinterpret_cast<const char*>(query.qname.data());
  auto suffix = [&](std::size_t offset) {
    return base::hashName(std::string_view(qname + offset, query.qname_size - offset));
  };
  switch (lookup) {
    case LookupOutcome::Answered:
      key.response_class = ResponseClass::Answer;
      key.qtype = query.qtype;
      key.name_hash = wildcard != nullptr ? base::mix64(reinterpret_cast<std::uintptr_t>(wildcard))
                                          : base::hashName(query.qnameView());
      break;
    case LookupOutcome::NxDomain:
    case LookupOutcome::NoData:
      key.response_class =
          lookup == LookupOutcome::NxDomain ? ResponseClass::NxDomain : ResponseClass::NoData;
      key.name_hash = suffix(plan.apex_offset);
      break;
    case LookupOutcome::Referral:
      key.response_class = ResponseClass::Referral;
      // lookUp() puts the delegation's NS RRset first in authority, owned by a qname suffix.
      key.name_hash = suffix(plan.authority.size != 0 ? plan.authority.entries[0].offset : 0);
      break;
    default:
      break;
  }
  return key;
}

// Rewrites the `size` octets of a response at `message` as an empty truncated response: the
// header (TC set, no records counted) and the question, if it has one. Returns the new size.
std::size_t emptyTruncated(std::uint8_t* message, std::size_t size) noexcept;

class ResponseRateLimiter {
 public:
  struct Bucket {
    std::uint64_t key = 0;      // 0: empty
    std::int64_t credit = 0;    // thousandths of a response
    std::uint32_t stamp = 0;    // when credit was last added: the limiter's clock, milliseconds
    std::uint32_t limited = 0;  // responses over the limit in a row, for slip
  };
  static constexpr std::size_t kBucketSize = sizeof(Bucket);
  static constexpr std::size_t kWays = 4;
  static constexpr std::int64_t kCost = 1000;  // one response in credit units

  // `seed` keys the hash (from a random source: an attacker who cannot predict which keys share
  // a set cannot aim a flood at one client's bucket).
  explicit ResponseRateLimiter(std::uint64_t seed) noexcept : seed_(seed) {}
  ResponseRateLimiter(const ResponseRateLimiter&) = delete;
  ResponseRateLimiter& operator=(const ResponseRateLimiter&) = delete;

  // Once per batch, on the worker's thread: the settings in force (null or responses_per_second
  // 0: off) and a monotonic clock in milliseconds. `settings` must stay valid until the next
  // call. A table_size other than the table's allocates a new, empty table: once per reload that
  // changes it, never per query.
  void beginBatch(const RateLimitSettings* settings, std::uint64_t now_ms);

  // Whether this batch is rate limited (settings given and on): when not, admit() sends
  // everything and the caller may skip classifying the response.
  bool active() const noexcept { return settings_ != nullptr; }

  // The verdict on one UDP response to `client`, counted. Worker thread only.
  RateLimitAction admit(const zones::IpAddress& client, const ResponseKey& key) noexcept {
    if (settings_ == nullptr) return RateLimitAction::Send;
    RateLimitAction action = decide(client, key);
    if (action != RateLimitAction::Send) tally(key.response_class, action);
    return action;
  }

  // For /metrics, from any thread.
  std::uint64_t count(ResponseClass response_class, RateLimitAction action) const noexcept {
    return counts_[index(response_class, action)].load(std::memory_order_relaxed);
  }
  std::size_t occupied() const noexcept { return occupied_.load(std::memory_order_relaxed); }
  std::size_t capacity() const noexcept { return capacity_.load(std::memory_order_relaxed); }
  // Buckets taken over from another key (the table was full in that set).
  std::uint64_t reused() const noexcept { return reused_.load(std::memory_order_relaxed); }
  // The table's memory: capacity() buckets, whatever went through it.
  std::size_t tableBytes() const noexcept { return capacity() * kBucketSize; }

 private:
  static std::size_t index(ResponseClass response_class, RateLimitAction action) noexcept {
    return static_cast<std::size_t>(response_class) * kRateLimitActions +
           static_cast<std::size_t>(action);
  }
  static void bump(std::atomic<std::uint64_t>& counter) noexcept {
    counter.store(counter.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  }
  void tally(ResponseClass response_class, RateLimitAction action) noexcept {
    bump(counts_[index(response_class, action)]);
  }

  bool exempt(const zones::IpAddress& client) const noexcept {
    for (const zones::Cidr& net : settings_->exempt) {
      if (net.contains(client)) return true;
    }
    return false;
  }

  // The client's network, hashed with the response's key.
  std::uint64_t hashKey(const zones::IpAddress& client, const ResponseKey& key) const noexcept {
    std::uint64_t high = 0;
    std::uint64_t low = 0;
    if (client.family == 4) {
      std::uint32_t v4;
      std::memcpy(&v4, client.bytes.data(), 4);
      high = __builtin_bswap32(v4) & v4_mask_;
    } else {
      std::memcpy(&high, client.bytes.data(), 8);
      std::memcpy(&low, client.bytes.data() + 8, 8);
      high = __builtin_bswap64(high) & v6_mask_high_;
      low = __builtin_bswap64(low) & v6_mask_low_;
    }
    std::uint64_t h = seed_ ^ (std::uint64_t{client.family} << 56) ^
                      (std::uint64_t(key.response_class) << 48) ^ (std::uint64_t{key.qtype} << 32);
    h = base::mix64(h ^ key.name_hash);
    h = base::mix64(h ^ high);
    if (client.family != 4) h = base::mix64(h ^ low);  // an IPv4 network is all in `high`
    return h == 0 ? 1 : h;                             // 0 marks an empty bucket
  }

  Bucket& find(std::uint64_t key) noexcept {
    Bucket* set = &table_[(key >> 20 & set_mask_) * kWays];
    Bucket* oldest = set;
    for (std::size_t i = 0; i < kWays; ++i) {
      if (set[i].key == key) return set[i];
      if (set[i].key == 0) {
        oldest = &set[i];
        break;
      }
      if (std::uint32_t(now_ - set[i].stamp) > std::uint32_t(now_ - oldest->stamp))
        oldest = &set[i];
    }
    if (oldest->key == 0) {
      occupied_.store(occupied_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    } else {
      bump(reused_);
    }
    *oldest = {key, capacity_credit_, now_, 0};
    return *oldest;
  }

  RateLimitAction decide(const zones::IpAddress& client, const ResponseKey& key) noexcept {
    if (!settings_->exempt.empty() && exempt(client)) return RateLimitAction::Exempt;
    Bucket& bucket = find(hashKey(client, key));
    // Unsigned: the clock is 32 bits of milliseconds and wraps every 49 days.
    if (const std::uint32_t elapsed = now_ - bucket.stamp; elapsed != 0) {
      bucket.credit += static_cast<std::int64_t>(elapsed) * settings_->responses_per_second;
      if (bucket.credit > capacity_credit_) bucket.credit = capacity_credit_;
      bucket.stamp = now_;
    }
    if (bucket.credit >= kCost) {
      bucket.credit -= kCost;
      bucket.limited = 0;
      return RateLimitAction::Send;
    }
    ++bucket.limited;
    const bool slip = settings_->slip != 0 && bucket.limited % settings_->slip == 0;
    if (settings_->log_only) return slip ? RateLimitAction::WouldSlip : RateLimitAction::WouldDrop;
    return slip ? RateLimitAction::Slip : RateLimitAction::Drop;
  }

  const std::uint64_t seed_;
  const RateLimitSettings* settings_ = nullptr;  // null: off
  std::uint32_t now_ = 0;
  std::int64_t capacity_credit_ = 0;  // responses_per_second x window, in credit units
  std::uint32_t v4_mask_ = 0;
  std::uint64_t v6_mask_high_ = 0;
  std::uint64_t v6_mask_low_ = 0;
  std::unique_ptr<Bucket[]> table_;
  std::size_t set_mask_ = 0;
  std::atomic<std::size_t> capacity_{0};
  std::atomic<std::size_t> occupied_{0};
  std::atomic<std::uint64_t> reused_{0};
  std::array<std::atomic<std::uint64_t>, kResponseClasses * kRateLimitActions> counts_{};
};

}  // namespace nines::dnsd
