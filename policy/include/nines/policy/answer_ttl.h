// TTLs that follow health (DESIGN.md "TTLs that follow health"): a service with `ttl_unstable`
// answers with it while any of its regions is unstable, and with its `ttl` once every region has
// been steady for `ttl_calm` seconds, so resolvers come back soon after a failover without short
// TTLs in calm times.
//
// A region is unstable while it is ramping in (slow start, ramp < 1), and for ttl_calm seconds
// after its verdict changed (usable <-> not), the set of its usable endpoints changed, or it was
// drained or undrained. The health view builder tracks those changes (RegionUnrest) and judges
// each service when it builds a view; a query reads only the verdict (answerTtl()), and the
// publication loop publishes a new view when a service turns steady again.
#pragma once

#include <cstdint>
#include <string>

#include "nines/policy/health.h"
#include "nines/policy/service_plan.h"

namespace nines::policy {

// "went down", "came back", "changed its usable endpoints", "was drained", "was undrained",
// "is ramping in (slow start)"; "" for None.
const char* unrestText(Unrest unrest) noexcept;
// "went_down", "came_back", "endpoints", "drained", "undrained", "ramping"; "" for None: as
// /v1/status spells them.
const char* unrestName(Unrest unrest) noexcept;
// unrestName()'s inverse; None for anything else.
Unrest unrestFromName(const std::string& name) noexcept;

// The last change of one region of a service, as the health view builder tracks it.
struct RegionUnrest {
  Unrest cause = Unrest::None;  // never Ramping: the change that started a ramp is CameBack
  double changed_at = 0;        // clock seconds of that change
  double ramp_end = 0;          // while ramping: clock seconds when its share reaches 1; else 0
};

// The stability of service `plan` at `now` from its regions' last changes (`count` of them, in
// region slot order). A service without ttl_unstable is always steady.
ServiceStability judgeStability(const ServicePlan& plan, const RegionUnrest* regions,
                                std::size_t count, double now) noexcept;

// The TTL of the service's answers: the query path's one read of it.
inline std::uint32_t answerTtl(const ServicePlan& plan, const ServiceHealth& health) noexcept {
  return health.stability.unstable && plan.ttl_unstable ? *plan.ttl_unstable : plan.ttl;
}

// For explain: which TTL answers get and why, at `now` (clock seconds), e.g.
// "ttl 5 (unstable: region eu-west went down 40 s ago; steady in 260 s, ttl_calm 300),
// configured 60".
std::string describeTtl(const ServicePlan& plan, const ServiceHealth& health, double now);

}  // namespace nines::policy
