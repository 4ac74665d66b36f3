#include "nines/policy/capacity.h"

#include "nines/policy/select.h"
#include "select_internal.h"

namespace nines::policy {

std::optional<CapacityHeadroom> capacityHeadroom(const ServicePlan& plan,
                                                 const ServiceHealth* health) {
  if (!plan.expected_load) return std::nullopt;
  CapacityHeadroom out;
  out.expected_load = *plan.expected_load;
  // The regions in service, failover's in the order select() fails over in.
  std::vector<std::size_t> slots;
  if (plan.policy == zones::PolicyKind::Failover) {
    detail::RegionOrder order;
    detail::orderFailover(plan, Client{}, order);
    slots.assign(order.slots.begin(), order.slots.begin() + order.count);
  } else {
    for (std::size_t slot = 0; slot < detail::regionCount(plan); ++slot) slots.push_back(slot);
  }
  std::vector<std::size_t> in_service;
  for (std::size_t slot : slots) {
    const RegionPlan& region = plan.regions[slot];
    const bool usable =
        health != nullptr
            ? regionUsable(region, slot < health->regions.size() ? &health->regions[slot] : nullptr)
            : !region.drain;
    if (!usable) continue;
    in_service.push_back(slot);
    if (!region.capacity) out.without_capacity.push_back(region.name);
  }
  out.regions_in_service = in_service.size();
  auto capacityOf = [&](std::size_t slot) {
    return static_cast<double>(plan.regions[slot].capacity.value_or(0));
  };
  if (plan.policy == zones::PolicyKind::Failover) {
    if (!in_service.empty()) {
      out.capacity = capacityOf(in_service[0]);
      out.lost_region = plan.regions[in_service[0]].name;
      out.lost_capacity = out.capacity;
      out.n1_capacity = in_service.size() > 1 ? capacityOf(in_service[1]) : 0;
    }
  } else {
    double largest = -1;
    for (std::size_t slot : in_service) {
      out.capacity += capacityOf(slot);
      if (capacityOf(slot) > largest) {
        largest = capacityOf(slot);
        out.lost_region = plan.regions[slot].name;
      }
    }
    out.lost_capacity = in_service.empty() ? 0 : largest;
    out.n1_capacity = out.capacity - out.lost_capacity;
  }
  out.headroom = out.capacity - out.expected_load;
  out.n1_headroom = out.n1_capacity - out.expected_load;
  return out;
}

}  // namespace nines::policy
