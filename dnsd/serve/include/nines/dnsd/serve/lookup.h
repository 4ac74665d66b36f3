// The lookup stage: from a parsed query and the zones to an answer plan (RFC 1034 §4.3.2 as
// refined by RFC 2308, RFC 4592, RFC 6604 and RFC 8482). A service name's A and AAAA answers
// come from its policy.
#pragma once

#include "nines/dnsd/serve/decision_cache.h"
#include "nines/dnsd/serve/location_cache.h"
#include "nines/dnsd/serve/serving_state.h"
#include "nines/dnsd/wire/answer_plan.h"
#include "nines/dnsd/wire/query_parser.h"
#include "nines/policy/select.h"
#include "nines/zones/ip.h"

namespace nines::dnsd {

enum class LookupOutcome {
  Answered,  // data in the answer section (possibly a CNAME chain)
  NoData,    // the name exists, not the type: SOA in authority
  NxDomain,  // the name does not exist: SOA in authority
  Referral,  // below a zone cut: NS in authority, glue in additional, AA clear
  Refused,   // not a name in any zone we serve, or a class we do not serve
  NotImp,    // a query type we do not implement (MAILA, MAILB, TKEY, TSIG)
  FormErr,   // a query type that is not valid in a question (OPT)
};

// What a service answer needs besides the query, kept per worker: the caches that spare most
// queries a location lookup and a policy decision, the trace when explaining, and what the last
// service answer decided (for explain).
struct PolicyContext {
  LocationCache* locations = nullptr;  // may be null: locate without caching
  DecisionCache* decisions = nullptr;  // may be null: decide every time
  policy::Trace* trace = nullptr;      // explain only; null on the query path
  // Set by lookUp() when a policy answered: the service and its decision; null otherwise.
  const policy::ServicePlan* service = nullptr;
  policy::Decision decision;
  // Set by lookUp(): the zone the question's name is in; null for none (or no lookup).
  const ServedZone* zone = nullptr;
  // Set by lookUp() when a wildcard answered (RFC 4592): its node, so that rate limiting counts
  // the names it answers for as one; null otherwise.
  const void* wildcard = nullptr;
};

// Fills `plan` for a query that parsed as Ok and came from `source`. Never allocates (with a null
// trace); never throws.
LookupOutcome lookUp(const ServingState& state, const Query& query, const zones::IpAddress& source,
                     PolicyContext& policy, AnswerPlan& plan) noexcept;

}  // namespace nines::dnsd
