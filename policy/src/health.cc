#include "nines/policy/health.h"

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

}  // namespace nines::policy
