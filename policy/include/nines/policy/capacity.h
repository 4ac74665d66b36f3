// Capacity and the N-1 rule (scenario 9): can a service's regions carry its `expected_load`, now
// and if it loses the region it can least afford to lose? From the zone file's `capacity` per pool
// and `expected_load` per service; read by `ninesctl check` (the regions the zone file leaves in
// service), and by /v1/status, the status page and the metrics (the regions up now).
//
// Which region is lost, and who then carries the load, follows the policy:
//   - geo, latency, weighted: the regions in service share the load, so together they carry the
//     sum of their capacities; losing the largest leaves the sum of the others. (A sum: the
//     policies spread by nearness and weight, not by capacity, so one region may still fill up
//     before the sum does; the rule is the planner's first check, not a guarantee.)
//   - failover: one region answers at a time (the first in service in `order`, then the pools
//     `order` leaves out), so it alone carries the load; losing it leaves the next one alone.
// A region in service without a `capacity` counts as carrying nothing, and is named.
//
// Worked example: expected_load 20000, pools us-east 15000, eu-west 15000, ap-south 10000 (geo).
// All up: capacity 40000, headroom 20000; losing us-east (the largest, the first of equals)
// leaves 25000: N-1 headroom 5000. With ap-south down: capacity 30000, N-1 15000, N-1 headroom
// -5000: one more failure and the service is 5000 requests/s short.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "nines/policy/health.h"
#include "nines/policy/service_plan.h"

namespace nines::policy {

struct CapacityHeadroom {
  double expected_load = 0;  // requests/s
  double capacity = 0;       // what the regions in service carry (failover: the active one)
  double headroom = 0;       // capacity - expected_load; negative: short now
  // The region whose loss is tested: the largest in service (failover: the active one); "" when
  // none is in service.
  std::string lost_region;
  double lost_capacity = 0;  // its capacity
  double n1_capacity = 0;    // what is left without it (failover: the next region in service)
  double n1_headroom = 0;    // n1_capacity - expected_load; negative: the N-1 rule is broken
  std::vector<std::string> without_capacity;  // regions in service with no capacity (0)
  std::size_t regions_in_service = 0;
};

// The headroom of `plan` with the regions `health` says can take traffic (regionUsable()), or,
// with `health` null, the regions the zone file does not drain (every endpoint taken as up).
// nullopt when the service has no expected_load.
std::optional<CapacityHeadroom> capacityHeadroom(const ServicePlan& plan,
                                                 const ServiceHealth* health);

}  // namespace nines::policy
