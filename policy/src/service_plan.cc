#include "nines/policy/service_plan.h"

#include <algorithm>
#include <atomic>
#include <limits>
#include <map>

#include "nines/policy/select.h"

namespace nines::policy {

namespace {

// The slots of `names` that are regions of this plan, each once, in the order written. Names
// without a pool in the service (the loader accepts any region of the zone) are left out.
std::vector<std::uint16_t> slotsOf(const std::vector<std::string>& names,
                                   const std::vector<RegionPlan>& regions) {
  std::vector<std::uint16_t> slots;
  for (const std::string& name : names) {
    for (std::size_t slot = 0; slot < regions.size(); ++slot) {
      if (regions[slot].name != name) continue;
      auto value = static_cast<std::uint16_t>(slot);
      if (std::find(slots.begin(), slots.end(), value) == slots.end()) slots.push_back(value);
      break;
    }
  }
  return slots;
}

}  // namespace

ServicePlan ServicePlan::compile(const zones::Zone& zone, const zones::Service& service) {
  ServicePlan plan;
  plan.zone = zone.origin.toText();
  plan.name = service.name;
  plan.owner = service.owner;
  plan.owner_text = plan.owner.toText();
  plan.policy = service.policy;
  plan.ttl = service.ttl;
  plan.ttl_unstable = service.ttl_unstable;
  plan.ttl_calm = service.ttl_calm;
  plan.answers = service.answers;
  plan.fallback = service.fallback;
  plan.slow_start = service.slow_start;
  plan.expected_load = service.expected_load;
  plan.check = service.check;

  // Slots are 16-bit; a service never comes near that many pools (select() considers the first
  // kMaxRegions of them).
  const std::size_t pools =
      std::min<std::size_t>(service.pools.size(), std::numeric_limits<std::uint16_t>::max());
  plan.regions.reserve(pools);
  for (std::size_t p = 0; p < pools; ++p) {
    const zones::Pool& pool = service.pools[p];
    RegionPlan region;
    region.name = pool.region;
    region.weight = pool.weight;
    region.min_up = pool.min_up;
    region.capacity = pool.capacity;
    region.drain = pool.drain;
    for (const zones::Region& declared : zone.regions) {
      if (declared.name != pool.region) continue;
      region.location = declared.location;
      if (region.location) region.unit = unitVector(*region.location);
      region.drain = region.drain || declared.drain;
      break;
    }
    const std::size_t count =
        std::min<std::size_t>(pool.endpoints.size(), std::numeric_limits<std::uint16_t>::max());
    region.endpoints.assign(pool.endpoints.begin(),
                            pool.endpoints.begin() + static_cast<std::ptrdiff_t>(count));
    for (std::size_t e = 0; e < count; ++e) {
      auto index = static_cast<std::uint16_t>(e);
      if (region.endpoints[e].family == 4) region.v4.push_back(index);
      if (region.endpoints[e].family == 6) region.v6.push_back(index);
    }
    plan.regions.push_back(std::move(region));
  }

  plan.order = slotsOf(service.order, plan.regions);
  std::map<std::vector<std::uint16_t>, std::int32_t> list_ids;
  for (const auto& [cidr, names] : service.geo.nets) {
    auto [list, added] = list_ids.try_emplace(slotsOf(names, plan.regions),
                                              static_cast<std::int32_t>(plan.geo_net_lists.size()));
    if (added) plan.geo_net_lists.push_back(list->first);
    plan.geo_nets.insert(cidr, list->second);
  }
  plan.geo_nets.compile();
  for (const auto& [country, names] : service.geo.country) {
    plan.geo_country.emplace_back(country, slotsOf(names, plan.regions));
  }
  for (const auto& [continent, names] : service.geo.continent) {
    plan.geo_continent.emplace_back(continent, slotsOf(names, plan.regions));
  }
  return plan;
}

ServiceSet::ServiceSet() {
  static std::atomic<std::uint64_t> last_id{0};
  id = ++last_id;
}

ServiceSet ServiceSet::compile(const std::vector<zones::Zone>& zones) {
  ServiceSet set;
  for (const zones::Zone& zone : zones) {
    for (const zones::Service& service : zone.services) set.add(zone, service);
  }
  return set;
}

std::size_t ServiceSet::add(const zones::Zone& zone, const zones::Service& service) {
  plans.push_back(ServicePlan::compile(zone, service));
  initial_health.push_back(allUnknown(service));
  return plans.size() - 1;
}

const char* policyName(zones::PolicyKind kind) noexcept {
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

}  // namespace nines::policy
