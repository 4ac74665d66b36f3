#include "nines/dnsd/health/health_view_builder.h"

#include <algorithm>
#include <chrono>
#include <functional>
#include <map>
#include <utility>

#include "nines/base/hash.h"
#include "nines/policy/select.h"
#include "nines/probers/check_target.h"

namespace nines::dnsd {

namespace {

double wallClock() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// Calls fn(service slot, region slot, endpoint index or -1 for the whole pool) for each match.
template <typename Fn>
std::size_t forEachMatch(const policy::ServiceSet& services, const HealthSelector& selector,
                         Fn&& fn) {
  std::size_t matched = 0;
  std::optional<zones::IpAddress> endpoint;
  if (!selector.endpoint.empty()) {
    endpoint = zones::IpAddress::parse(selector.endpoint);
    if (!endpoint) return 0;
  }
  for (std::size_t s = 0; s < services.plans.size(); ++s) {
    const auto& plan = services.plans[s];
    if (!selector.matchesService(plan.zone, plan.name)) continue;
    for (std::size_t r = 0; r < plan.regions.size(); ++r) {
      const auto& region = plan.regions[r];
      if (!selector.matchesRegion(region.name)) continue;
      if (!endpoint) {
        fn(s, r, -1);
        ++matched;
        continue;
      }
      for (std::size_t e = 0; e < region.endpoints.size(); ++e) {
        if (region.endpoints[e] == *endpoint) {
          fn(s, r, static_cast<int>(e));
          ++matched;
        }
      }
    }
  }
  return matched;
}

bool validSelector(const HealthSelector& selector, std::string* error) {
  if (!selector.endpoint.empty() && !zones::IpAddress::parse(selector.endpoint)) {
    if (error) *error = "endpoint \"" + selector.endpoint + "\" is not an IP address";
    return false;
  }
  return true;
}

}  // namespace

std::size_t HealthViewBuilder::setDrained(const policy::ServiceSet& services,
                                          const HealthSelector& selector, bool drained,
                                          std::string* error) {
  if (drained && selector.region.empty() && selector.endpoint.empty()) {
    if (error) *error = "name a region or an endpoint to drain";
    return 0;
  }
  if (!validSelector(selector, error)) return 0;
  std::lock_guard lock(mutex_);
  std::size_t matched = forEachMatch(services, selector, [&](std::size_t s, std::size_t r, int e) {
    const auto& plan = services.plans[s];
    const auto& region = plan.regions[r];
    PoolKey pool{canonicalOrigin(plan.zone), plan.name, region.name};
    if (e < 0) {
      if (drained) {
        drained_pools_.insert(pool);
        return;
      }
      drained_pools_.erase(pool);
      // Undraining a pool also brings back the endpoints drained one by one inside it.
      for (const auto& address : region.endpoints) {
        drained_endpoints_.erase(
            {std::get<0>(pool), std::get<1>(pool), std::get<2>(pool), address.toString()});
      }
      return;
    }
    EndpointKey key{std::get<0>(pool), std::get<1>(pool), std::get<2>(pool),
                    region.endpoints[static_cast<std::size_t>(e)].toString()};
    if (drained) {
      drained_endpoints_.insert(key);
    } else {
      drained_endpoints_.erase(key);
    }
  });
  if (matched == 0 && error) *error = "no pool or endpoint matches";
  if (matched > 0) ++rules_version_;
  return matched;
}

std::size_t HealthViewBuilder::setState(const policy::ServiceSet& services,
                                        const HealthSelector& selector, policy::EndpointState state,
                                        std::string* error) {
  if (!validSelector(selector, error)) return 0;
  std::lock_guard lock(mutex_);
  std::size_t matched = forEachMatch(services, selector, [&](std::size_t s, std::size_t r, int e) {
    const auto& plan = services.plans[s];
    const auto& region = plan.regions[r];
    for (std::size_t i = 0; i < region.endpoints.size(); ++i) {
      if (e >= 0 && static_cast<std::size_t>(e) != i) continue;
      EndpointKey key{canonicalOrigin(plan.zone), plan.name, region.name,
                      region.endpoints[i].toString()};
      if (state == policy::EndpointState::Unknown) {
        overrides_.erase(key);
      } else {
        overrides_[key] = state;
      }
    }
  });
  if (matched == 0 && error) *error = "no pool or endpoint matches";
  if (matched > 0) ++rules_version_;
  return matched;
}

std::vector<std::string> HealthViewBuilder::drains() const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> out;
  for (const auto& [zone, service, region] : drained_pools_) {
    out.push_back(describe({zone, service, region, ""}));
  }
  for (const auto& [zone, service, region, endpoint] : drained_endpoints_) {
    out.push_back(describe({zone, service, region, endpoint}));
  }
  return out;
}

