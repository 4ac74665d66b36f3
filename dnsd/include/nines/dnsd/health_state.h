// The writer side of service health: operator drains (API) and test overrides, kept by name so
// they survive zone reloads, turned into a HealthView for a zone table on every change. Not on the
// query path: guarded by a mutex.
//
// A drain is recorded per pool (zone, service, region) or per endpoint, for everything the
// request matched when it was made: "drain region eu-west" drains eu-west in every service that
// has it; "undrain service www region eu-west" then brings back www's pool (and the endpoint
// drains inside it) while the other services' eu-west pools stay out.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "nines/dnsd/serving_state.h"
#include "nines/dnsd/zone_table.h"

namespace nines::dnsd {

// Which pools or endpoints an operation applies to; an empty field matches everything.
struct HealthSelector {
  std::string zone;      // origin, e.g. "example.test." (trailing dot optional)
  std::string service;   // service key, e.g. "www"
  std::string region;    // region name
  std::string endpoint;  // endpoint address as text
  bool operator==(const HealthSelector& other) const = default;
};

class HealthState {
 public:
  // Drains (or undrains) what `selector` names in `table`. Returns how many pools/endpoints it
  // matched; 0 (with `error`) means nothing was changed. A drain must name a region or an
  // endpoint, so a typo cannot take a whole service out.
  std::size_t setDrained(const ZoneTable& table, const HealthSelector& selector, bool drained,
                         std::string* error);
  // Test hook: forces the state of the endpoints `selector` matches (Unknown clears the override).
  std::size_t setState(const ZoneTable& table, const HealthSelector& selector,
                       policy::EndpointState state, std::string* error);
  std::shared_ptr<const HealthView> build(const ZoneTable& table) const;
  // Every drain in force, for /v1/status: "zone Z service S region R [endpoint E]".
  std::vector<std::string> drains() const;

 private:
  using PoolKey = std::tuple<std::string, std::string, std::string>;  // zone, service, region
  using EndpointKey = std::tuple<std::string, std::string, std::string, std::string>;

  mutable std::mutex mutex_;
  std::set<PoolKey> drained_pools_;
  std::set<EndpointKey> drained_endpoints_;
  std::map<EndpointKey, policy::EndpointState> overrides_;
};

}  // namespace nines::dnsd
