#include "nines/dnsd/health_state.h"

#include <algorithm>

namespace nines::dnsd {

namespace {

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
    out.push_back("zone " + zone + " service " + service + " region " + region);
  }
  for (const auto& [zone, service, region, endpoint] : drained_endpoints_) {
    out.push_back("zone " + zone + " service " + service + " region " + region + " endpoint " +
                  endpoint);
  }
  return out;
}

std::shared_ptr<const HealthView> HealthState::build(const ZoneTable& table) const {
  auto view = std::make_shared<HealthView>();
  view->services = table.initialHealth();
  std::lock_guard lock(mutex_);
  const auto& plans = table.services();
  for (std::size_t s = 0; s < plans.size(); ++s) {
    std::string zone = normalZone(plans[s].zone);
    for (std::size_t r = 0; r < plans[s].regions.size(); ++r) {
      const auto& region = plans[s].regions[r];
      auto& health = view->services[s].regions[r];
      health.drained = drained_pools_.count({zone, plans[s].name, region.name}) > 0;
      for (std::size_t e = 0; e < region.endpoints.size() && e < health.endpoints.size(); ++e) {
        EndpointKey key{zone, plans[s].name, region.name, region.endpoints[e].toString()};
        if (auto it = overrides_.find(key); it != overrides_.end())
          health.endpoints[e] = it->second;
        if (drained_endpoints_.count(key)) health.endpoints[e] = policy::EndpointState::Drained;
      }
    }
  }
  return view;
}

}  // namespace nines::dnsd
