#include "nines/dnsd/health/state_change_log.h"

#include <algorithm>
#include <map>
#include <string_view>
#include <utility>

namespace nines::dnsd {

const char* changeKindName(ChangeKind kind) noexcept {
  switch (kind) {
    case ChangeKind::Region:
      return "region";
    case ChangeKind::Endpoint:
      return "endpoint";
    case ChangeKind::Drain:
      return "drain";
    case ChangeKind::Undrain:
      return "undrain";
    case ChangeKind::Reload:
      return "reload";
  }
  return "region";
}

const char* regionStateName(const policy::RegionNote& note) noexcept {
  if (note.drained_by != policy::DrainedBy::None) return "drained";
  return note.up ? "up" : "down";
}

StateChangeLog::StateChangeLog(std::size_t capacity)
    : capacity_(std::max<std::size_t>(capacity, 1)) {}

void StateChangeLog::append(StateChange change) {
  change.seq = next_seq_++;
  auto& changes = change.kind == ChangeKind::Endpoint ? endpoint_changes_ : other_changes_;
  changes.push_back(std::move(change));
  if (changes.size() > capacity_) changes.pop_front();
}

void StateChangeLog::record(StateChange change) {
  std::lock_guard lock(mutex_);
  append(std::move(change));
}

void StateChangeLog::record(std::vector<StateChange> changes) {
  std::lock_guard lock(mutex_);
  for (auto& change : changes) append(std::move(change));
}

std::vector<StateChange> StateChangeLog::recent(std::size_t limit) const {
  std::lock_guard lock(mutex_);
  std::vector<StateChange> out;
  out.reserve(std::min(limit, endpoint_changes_.size() + other_changes_.size()));
  auto endpoint = endpoint_changes_.rbegin();
  auto other = other_changes_.rbegin();
  while (out.size() < limit &&
         (endpoint != endpoint_changes_.rend() || other != other_changes_.rend())) {
    const bool take_endpoint = other == other_changes_.rend() ||
                               (endpoint != endpoint_changes_.rend() && endpoint->seq > other->seq);
    out.push_back(take_endpoint ? *endpoint++ : *other++);
  }
  return out;
}

namespace {

constexpr std::size_t kNone = static_cast<std::size_t>(-1);

std::string ownerOf(const policy::ServicePlan& plan) { return plan.owner_text; }

}  // namespace

std::vector<StateChange> viewChanges(const policy::ServiceSet& before_services,
                                     const policy::HealthView& before,
                                     const policy::ServiceSet& after_services,
                                     const policy::HealthView& after, double time) {
  std::vector<StateChange> out;
  const bool same = before_services.id == after_services.id;
  // Another set (a reload): services are matched by zone and name, only then.
  std::map<std::pair<std::string, std::string>, std::size_t> before_slots;
  if (!same) {
    for (std::size_t s = 0; s < before_services.plans.size(); ++s) {
      const auto& plan = before_services.plans[s];
      before_slots.emplace(std::make_pair(plan.zone, plan.name), s);
    }
  }
  for (std::size_t s = 0; s < after_services.plans.size() && s < after.notes.size(); ++s) {
    const auto& plan = after_services.plans[s];
    std::size_t old_s = same ? s : kNone;
    if (!same) {
      if (auto it = before_slots.find({plan.zone, plan.name}); it != before_slots.end()) {
        old_s = it->second;
      }
    }
    if (old_s == kNone || old_s >= before.notes.size()) continue;
    const auto& old_plan = before_services.plans[old_s];
    for (std::size_t r = 0; r < plan.regions.size() && r < after.notes[s].size(); ++r) {
      const auto& region = plan.regions[r];
      std::size_t old_r = kNone;
      if (same) {
        old_r = r;
      } else {
        for (std::size_t i = 0; i < old_plan.regions.size(); ++i) {
          if (old_plan.regions[i].name == region.name) old_r = i;
        }
      }
      if (old_r == kNone || old_r >= before.notes[old_s].size()) continue;
      const policy::RegionNote& now_note = after.notes[s][r];
      const policy::RegionNote& old_note = before.notes[old_s][old_r];
      auto change = [&](ChangeKind kind, std::string endpoint, const char* from, const char* to,
                        const std::string& reason, const std::string& target) {
        out.push_back({0, time, kind, plan.zone, ownerOf(plan), region.name, std::move(endpoint),
                       from, to, reason, target});
      };
      const char* from = regionStateName(old_note);
      const char* to = regionStateName(now_note);
      if (std::string_view(from) != to)
        change(ChangeKind::Region, "", from, to, now_note.reason, "");
      const auto& old_region = old_plan.regions[old_r];
      const auto& old_states = before.services[old_s].regions[old_r].endpoints;
      const auto& states = after.services[s].regions[r].endpoints;
      for (std::size_t e = 0; e < region.endpoints.size() && e < states.size(); ++e) {
        std::size_t old_e = kNone;
        if (same) {
          old_e = e;
        } else {
          for (std::size_t i = 0; i < old_region.endpoints.size(); ++i) {
            if (old_region.endpoints[i] == region.endpoints[e]) old_e = i;
          }
        }
        if (old_e == kNone || old_e >= old_states.size() || old_states[old_e] == states[e]) {
          continue;
        }
        const policy::EndpointNote* note =
            e < now_note.endpoints.size() ? &now_note.endpoints[e] : nullptr;
        change(ChangeKind::Endpoint, region.endpoints[e].toString(),
               policy::endpointStateName(old_states[old_e]), policy::endpointStateName(states[e]),
               note ? note->reason : std::string(), note ? note->target : std::string());
      }
    }
  }
  return out;
}

}  // namespace nines::dnsd
