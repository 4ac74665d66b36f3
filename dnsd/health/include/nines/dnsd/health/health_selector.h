// What an operator names when draining (or, in tests, forcing the state of) pools and endpoints:
// a zone, a service, a region and an endpoint, each optional.
#pragma once

#include <string>

namespace nines::dnsd {

// Which pools or endpoints an operation applies to; an empty field matches everything.
struct HealthSelector {
  std::string zone;      // origin, e.g. "example.test." (trailing dot optional)
  std::string service;   // service key, e.g. "www"
  std::string region;    // region name
  std::string endpoint;  // endpoint address as text
  bool operator==(const HealthSelector& other) const = default;

  // Whether the zone, service and region fields match these (the endpoint is not looked at
  // here). Zones compare without case and with or without the trailing dot.
  bool matchesZone(const std::string& origin) const;
  bool matchesService(const std::string& zone, const std::string& name) const;
  bool matchesRegion(const std::string& name) const;
};

// "zone Z service S region R endpoint E", the fields a selector sets, for logs and /v1/status;
// "everything" when none is.
std::string describe(const HealthSelector& selector);

// "example.test." for "Example.Test" or "example.test.": how a zone a user names and an origin
// compare.
std::string canonicalOrigin(std::string zone);

}  // namespace nines::dnsd
