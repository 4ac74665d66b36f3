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

std::string normalZone(std::string zone) {
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
  std::string zone = selector.zone.empty() ? "" : normalZone(selector.zone);
  const auto& services = table.services();
  for (std::size_t s = 0; s < services.size(); ++s) {
    const auto& plan = services[s];
    if (!matches(zone, normalZone(plan.zone)) || !matches(selector.service, plan.name)) continue;
    for (std::size_t r = 0; r < plan.regions.size(); ++r) {
      const auto& region = plan.regions[r];
      if (!matches(selector.region, region.name)) continue;
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
    PoolKey pool{normalZone(plan.zone), plan.name, region.name};
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
      EndpointKey key{normalZone(plan.zone), plan.name, region.name,
                      region.endpoints[i].toString()};
      if (state == policy::EndpointState::Unknown) {
        overrides_.erase(key);
      } else {
        overrides_[key] = state;
      }
    }
  });
  if (matched == 0 && error) *error = "no pool or endpoint matches";
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

std::shared_ptr<const HealthView> HealthState::build(const ZoneTable& table) {
  const double now = clock_();
  auto view = std::make_shared<HealthView>();
  view->built_at = now;
  view->services = table.initialHealth();
  const auto& plans = table.services();
  view->notes.resize(plans.size());
  // Each service's check, by (zone, service): the plans do not carry it.
  std::map<std::pair<std::string, std::string>, std::string> checks;
  for (const auto& zone : table.zones()) {
    for (const auto& service : zone->source.services) {
      checks[{zone->source.origin.toText(), service.name}] = service.check;
    }
  }
  std::vector<std::pair<std::string, std::string>> members;  // target, service region
  std::vector<std::pair<std::string, zones::GeoPoint>> locations;

  std::lock_guard lock(mutex_);
  std::map<EndpointKey, EndpointTrack> endpoint_track;
  std::map<PoolKey, RegionTrack> region_track;
  for (std::size_t s = 0; s < plans.size(); ++s) {
    const auto& plan = plans[s];
    const std::string zone = normalZone(plan.zone);
    const std::string& check = checks[{plan.zone, plan.name}];
    view->notes[s].resize(plan.regions.size());
    for (std::size_t r = 0; r < plan.regions.size(); ++r) {
      const auto& region = plan.regions[r];
      if (region.location) locations.emplace_back(region.name, *region.location);
      auto& health = view->services[s].regions[r];
      auto& note = view->notes[s][r];
      health.drained = drained_pools_.count({zone, plan.name, region.name}) > 0;
      note.endpoints.resize(health.endpoints.size());
      for (std::size_t e = 0; e < region.endpoints.size() && e < health.endpoints.size(); ++e) {
        EndpointKey key{zone, plan.name, region.name, region.endpoints[e].toString()};
        EndpointNote& endpoint = note.endpoints[e];
        policy::EndpointState state = policy::EndpointState::Unknown;
        if (check.empty()) {
          endpoint.reason = "no check configured";
        } else {
          endpoint.target = probers::targetId(plan.zone, check, region.endpoints[e]);
          if (verdicts_ == nullptr) {
            endpoint.reason = "not checked";
          } else if (!verdicts_->knows(endpoint.target)) {
            endpoint.reason = "not probed: outside [health] allow_nets";
          } else {
            Verdict verdict = verdicts_->verdict(endpoint.target, now);
            state = verdict.state;
            endpoint.reason = std::move(verdict.reason);
            endpoint.verdict = true;
            members.emplace_back(endpoint.target, region.name);
          }
        }
        if (auto it = overrides_.find(key); it != overrides_.end()) {
          state = it->second;
          endpoint.reason = "test override";
          endpoint.verdict = false;
        }
        if (drained_endpoints_.count(key)) {
          state = policy::EndpointState::Drained;
          endpoint.reason = "drained by the API";
          endpoint.verdict = false;
        }
        health.endpoints[e] = state;
        auto old = endpoint_track_.find(key);
        endpoint.since =
            old != endpoint_track_.end() && old->second.state == state ? old->second.since : now;
        endpoint_track[key] = {state, endpoint.since};
      }

      // Region up/down and slow start (the scenario in health_state.h).
      const PoolKey pool{zone, plan.name, region.name};
      const bool up = policy::regionUsable(region, &health);
      RegionTrack track{up, now, -1};
      if (auto old = region_track_.find(pool); old != region_track_.end()) {
        track = old->second;
        if (track.up != up) {
          track.up = up;
          track.since = now;
          track.ramp_start = up && plan.slow_start > 0 ? now : -1;
        }
      }
      if (track.ramp_start >= 0 && plan.slow_start > 0) {
        // Why 0.05: a region that has just come back takes a small share at once rather than
        // none, so its first real traffic arrives while it is still only a twentieth.
        const double ramp = std::clamp((now - track.ramp_start) / plan.slow_start, 0.05, 1.0);
        if (ramp >= 1.0) {
          track.ramp_start = -1;
        } else {
          health.ramp = ramp;
        }
      } else {
        track.ramp_start = -1;
      }
      note.up = up;
      note.since = track.since;
      region_track[pool] = track;
    }
  }
  // Pools and endpoints no longer served are forgotten.
  endpoint_track_ = std::move(endpoint_track);
  region_track_ = std::move(region_track);
  if (verdicts_ != nullptr) view->rtt = verdicts_->rttMatrix(members, locations, now);
  return view;
}

ViewChange compareViews(const HealthView& before, const HealthView& after) noexcept {
  if (before.services.size() != after.services.size()) return ViewChange::States;
  bool ramp = false;
  for (std::size_t s = 0; s < before.services.size(); ++s) {
    const auto& a = before.services[s].regions;
    const auto& b = after.services[s].regions;
    if (a.size() != b.size()) return ViewChange::States;
    for (std::size_t r = 0; r < a.size(); ++r) {
      if (a[r].drained != b[r].drained || a[r].endpoints != b[r].endpoints) {
        return ViewChange::States;
      }
      if (a[r].ramp != b[r].ramp) ramp = true;
    }
  }
  if (ramp) return ViewChange::Ramp;
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