HealthViewBuilder::HealthViewBuilder(const VoteTable* votes, Clock clock)
    : votes_(votes), clock_(clock ? std::move(clock) : Clock(wallClock)) {}

namespace {

// The tracks of `new_keys` taken from the old layout by key (default for a key not in it). A
// reload mostly keeps the services in the same order, so slots are matched in place while the
// keys agree, and an index of the old keys is built only at the first difference.
template <typename Key, typename Track>
std::vector<Track> carriedOver(const std::vector<Key>& old_keys,
                               const std::vector<Track>& old_tracks,
                               const std::vector<Key>& new_keys) {
  std::vector<Track> tracks(new_keys.size());
  std::map<std::reference_wrapper<const Key>, std::size_t, std::less<Key>> old_slot;
  bool indexed = false;
  for (std::size_t i = 0; i < new_keys.size(); ++i) {
    if (i < old_keys.size() && old_keys[i] == new_keys[i]) {
      tracks[i] = old_tracks[i];
      continue;
    }
    if (!indexed) {
      for (std::size_t j = 0; j < old_keys.size(); ++j) old_slot.emplace(std::cref(old_keys[j]), j);
      indexed = true;
    }
    if (auto it = old_slot.find(std::cref(new_keys[i])); it != old_slot.end()) {
      tracks[i] = old_tracks[it->second];
    }
  }
  return tracks;
}

}  // namespace

void HealthViewBuilder::layOutSlots(const policy::ServiceSet& services) {
  if (slots_.services_id != services.id) {
    EndpointSlots next;
    next.services_id = services.id;
    // Sized exactly: with thousands of services, doubling growth would leave a third of these
    // (a few hundred KB) allocated and unused for as long as the services are served.
    std::size_t pool_count = 0;
    std::size_t slot_count = 0;
    for (const auto& plan : services.plans) {
      pool_count += plan.regions.size();
      for (const auto& region : plan.regions) slot_count += region.endpoints.size();
    }
    next.pools.reserve(pool_count);
    next.first.reserve(pool_count + 1);
    next.keys.reserve(slot_count);
    next.targets.reserve(slot_count);
    for (const auto& plan : services.plans) {
      const std::string zone = canonicalOrigin(plan.zone);
      const std::string& check = plan.check;
      for (const auto& region : plan.regions) {
        next.pools.emplace_back(zone, plan.name, region.name);
        next.first.push_back(next.keys.size());
        for (const auto& address : region.endpoints) {
          next.keys.emplace_back(zone, plan.name, region.name, address.toString());
          next.targets.push_back(check.empty() ? std::string()
                                               : probers::targetId(plan.zone, check, address));
        }
      }
    }
    next.first.push_back(next.keys.size());
    next.index.assign(next.keys.size(), -1);
    if (votes_ != nullptr) next.index = votes_->indicesOf(next.targets, &next.targets_version);
    // The tracks of what is still served carry over; the rest is forgotten.
    next.endpoint_track = carriedOver(slots_.keys, slots_.endpoint_track, next.keys);
    next.region_track = carriedOver(slots_.pools, slots_.region_track, next.pools);
    slots_ = std::move(next);
  }
  if (slots_.rules_version != rules_version_) {
    slots_.forced.assign(slots_.keys.size(), policy::EndpointState::Unknown);
    for (std::size_t i = 0; i < slots_.keys.size(); ++i) {
      if (drained_endpoints_.count(slots_.keys[i])) {
        slots_.forced[i] = policy::EndpointState::Drained;
      } else if (auto it = overrides_.find(slots_.keys[i]); it != overrides_.end()) {
        slots_.forced[i] = it->second;
      }
    }
    slots_.pool_drained.assign(slots_.pools.size(), false);
    for (std::size_t p = 0; p < slots_.pools.size(); ++p) {
      slots_.pool_drained[p] = drained_pools_.count(slots_.pools[p]) > 0;
    }
    slots_.rules_version = rules_version_;
  }
}

