#include "nines/dnsd/serve/query_pipeline.h"

#include "nines/dnsd/serve/query_counters.h"
#include "nines/dnsd/wire/message.h"
#include "nines/dnsd/wire/response_writer.h"

namespace nines::dnsd {

QueryResult processQuery(const ServingState& state, const std::uint8_t* data, std::size_t size,
                         const zones::IpAddress& source, Transport transport,
                         std::size_t udp_payload, QueryContext& context,
                         std::uint8_t* out) noexcept {
  Query& query = context.query;
  AnswerPlan& plan = context.plan;
  QueryResult result;
  result.parse = parseQuery(data, size, query);
  plan.reset();
  context.policy.service = nullptr;
  context.policy.zone = nullptr;
  context.policy.wildcard = nullptr;
  switch (result.parse) {
    case ParseOutcome::Drop:
      return result;
    case ParseOutcome::FormErr:
      plan.rcode = rcode::FormErr;
      break;
    case ParseOutcome::NotImp:
      plan.rcode = rcode::NotImp;
      break;
    case ParseOutcome::BadVers:
      // RFC 6891 §6.1.3: BADVERS, no answer, and our own version (0) in the OPT.
      plan.rcode = rcode::BadVers;
      break;
    case ParseOutcome::Ok:
      result.lookup = lookUp(state, query, source, context.policy, plan);
      break;
  }
  std::size_t limit =
      transport == Transport::Tcp ? kMaxTcpMessage : udpResponseLimit(query, udp_payload);
  result.size = writeResponse(data, query, plan, WriteLimits{limit, udp_payload}, out);
  result.rcode = plan.rcode;
  result.truncated = (out[2] & 0x02) != 0;
  if (transport == Transport::Udp && context.limiter != nullptr && context.limiter->active() &&
      result.size != 0) {
    result.rate_limit = context.limiter->admit(
        source,
        classifyResponse(result.parse, result.lookup, query, plan, context.policy.wildcard));
    if (result.rate_limit == RateLimitAction::Drop) {
      result.size = 0;
    } else if (result.rate_limit == RateLimitAction::Slip) {
      result.size = emptyTruncated(out, result.size);
      result.truncated = true;
    }
  }
  if (context.counters != nullptr && result.size != 0) {
    context.counters->count(state, query, result, transport, context.policy);
  }
  return result;
}

}  // namespace nines::dnsd
