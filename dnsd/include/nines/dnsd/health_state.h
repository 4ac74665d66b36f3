// The writer side of service health: operator drains (API) and test overrides, kept by name so
// they survive zone reloads, turned into a HealthView for a zone table on every change. Not on the
// query path: guarded by a mutex.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
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
  // Drains (or undrains) what `selector` names. Returns how many pools/endpoints of `table` it
  // matched; 0 means nothing was changed. A selector with no region and no endpoint is refused.
  std::size_t setDrained(const ZoneTable& table, const HealthSelector& selector, bool drained,
                         std::string* error);
  // Test hook: forces the state of the endpoints `selector` matches (Unknown clears the override).
  std::size_t setState(const ZoneTable& table, const HealthSelector& selector,
                       policy::EndpointState state, std::string* error);
  std::shared_ptr<const HealthView> build(const ZoneTable& table) const;

  std::vector<HealthSelector> drains() const;

 private:
  std::size_t count(const ZoneTable& table, const HealthSelector& selector) const;

  mutable std::mutex mutex_;
  std::vector<HealthSelector> drains_;
  std::vector<std::pair<HealthSelector, policy::EndpointState>> overrides_;
};

}  // namespace nines::dnsd
