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

}  // namespace nines::policy