HealthViewBuilder::RegionTrack HealthViewBuilder::advance(RegionTrack track,
                                                          const RegionNow& region,
                                                          double slow_start, double now,
                                                          double& ramp) noexcept {
  ramp = 1.0;
  if (track.since < 0) {
    // First seen (start-up, a new zone or pool): full share at once, and steady.
    RegionTrack first;
    first.up = region.up;
    first.since = now;
    first.drained = region.drained;
    first.usable_endpoints = region.usable_endpoints;
    return first;
  }
  // The most telling change names the unrest: a drain also takes the region down, and a verdict
  // change also changes its usable endpoints.
  policy::Unrest change = policy::Unrest::None;
  if (track.drained != region.drained) {
    change = region.drained ? policy::Unrest::Drained : policy::Unrest::Undrained;
  } else if (track.up != region.up) {
    change = region.up ? policy::Unrest::CameBack : policy::Unrest::WentDown;
  } else if (track.usable_endpoints != region.usable_endpoints) {
    change = policy::Unrest::Endpoints;
  }
  if (change != policy::Unrest::None) track.unrest = {change, now, 0};
  track.drained = region.drained;
  track.usable_endpoints = region.usable_endpoints;
  if (track.up != region.up) {
    track.up = region.up;
    track.since = now;
    track.ramp_start = region.up && slow_start > 0 ? now : -1;
  }
  if (track.ramp_start >= 0 && slow_start > 0) {
    // Why 0.05: a region that has just come back takes a small share at once rather than
    // none, so its first real traffic arrives while it is still only a twentieth.
    ramp = std::clamp((now - track.ramp_start) / slow_start, 0.05, 1.0);
    if (ramp >= 1.0) track.ramp_start = -1;
  } else {
    track.ramp_start = -1;
  }
  track.unrest.ramp_end = track.ramp_start >= 0 ? track.ramp_start + slow_start : 0;
  return track;
}

namespace {

// Which endpoints of a region are usable (Up or Unknown), as one number: a change in it is a
// change in the set (a collision would only miss one reason to shorten a TTL).
std::uint64_t usableFingerprint(const std::vector<policy::EndpointState>& endpoints) noexcept {
  std::uint64_t fingerprint = base::kFnvOffset;
  for (std::size_t e = 0; e < endpoints.size(); ++e) {
    const bool usable =
        endpoints[e] == policy::EndpointState::Up || endpoints[e] == policy::EndpointState::Unknown;
    const std::uint64_t mark = usable ? e + 1 : 0;
    fingerprint = base::fnv1a(fingerprint, &mark, sizeof mark);
  }
  return fingerprint;
}

}  // namespace

HealthViewBuilder::RegionNow HealthViewBuilder::regionNow(
    const policy::RegionPlan& plan, const policy::RegionHealth& health) noexcept {
  return {policy::regionUsable(plan, &health), plan.drain || health.drained,
          usableFingerprint(health.endpoints)};
}

