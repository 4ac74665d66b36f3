#include "capacity_check.h"

#include <cstdio>

#include "nines/base/diagnostic.h"
#include "nines/policy/capacity.h"
#include "nines/policy/service_plan.h"

namespace nines::ctl {

namespace {

std::string rate(double per_second) {
  char text[32];
  std::snprintf(text, sizeof text, "%.10g/s", per_second);
  return text;
}

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& name : names) out += (out.empty() ? "" : ", ") + name;
  return out;
}

}  // namespace

std::vector<std::string> capacityWarnings(const std::vector<zones::Zone>& zones) {
  std::vector<std::string> warnings;
  for (const zones::Zone& zone : zones) {
    for (const zones::Service& service : zone.services) {
      const policy::ServicePlan plan = policy::ServicePlan::compile(zone, service);
      const auto headroom = policy::capacityHeadroom(plan, nullptr);
      if (!headroom || headroom->n1_headroom >= 0) continue;
      std::string message = "warning: service " + plan.owner_text + " expects " +
                            rate(headroom->expected_load) + ", ";
      if (headroom->regions_in_service == 0) {
        message += "and the zone file leaves none of its regions in service";
      } else if (headroom->headroom < 0) {
        message += "but its regions in service carry " + rate(headroom->capacity) +
                   (plan.policy == zones::PolicyKind::Failover
                        ? " (failover: the active one, " + headroom->lost_region + ")"
                        : "") +
                   ": " + rate(-headroom->headroom) + " short before any region fails";
      } else {
        const bool failover = plan.policy == zones::PolicyKind::Failover;
        message += "but without " + headroom->lost_region + " (" +
                   (failover ? "the active region, " : "the largest, ") +
                   rate(headroom->lost_capacity) + ") " +
                   (failover ? "the next region carries " : "the others carry ") +
                   rate(headroom->n1_capacity) + ": " + rate(-headroom->n1_headroom) +
                   " short (the N-1 rule)";
      }
      std::vector<std::string> drained;
      for (const auto& region : plan.regions) {
        if (region.drain) drained.push_back(region.name);
      }
      if (!drained.empty()) message += "; drained by the zone file: " + joined(drained);
      if (!headroom->without_capacity.empty()) {
        message += "; no capacity (counted as 0): " + joined(headroom->without_capacity);
      }
      warnings.push_back(base::Diagnostic{service.where, message}.toString());
    }
  }
  return warnings;
}

}  // namespace nines::ctl
