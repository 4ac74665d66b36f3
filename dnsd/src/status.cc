#include "nines/dnsd/status.h"

#include <nlohmann/json.hpp>

namespace nines::dnsd {

namespace {

const char* stateName(policy::EndpointState state) {
  switch (state) {
    case policy::EndpointState::Up:
      return "up";
    case policy::EndpointState::Down:
      return "down";
    case policy::EndpointState::Drained:
      return "drained";
    case policy::EndpointState::Unknown:
      break;
  }
  return "unknown";
}

const char* policyName(zones::PolicyKind kind) {
  switch (kind) {
    case zones::PolicyKind::Geo:
      return "geo";
    case zones::PolicyKind::Latency:
      return "latency";
    case zones::PolicyKind::Weighted:
      return "weighted";
    case zones::PolicyKind::Failover:
      break;
  }
  return "failover";
}

}  // namespace

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

std::string renderStatus(const ServingState& state, const std::vector<std::string>& drains) {
  nlohmann::json zones = nlohmann::json::array();
  for (const auto& zone : state.zones->zones()) {
    zones.push_back({{"origin", zone->origin.toText()},
                     {"file", zone->source.file},
                     {"serial", zone->source.serial},
                     {"records", zone->source.records.size()}});
  }
  nlohmann::json services = nlohmann::json::array();
  const auto& plans = state.zones->services();
  for (std::size_t s = 0; s < plans.size(); ++s) {
    const auto& plan = plans[s];
    const auto& health = state.health && s < state.health->services.size()
                             ? state.health->services[s]
                             : state.zones->initialHealth()[s];
    nlohmann::json regions = nlohmann::json::array();
    for (std::size_t r = 0; r < plan.regions.size(); ++r) {
      const auto& region = plan.regions[r];
      const auto& region_health = health.regions[r];
      nlohmann::json endpoints = nlohmann::json::array();
      std::size_t usable = 0;
      for (std::size_t e = 0; e < region.endpoints.size(); ++e) {
        auto endpoint_state = region_health.endpoints[e];
        if (endpoint_state == policy::EndpointState::Up ||
            endpoint_state == policy::EndpointState::Unknown) {
          ++usable;
        }
        endpoints.push_back(
            {{"address", region.endpoints[e].toString()}, {"state", stateName(endpoint_state)}});
      }
      std::string verdict, reason;
      if (region.drain || region_health.drained) {
        verdict = "drained";
        reason = region.drain ? "drained in the zone file" : "drained by the API";
      } else if (usable >= region.min_up) {
        verdict = "up";
        reason = std::to_string(usable) + "/" + std::to_string(region.endpoints.size()) +
                 " endpoints up or unknown, min_up " + std::to_string(region.min_up);
      } else {
        verdict = "down";
        reason = std::to_string(usable) + "/" + std::to_string(region.endpoints.size()) +
                 " endpoints up or unknown, min_up " + std::to_string(region.min_up);
      }
      regions.push_back({{"name", region.name},
                         {"state", verdict},
                         {"reason", reason},
                         {"weight", region.weight},
                         {"endpoints", endpoints}});
    }
    services.push_back({{"zone", plan.zone},
                        {"name", plan.name},
                        {"policy", policyName(plan.policy)},
                        {"ttl", plan.ttl},
                        {"answers", plan.answers},
                        {"fallback", plan.fallback == zones::Fallback::All ? "all" : "none"},
                        {"regions", regions}});
  }
  nlohmann::json drained = drains;
  return nlohmann::json{{"zones", zones}, {"services", services}, {"drains", drained}}.dump(2);
}

}  // namespace nines::dnsd
