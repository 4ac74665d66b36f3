#include "nines/dnsd/health_state.h"

#include <algorithm>
#include <chrono>
#include <utility>

#include "nines/policy/select.h"
#include "nines/probers/check_target.h"

namespace nines::dnsd {

namespace {

double wallClock() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// "example.test." for "Example.Test" or "example.test.": how a zone a user names and an origin
// compare.
std::string canonicalOrigin(std::string zone) {
  std::transform(zone.begin(), zone.end(), zone.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (zone.empty() || zone.back() != '.') zone += '.';
  return zone;
}

bool matches(const std::string& wanted, const std::string& value) {
  return wanted.empty() || wanted == value;
}

// Calls fn(service slot, region slot, endpoint index or -1 for the whole pool) for each match.
template <typename Fn>
std::size_t forEachMatch(const ZoneTable& table, const HealthSelector& selector, Fn&& fn) {
  std::size_t matched = 0;
  std::optional<zones::IpAddress> endpoint;
  if (!selector.endpoint.empty()) {
    endpoint = zones::IpAddress::parse(selector.endpoint);
    if (!endpoint) return 0;
  }
  const auto& services = table.services();
  for (std::size_t s = 0; s < services.size(); ++s) {
    const auto& plan = services[s];
    if (!selector.takesService(plan.zone, plan.name)) continue;
    for (std::size_t r = 0; r < plan.regions.size(); ++r) {
      const auto& region = plan.regions[r];
      if (!selector.takesRegion(region.name)) continue;
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

std::size_t HealthState::setDrained(const ZoneTable& table, const HealthSelector& selector,
                                    bool drained, std::string* error) {
  if (drained && selector.region.empty() && selector.endpoint.empty()) {
    if (error) *error = "name a region or an endpoint to drain";
    return 0;
  }
  if (!validSelector(selector, error)) return 0;
  std::lock_guard lock(mutex_);
  std::size_t matched = forEachMatch(table, selector, [&](std::size_t s, std::size_t r, int e) {
    const auto& plan = table.services()[s];
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

std::size_t HealthState::setState(const ZoneTable& table, const HealthSelector& selector,
                                  policy::EndpointState state, std::string* error) {
  if (!validSelector(selector, error)) return 0;
  std::lock_guard lock(mutex_);
  std::size_t matched = forEachMatch(table, selector, [&](std::size_t s, std::size_t r, int e) {
    const auto& plan = table.services()[s];
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

std::vector<std::string> HealthState::drains() const {
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

bool HealthSelector::takesZone(const std::string& origin) const {
  return zone.empty() || canonicalOrigin(zone) == canonicalOrigin(origin);
}

bool HealthSelector::takesService(const std::string& origin, const std::string& name) const {
  return takesZone(origin) && matches(service, name);
}

bool HealthSelector::takesRegion(const std::string& name) const { return matches(region, name); }

std::string describe(const HealthSelector& selector) {
  std::string out;
  auto add = [&](const char* what, const std::string& value) {
    if (value.empty()) return;
    if (!out.empty()) out += ' ';
    out += what;
    out += ' ';
    out += value;
  };
  add("zone", selector.zone);
  add("service", selector.service);
  add("region", selector.region);
  add("endpoint", selector.endpoint);
  return out.empty() ? "everything" : out;
}

HealthState::HealthState(const HealthTable* verdicts, Clock clock)
    : verdicts_(verdicts), clock_(clock ? std::move(clock) : Clock(wallClock)) {}

void HealthState::ensureLayout(const ZoneTable& table) {
  if (layout_.zones_id != table.id()) {
    Layout next;
    next.zones_id = table.id();
    // Each service's check, by (zone, service): the plans do not carry it.
    std::map<std::pair<std::string, std::string>, std::string> checks;
    for (const auto& zone : table.zones()) {
      for (const auto& service : zone->source.services) {
        checks[{zone->source.origin.toText(), service.name}] = service.check;
      }
    }
    for (const auto& plan : table.services()) {
      const std::string zone = canonicalOrigin(plan.zone);
      const std::string& check = checks[{plan.zone, plan.name}];
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
    if (verdicts_ != nullptr)
      next.index = verdicts_->indicesOf(next.targets, &next.targets_version);
    // The tracks of what is still served carry over; the rest is forgotten.
    std::map<EndpointKey, EndpointTrack> endpoints;
    for (std::size_t i = 0; i < layout_.keys.size(); ++i) {
      endpoints.emplace(std::move(layout_.keys[i]), layout_.endpoint_track[i]);
    }
    std::map<PoolKey, RegionTrack> pools;
    for (std::size_t p = 0; p < layout_.pools.size(); ++p) {
      pools.emplace(std::move(layout_.pools[p]), layout_.region_track[p]);
    }
    next.endpoint_track.resize(next.keys.size());
    for (std::size_t i = 0; i < next.keys.size(); ++i) {
      if (auto it = endpoints.find(next.keys[i]); it != endpoints.end()) {
        next.endpoint_track[i] = it->second;
      }
    }
    next.region_track.resize(next.pools.size());
    for (std::size_t p = 0; p < next.pools.size(); ++p) {
      if (auto it = pools.find(next.pools[p]); it != pools.end()) next.region_track[p] = it->second;
    }
    layout_ = std::move(next);
  }
  if (layout_.rules_version != rules_version_) {
    layout_.forced.assign(layout_.keys.size(), policy::EndpointState::Unknown);
    for (std::size_t i = 0; i < layout_.keys.size(); ++i) {
      if (drained_endpoints_.count(layout_.keys[i])) {
        layout_.forced[i] = policy::EndpointState::Drained;
      } else if (auto it = overrides_.find(layout_.keys[i]); it != overrides_.end()) {
        layout_.forced[i] = it->second;
      }
    }
    layout_.pool_drained.assign(layout_.pools.size(), false);
    for (std::size_t p = 0; p < layout_.pools.size(); ++p) {
      layout_.pool_drained[p] = drained_pools_.count(layout_.pools[p]) > 0;
    }
    layout_.rules_version = rules_version_;
  }
}

HealthState::RegionTrack HealthState::advance(RegionTrack track, bool up, double slow_start,
                                              double now, double& ramp) noexcept {
  ramp = 1.0;
  if (track.since < 0) {
    // First seen (start-up, a new zone or pool): full share at once.
    return {up, now, -1};
  }
  if (track.up != up) {
    track.up = up;
    track.since = now;
    track.ramp_start = up && slow_start > 0 ? now : -1;
  }
  if (track.ramp_start >= 0 && slow_start > 0) {
    // Why 0.05: a region that has just come back takes a small share at once rather than
    // none, so its first real traffic arrives while it is still only a twentieth.
    ramp = std::clamp((now - track.ramp_start) / slow_start, 0.05, 1.0);
    if (ramp >= 1.0) track.ramp_start = -1;
  } else {
    track.ramp_start = -1;
  }
  return track;
}

void HealthState::evaluate(const ZoneTable& table, double now,
                           std::vector<policy::ServiceHealth>& services,
                           std::vector<bool>& pool_up) {
  ensureLayout(table);
  if (verdicts_ != nullptr) {
    // Renumbered between ensureLayout and now (a reload racing this tick): look the targets up
    // again. A few tries are plenty; reloads are seconds apart.
    for (int attempt = 0; attempt < 4; ++attempt) {
      if (verdicts_->states(now, layout_.targets_version, verdict_states_)) break;
      layout_.index = verdicts_->indicesOf(layout_.targets, &layout_.targets_version);
      verdict_states_.clear();
    }
  }
  services = table.initialHealth();
  pool_up.assign(layout_.pools.size(), false);
  const auto& plans = table.services();
  std::size_t p = 0;
  for (std::size_t s = 0; s < plans.size(); ++s) {
    for (std::size_t r = 0; r < plans[s].regions.size(); ++r, ++p) {
      auto& health = services[s].regions[r];
      health.drained = layout_.pool_drained[p];
      const std::size_t first = layout_.first[p];
      const std::size_t count = std::min(layout_.first[p + 1] - first, health.endpoints.size());
      for (std::size_t e = 0; e < count; ++e) {
        const std::size_t slot = first + e;
        policy::EndpointState state = layout_.forced[slot];
        if (state == policy::EndpointState::Unknown) {
          const std::int32_t index = layout_.index[slot];
          if (index >= 0 && static_cast<std::size_t>(index) < verdict_states_.size()) {
            state = verdict_states_[static_cast<std::size_t>(index)];
          }
        }
        health.endpoints[e] = state;
      }
      const bool up = policy::regionUsable(plans[s].regions[r], &health);
      double ramp = 1.0;
      advance(layout_.region_track[p], up, plans[s].slow_start, now, ramp);
      if (ramp < 1.0) health.ramp = ramp;
      pool_up[p] = up;
    }
  }
}

ViewChange HealthState::peek(const ZoneTable& table, const HealthView& published) {
  const double now = clock_();
  std::lock_guard lock(mutex_);
  std::vector<policy::ServiceHealth> services;
  std::vector<bool> pool_up;
  evaluate(table, now, services, pool_up);
  return compareServices(published.services, services);
}

std::shared_ptr<const HealthView> HealthState::build(const ZoneTable& table) {
  const double now = clock_();
  auto view = std::make_shared<HealthView>();
  view->built_at = now;
  std::vector<std::pair<std::string, std::string>> members;  // target, service region
  std::vector<std::pair<std::string, zones::GeoPoint>> locations;

  std::lock_guard lock(mutex_);
  std::vector<bool> pool_up;
  evaluate(table, now, view->services, pool_up);
  const auto& plans = table.services();
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
      note.endpoints.resize(health.endpoints.size());
      const std::size_t first = layout_.first[p];
      const std::size_t count = std::min(layout_.first[p + 1] - first, health.endpoints.size());
      for (std::size_t e = 0; e < count; ++e) {
        const std::size_t slot = first + e;
        EndpointNote& endpoint = note.endpoints[e];
        endpoint.target = layout_.targets[slot];
        const policy::EndpointState forced = layout_.forced[slot];
        if (forced == policy::EndpointState::Drained) {
          endpoint.reason = "drained by the API";
        } else if (forced != policy::EndpointState::Unknown) {
          endpoint.reason = "test override";
        } else if (endpoint.target.empty()) {
          endpoint.reason = "no check configured";
        } else if (verdicts_ == nullptr) {
          endpoint.reason = "not checked";
        } else if (layout_.index[slot] < 0) {
          endpoint.reason = "not probed: outside [health] allow_nets";
        } else {
          endpoint.reason = verdicts_->verdict(endpoint.target, now).reason;
          endpoint.verdict = true;
        }
        if (!endpoint.target.empty() && layout_.index[slot] >= 0) {
          members.emplace_back(endpoint.target, region.name);
        }
        EndpointTrack& track = layout_.endpoint_track[slot];
        if (track.since < 0 || track.state != health.endpoints[e]) {
          track = {health.endpoints[e], now};
        }
        endpoint.since = track.since;
      }
      // Region up/down and slow start (the scenario in health_state.h).
      double ramp = 1.0;
      layout_.region_track[p] =
          advance(layout_.region_track[p], pool_up[p], plan.slow_start, now, ramp);
      note.up = pool_up[p];
      note.since = layout_.region_track[p].since;
    }
  }
  if (verdicts_ != nullptr) view->rtt = verdicts_->rttMatrix(members, locations, now);
  return view;
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
  }
  return ramp ? ViewChange::Ramp : ViewChange::None;
}

ViewChange compareViews(const HealthView& before, const HealthView& after) noexcept {
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
