// Health as the policies read it: the all-unknown view, the names /v1/status spells, and what
// select() and the explain text derive from a region's health (endpoint counts, weight * ramp).
#include "nines/policy/health.h"

#include "select_internal.h"

namespace nines::policy {

ServiceHealth allUnknown(const zones::Service& service) {
  ServiceHealth health;
  health.regions.reserve(service.pools.size());
  for (const zones::Pool& pool : service.pools) {
    RegionHealth region;
    region.endpoints.assign(pool.endpoints.size(), EndpointState::Unknown);
    health.regions.push_back(std::move(region));
  }
  return health;
}

const char* drainedByName(DrainedBy by) noexcept {
  switch (by) {
    case DrainedBy::ZoneFile:
      return "zone_file";
    case DrainedBy::Api:
      return "api";
    case DrainedBy::None:
      break;
  }
  return nullptr;
}

const char* endpointStateName(EndpointState state) noexcept {
  switch (state) {
    case EndpointState::Up:
      return "up";
    case EndpointState::Down:
      return "down";
    case EndpointState::Drained:
      return "drained";
    case EndpointState::Unknown:
      break;
  }
  return "unknown";
}

namespace detail {

EndpointCounts countEndpoints(const RegionPlan& region, const RegionHealth* health) noexcept {
  EndpointCounts counts;
  counts.total = region.endpoints.size();
  for (std::size_t i = 0; i < counts.total; ++i) {
    switch (endpointState(health, i)) {
      case EndpointState::Up:
        ++counts.up;
        break;
      case EndpointState::Unknown:
        ++counts.unknown;
        break;
      case EndpointState::Down:
        ++counts.down;
        break;
      case EndpointState::Drained:
        ++counts.drained;
        break;
    }
  }
  return counts;
}

double effectiveWeight(const RegionPlan& region, const RegionHealth* health) noexcept {
  double ramp = health != nullptr ? health->ramp : 1.0;
  if (!(ramp > 0)) ramp = 0;  // also NaN
  if (ramp > 1) ramp = 1;
  return static_cast<double>(region.weight) * ramp;
}

}  // namespace detail

}  // namespace nines::policy
