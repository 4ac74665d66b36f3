#include "nines/dnsd/health_state.h"

#include <algorithm>

namespace nines::dnsd {

namespace {

bool sameZone(const std::string& wanted, const std::string& origin) {
  if (wanted.empty()) return true;
  std::string a = wanted, b = origin;
  if (a.back() != '.') a += '.';
  std::transform(a.begin(), a.end(), a.begin(), ::tolower);
  std::transform(b.begin(), b.end(), b.begin(), ::tolower);
  return a == b;
}

bool matches(const std::string& wanted, const std::string& value) {
  return wanted.empty() || wanted == value;
}

bool endpointMatches(const std::string& wanted, const zones::IpAddress& address) {
  if (wanted.empty()) return true;
  auto parsed = zones::IpAddress::parse(wanted);
  return parsed && *parsed == address;
}

// Calls fn(service slot, region slot, endpoint index or -1 for the whole pool) for each match.
template <typename Fn>
std::size_t forEachMatch(const ZoneTable& table, const HealthSelector& selector, Fn&& fn) {
  std::size_t matched = 0;
  const auto& services = table.services();
  for (std::size_t s = 0; s < services.size(); ++s) {
    const auto& plan = services[s];
    if (!sameZone(selector.zone, plan.zone) || !matches(selector.service, plan.name)) continue;
    for (std::size_t r = 0; r < plan.regions.size(); ++r) {
      const auto& region = plan.regions[r];
      if (!matches(selector.region, region.name)) continue;
      if (selector.endpoint.empty()) {
        fn(s, r, -1);
        ++matched;
        continue;
      }
      for (std::size_t e = 0; e < region.endpoints.size(); ++e) {
        if (endpointMatches(selector.endpoint, region.endpoints[e])) {
          fn(s, r, static_cast<int>(e));
          ++matched;
        }
      }
    }
  }
  return matched;
}

}  // namespace

std::size_t HealthState::count(const ZoneTable& table, const HealthSelector& selector) const {
  return forEachMatch(table, selector, [](std::size_t, std::size_t, int) {});
}

std::size_t HealthState::setDrained(const ZoneTable& table, const HealthSelector& selector,
                                    bool drained, std::string* error) {
  if (selector.region.empty() && selector.endpoint.empty()) {
    if (error) *error = "name a region or an endpoint to drain";
    return 0;
  }
  if (!selector.endpoint.empty() && !zones::IpAddress::parse(selector.endpoint)) {
    if (error) *error = "endpoint \"" + selector.endpoint + "\" is not an IP address";
    return 0;
  }
  std::size_t matched = count(table, selector);
  if (matched == 0) {
    if (error) *error = "no pool or endpoint matches";
    return 0;
  }
  std::lock_guard lock(mutex_);
  auto it = std::find(drains_.begin(), drains_.end(), selector);
  if (drained && it == drains_.end()) drains_.push_back(selector);
  if (!drained) {
    // Undrain lifts every drain the selector covers, so "undrain region X" undoes endpoint
    // drains inside X too.
    drains_.erase(
        std::remove_if(drains_.begin(), drains_.end(),
                       [&](const HealthSelector& d) {
                         return sameZone(selector.zone, d.zone.empty() ? selector.zone : d.zone) &&
                                (selector.service.empty() || d.service == selector.service) &&
                                (selector.region.empty() || d.region == selector.region) &&
                                (selector.endpoint.empty() || d.endpoint == selector.endpoint);
                       }),
        drains_.end());
  }
  return matched;
}

std::size_t HealthState::setState(const ZoneTable& table, const HealthSelector& selector,
                                  policy::EndpointState state, std::string* error) {
  std::size_t matched = count(table, selector);
  if (matched == 0) {
    if (error) *error = "no pool or endpoint matches";
    return 0;
  }
  std::lock_guard lock(mutex_);
  overrides_.erase(std::remove_if(overrides_.begin(), overrides_.end(),
                                  [&](const auto& o) { return o.first == selector; }),
                   overrides_.end());
  if (state != policy::EndpointState::Unknown) overrides_.emplace_back(selector, state);
  return matched;
}

std::vector<HealthSelector> HealthState::drains() const {
  std::lock_guard lock(mutex_);
  return drains_;
}

std::shared_ptr<const HealthView> HealthState::build(const ZoneTable& table) const {
  auto view = std::make_shared<HealthView>();
  view->services = table.initialHealth();
  std::lock_guard lock(mutex_);
  for (const auto& [selector, state] : overrides_) {
    forEachMatch(table, selector, [&](std::size_t s, std::size_t r, int e) {
      auto& endpoints = view->services[s].regions[r].endpoints;
      if (e < 0) {
        std::fill(endpoints.begin(), endpoints.end(), state);
      } else {
        endpoints[static_cast<std::size_t>(e)] = state;
      }
    });
  }
  for (const auto& selector : drains_) {
    forEachMatch(table, selector, [&](std::size_t s, std::size_t r, int e) {
      auto& region = view->services[s].regions[r];
      if (e < 0) {
        region.drained = true;
      } else {
        region.endpoints[static_cast<std::size_t>(e)] = policy::EndpointState::Drained;
      }
    });
  }
  return view;
}

}  // namespace nines::dnsd
