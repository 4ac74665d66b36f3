// `ninesctl check`'s capacity warnings (scenario 9, the N-1 rule of policy/capacity.h): a service
// with an `expected_load` whose regions, with the one it can least afford to lose gone, cannot
// carry it. Warnings, not errors: the zones load and serve as they are, and the exit status is
// left alone; a planner reads them.
#pragma once

#include <string>
#include <vector>

#include "nines/zones/zone.h"

namespace nines::ctl {

// One "file:line:col: warning: ..." per service of `zones` short of its expected_load, now or
// without its largest region (failover: without its active region), saying by how much; the
// regions the zone file drains count as out of service.
std::vector<std::string> capacityWarnings(const std::vector<zones::Zone>& zones);

}  // namespace nines::ctl
