// The lookup stage: from a parsed query and the zones to an answer plan (RFC 1034 §4.3.2 as
// refined by RFC 2308, RFC 4592, RFC 6604 and RFC 8482).
#pragma once

#include "nines/dnsd/answer_plan.h"
#include "nines/dnsd/decision_cache.h"
#include "nines/dnsd/location_cache.h"
#include "nines/dnsd/query.h"
#include "nines/dnsd/serving_state.h"
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

// Where the query came from and the per-worker scratch a service answer needs.
struct Asker {
  zones::IpAddress source;             // the packet's source address
  LocationCache* cache = nullptr;      // may be null: locate without caching
  DecisionCache* decisions = nullptr;  // may be null: decide every time
  policy::Trace* trace = nullptr;      // explain only; null on the query path
};

// Fills `plan` for a query that parsed as Ok. Never allocates (with a null trace); never throws.
LookupOutcome resolve(const ServingState& state, const Query& query, const Asker& asker,
                      AnswerPlan& plan) noexcept;

}  // namespace nines::dnsd
