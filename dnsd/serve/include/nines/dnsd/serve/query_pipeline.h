// One query, start to finish, without sockets: parse -> look up -> write. The UDP and TCP servers,
// the fuzz target and the tests all go through here, so they agree by construction.
#pragma once

#include <cstddef>
#include <cstdint>

#include "nines/dnsd/serve/decision_cache.h"
#include "nines/dnsd/serve/location_cache.h"
#include "nines/dnsd/serve/lookup.h"
#include "nines/dnsd/serve/response_rate_limiter.h"
#include "nines/dnsd/serve/serving_state.h"
#include "nines/dnsd/wire/answer_plan.h"
#include "nines/dnsd/wire/query_parser.h"
#include "nines/zones/ip.h"

namespace nines::dnsd {

enum class Transport : std::uint8_t { Udp, Tcp };

class QueryCounters;

// What one query came to, for counters (rcode) and tests.
struct QueryResult {
  std::size_t size = 0;  // response octets; 0: dropped, send nothing
  ParseOutcome parse = ParseOutcome::Drop;
  LookupOutcome lookup = LookupOutcome::Refused;
  std::uint16_t rcode = 0;
  bool truncated = false;
  // The rate limiter's verdict (UDP with a limiter only): Drop leaves size 0, Slip an empty
  // truncated response.
  RateLimitAction rate_limit = RateLimitAction::Send;
};

// Per-worker scratch: the query, the plan and the policy caches live here so nothing is allocated
// per query.
struct QueryContext {
  explicit QueryContext(std::size_t decision_cache_entries = DecisionCache::kDefaultEntries)
      : decisions(decision_cache_entries) {
    policy.locations = &locations;
    policy.decisions = &decisions;
  }
  QueryContext(const QueryContext&) = delete;
  QueryContext& operator=(const QueryContext&) = delete;

  Query query;
  AnswerPlan plan;
  LocationCache locations;
  DecisionCache decisions;
  PolicyContext policy;  // with the two caches above; explain sets its trace
  // The worker's counters (query_counters.h), bumped for every response; null: not counted.
  QueryCounters* counters = nullptr;
  // The worker's response rate limiter, applied to UDP responses after they are written (the
  // class of a response is known only then); null: none (TCP, explain).
  ResponseRateLimiter* limiter = nullptr;
};

// `source` is the address the query came from. `out` must hold at least kMaxTcpMessage octets
// for TCP and `udp_payload` for UDP.
QueryResult processQuery(const ServingState& state, const std::uint8_t* data, std::size_t size,
                         const zones::IpAddress& source, Transport transport,
                         std::size_t udp_payload, QueryContext& context,
                         std::uint8_t* out) noexcept;

}  // namespace nines::dnsd
