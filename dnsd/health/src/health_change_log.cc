#include "nines/dnsd/health/health_change_log.h"

#include <algorithm>
#include <unordered_set>

namespace nines::dnsd {

namespace {

const policy::RegionNote* noteOf(const policy::HealthView& view, std::size_t service,
                                 std::size_t region) {
  if (service >= view.notes.size() || region >= view.notes[service].size()) return nullptr;
  return &view.notes[service][region];
}

}  // namespace

std::vector<std::string> describeHealthChanges(const policy::ServiceSet& services,
                                               const policy::HealthView& before,
                                               const policy::HealthView& after) {
  std::vector<std::string> lines;
  std::size_t more = 0;
  auto add = [&](std::string line) {
    if (lines.size() < kMaxHealthChangeLines) {
      lines.push_back(std::move(line));
    } else {
      ++more;
    }
  };
  std::unordered_set<std::string> targets_told;
  const std::size_t count =
      std::min({services.plans.size(), before.services.size(), after.services.size()});
  for (std::size_t s = 0; s < count; ++s) {
    const policy::ServicePlan& plan = services.plans[s];
    const auto& old_regions = before.services[s].regions;
    const auto& new_regions = after.services[s].regions;
    for (std::size_t r = 0;
         r < plan.regions.size() && r < old_regions.size() && r < new_regions.size(); ++r) {
      const policy::RegionNote* old_note = noteOf(before, s, r);
      const policy::RegionNote* new_note = noteOf(after, s, r);
      if (old_note && new_note && old_note->up != new_note->up) {
        add("health: " + plan.owner.toText() + " region " + plan.regions[r].name +
            (new_note->up ? " back in answers (" : " out of answers (") + new_note->reason + ")");
      }
      const auto& old_states = old_regions[r].endpoints;
      const auto& new_states = new_regions[r].endpoints;
      for (std::size_t e = 0; e < old_states.size() && e < new_states.size(); ++e) {
        if (old_states[e] == new_states[e]) continue;
        const policy::EndpointNote* note =
            new_note && e < new_note->endpoints.size() ? &new_note->endpoints[e] : nullptr;
        std::string who = note && !note->target.empty()
                              ? note->target
                              : plan.owner.toText() + " " + plan.regions[r].name + " " +
                                    (e < plan.regions[r].endpoints.size()
                                         ? plan.regions[r].endpoints[e].toString()
                                         : std::to_string(e));
        if (!targets_told.insert(who).second) continue;
        add("health: " + who + " " + policy::endpointStateName(old_states[e]) + " -> " +
            policy::endpointStateName(new_states[e]) +
            (note && !note->reason.empty() ? " (" + note->reason + ")" : ""));
      }
    }
  }
  if (more > 0) {
    lines.push_back("health: " + std::to_string(more) + " more change(s) in this publication");
  }
  return lines;
}

}  // namespace nines::dnsd