void HealthViewBuilder::evaluate(const policy::ServiceSet& services, double now,
                                 std::vector<policy::ServiceHealth>& health,
                                 std::vector<bool>& pool_up) {
  layOutSlots(services);
  if (votes_ != nullptr) {
    // Renumbered between layOutSlots and now (a reload racing this tick): look the targets up
    // again. A few tries are plenty; reloads are seconds apart.
    for (int attempt = 0; attempt < 4; ++attempt) {
      if (votes_->states(now, slots_.targets_version, verdict_states_)) break;
      slots_.index = votes_->indicesOf(slots_.targets, &slots_.targets_version);
      verdict_states_.clear();
    }
  }
  health = services.initial_health;
  pool_up.assign(slots_.pools.size(), false);
  const auto& plans = services.plans;
  std::size_t p = 0;
  for (std::size_t s = 0; s < plans.size(); ++s) {
    for (std::size_t r = 0; r < plans[s].regions.size(); ++r, ++p) {
      auto& region = health[s].regions[r];
      region.drained = slots_.pool_drained[p];
      const std::size_t first = slots_.first[p];
      const std::size_t count = std::min(slots_.first[p + 1] - first, region.endpoints.size());
      for (std::size_t e = 0; e < count; ++e) {
        const std::size_t slot = first + e;
        policy::EndpointState state = slots_.forced[slot];
        if (state == policy::EndpointState::Unknown) {
          const std::int32_t index = slots_.index[slot];
          if (index >= 0 && static_cast<std::size_t>(index) < verdict_states_.size()) {
            state = verdict_states_[static_cast<std::size_t>(index)];
          }
        }
        region.endpoints[e] = state;
      }
      const RegionNow region_now = regionNow(plans[s].regions[r], region);
      double ramp = 1.0;
      const RegionTrack track =
          advance(slots_.region_track[p], region_now, plans[s].slow_start, now, ramp);
      if (ramp < 1.0) region.ramp = ramp;
      pool_up[p] = region_now.up;
      if (plans[s].ttl_unstable) unrest_.push_back(track.unrest);
    }
    if (plans[s].ttl_unstable) {
      health[s].stability = policy::judgeStability(plans[s], unrest_.data(), unrest_.size(), now);
      unrest_.clear();
    }
  }
}

ViewChange HealthViewBuilder::changesSince(const policy::ServiceSet& services,
                                           const policy::HealthView& published) {
  const double now = clock_();
  std::lock_guard lock(mutex_);
  std::vector<policy::ServiceHealth> health;
  std::vector<bool> pool_up;
  evaluate(services, now, health, pool_up);
  return compareServices(published.services, health);
}

policy::EndpointNote HealthViewBuilder::noteEndpoint(std::size_t slot, policy::EndpointState state,
                                                     double now) {
  policy::EndpointNote note;
  note.target = slots_.targets[slot];
  const policy::EndpointState forced = slots_.forced[slot];
  if (forced == policy::EndpointState::Drained) {
    note.reason = "drained by the API";
    note.drained_by = policy::DrainedBy::Api;
  } else if (forced != policy::EndpointState::Unknown) {
    note.reason = "test override";
  } else if (note.target.empty()) {
    note.reason = "no check configured";
  } else if (votes_ == nullptr) {
    note.reason = "not checked";
  } else if (slots_.index[slot] < 0) {
    note.reason = "not probed: outside [health] allow_nets";
  } else {
    note.reason = votes_->verdict(note.target, now).reason;
    note.verdict = true;
  }
  EndpointTrack& track = slots_.endpoint_track[slot];
  if (track.since < 0 || track.state != state) track = {state, now};
  note.since = track.since;
  return note;
}

std::shared_ptr<const policy::HealthView> HealthViewBuilder::build(
    const policy::ServiceSet& services) {
  const double now = clock_();
  auto view = std::make_shared<policy::HealthView>();
  view->built_at = now;
  std::vector<std::pair<std::string, std::string>> members;  // target, service region
  std::vector<std::pair<std::string, zones::GeoPoint>> locations;

  std::lock_guard lock(mutex_);
  std::vector<bool> pool_up;
  evaluate(services, now, view->services, pool_up);
  const auto& plans = services.plans;
  view->notes.resize(plans.size());
  std::size_t p = 0;
  for (std::size_t s = 0; s < plans.size(); ++s) {
    const auto& plan = plans[s];
    view->notes[s].resize(plan.regions.size());
    for (std::size_t r = 0; r < plan.regions.size(); ++r, ++p) {
      const auto& region = plan.regions[r];
      if (region.location) locations.emplace_back(region.name, *region.location);
      const auto& health = view->services[s].regions[r];
      auto& note = view->notes[s][r];
      note.endpoints.reserve(health.endpoints.size());
      const std::size_t first = slots_.first[p];
      const std::size_t count = std::min(slots_.first[p + 1] - first, health.endpoints.size());
      for (std::size_t e = 0; e < count; ++e) {
        const std::size_t slot = first + e;
        note.endpoints.push_back(noteEndpoint(slot, health.endpoints[e], now));
        if (!slots_.targets[slot].empty() && slots_.index[slot] >= 0) {
          members.emplace_back(slots_.targets[slot], region.name);
        }
      }
      note.endpoints.resize(health.endpoints.size());
      // Region up/down and slow start (the scenario in health_view_builder.h).
      double ramp = 1.0;
      slots_.region_track[p] =
          advance(slots_.region_track[p], regionNow(region, health), plan.slow_start, now, ramp);
      judgeRegion(region, health, note);
      note.since = slots_.region_track[p].since;
    }
  }
  if (votes_ != nullptr) view->rtt = votes_->rttMatrix(members, locations, now);
  return view;
}

void judgeRegion(const policy::RegionPlan& region, const policy::RegionHealth& health,
                 policy::RegionNote& note) {
  note.up = policy::regionUsable(region, &health, &note.usable_endpoints);
  note.drained_by = region.drain     ? policy::DrainedBy::ZoneFile
                    : health.drained ? policy::DrainedBy::Api
                                     : policy::DrainedBy::None;
  switch (note.drained_by) {
    case policy::DrainedBy::ZoneFile:
      note.reason = "drained in the zone file";
      return;
    case policy::DrainedBy::Api:
      note.reason = "drained by the API";
      return;
    case policy::DrainedBy::None:
      break;
  }
  note.reason = std::to_string(note.usable_endpoints) + "/" +
                std::to_string(region.endpoints.size()) + " endpoints up or unknown, min_up " +
                std::to_string(region.min_up);
  if (note.up && health.ramp < 1) {
    note.reason +=
        "; slow start at " + std::to_string(static_cast<int>(health.ramp * 100)) + "% of its share";
  }
}

ViewChange compareServices(const std::vector<policy::ServiceHealth>& before,
                           const std::vector<policy::ServiceHealth>& after) noexcept {
  if (before.size() != after.size()) return ViewChange::States;
  bool ramp = false;
  for (std::size_t s = 0; s < before.size(); ++s) {
    const auto& a = before[s].regions;
    const auto& b = after[s].regions;
    if (a.size() != b.size()) return ViewChange::States;
    for (std::size_t r = 0; r < a.size(); ++r) {
      if (a[r].drained != b[r].drained || a[r].endpoints != b[r].endpoints) {
        return ViewChange::States;
      }
      if (a[r].ramp != b[r].ramp) ramp = true;
    }
    // A service turning steady (or unstable) changes the TTL of its answers.
    if (before[s].stability.unstable != after[s].stability.unstable ||
        before[s].stability.calm_at != after[s].stability.calm_at) {
      return ViewChange::States;
    }
  }
  return ramp ? ViewChange::Ramp : ViewChange::None;
}

ViewChange compareViews(const policy::HealthView& before,
                        const policy::HealthView& after) noexcept {
  if (ViewChange change = compareServices(before.services, after.services);
      change != ViewChange::None) {
    return change;
  }
  const auto& x = before.rtt;
  const auto& y = after.rtt;
  bool same_rtt =
      x.regions == y.regions && x.rtt_ms == y.rtt_ms && x.vantages.size() == y.vantages.size();
  for (std::size_t v = 0; same_rtt && v < x.vantages.size(); ++v) {
    same_rtt = x.vantages[v].region == y.vantages[v].region &&
               x.vantages[v].location.latitude == y.vantages[v].location.latitude &&
               x.vantages[v].location.longitude == y.vantages[v].location.longitude;
  }
  return same_rtt ? ViewChange::None : ViewChange::Rtt;
}

}  // namespace nines::dnsd
