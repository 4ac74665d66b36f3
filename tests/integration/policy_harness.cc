#include "policy_harness.h"

#include <map>
#include <utility>

#include "zone_text.h"

namespace nines::integration {

const char* const kGslbToken = "policy-test-token";
const char* const kGslbSoa =
    "gslb.test. 300 IN SOA ns1.gslb.test. hostmaster.gslb.test. 11 3600 600 1209600 300";

std::string gslbZone() {
  return nines::testing::zoneHead("gslb.test.", 11) + R"("@" = ["NS ns1.gslb.test."]
ns1 = ["A 192.0.2.53", "AAAA 2001:db8::53"]
static = ["A 192.0.2.99"]

)" + std::string(kRegionTables) +
         R"(
[services.www]
policy = "geo"
ttl = 30
answers = 2
[services.www.pools.us-east]
endpoints = ["192.0.2.10", "192.0.2.11", "2001:db8:10::10"]
[services.www.pools.eu-west]
endpoints = ["198.51.100.10", "198.51.100.11", "2001:db8:20::10"]
[services.www.pools.ap-south]
endpoints = ["203.0.113.10"]
[services.www.geo]
continent = { EU = ["eu-west", "us-east"], AS = ["ap-south", "eu-west"] }
country = { IN = ["ap-south"], BR = ["us-east"] }
nets = { "233.252.0.0/24" = ["eu-west"], "2001:db8:ff::/48" = ["ap-south", "us-east"] }

[services.api]
policy = "weighted"
ttl = 20
[services.api.pools.us-east]
weight = 90
endpoints = ["192.0.2.20", "192.0.2.21"]
[services.api.pools.eu-west]
weight = 10
endpoints = ["198.51.100.20"]

[services.db]
policy = "failover"
order = ["us-east", "eu-west"]
fallback = "none"
[services.db.pools.us-east]
endpoints = ["192.0.2.30"]
[services.db.pools.eu-west]
endpoints = ["198.51.100.30"]

[services.cdn]
policy = "geo"
[services.cdn.pools.us-east]
endpoints = ["192.0.2.40"]
[services.cdn.pools.eu-west]
endpoints = ["198.51.100.40"]
[services.cdn.pools.ap-south]
drain = true
endpoints = ["203.0.113.40"]

[services."lat.edge"]
policy = "latency"
answers = 2
[services."lat.edge".pools.us-east]
endpoints = ["192.0.2.50", "192.0.2.51"]
[services."lat.edge".pools.eu-west]
endpoints = ["198.51.100.50", "2001:db8:20::50"]
)";
}

std::string gslbSections(const std::string& token, bool test_hooks) {
  std::string http = "[http]\nlisten = \"127.0.0.1:0\"\n";
  if (!token.empty()) http += "token = \"" + token + "\"\n";
  if (test_hooks) http += "test_hooks = true\n";
  // Loopback is in North America (queries without ECS come from 127.0.0.1) and ::1 in Ireland;
  // a /26 of 198.51.100.0/24 is in Australia (a more specific entry inside a nets entry);
  // 198.18.0.0/15 has a point only (nearest region, no rule).
  return http + R"([geo.nets]
"127.0.0.0/8" = { continent = "NA", country = "US", location = [38.9, -77.0] }
"::1/128" = { continent = "EU", country = "IE", location = [53.3, -6.3] }
"192.0.2.0/24" = { continent = "NA", country = "US", location = [38.9, -77.0] }
"198.51.100.0/24" = { continent = "EU", country = "IE", location = [53.3, -6.3] }
"198.51.100.192/26" = { continent = "OC", country = "AU", location = [-33.9, 151.2] }
"203.0.113.0/24" = { continent = "AS", country = "IN", location = [19.1, 72.9] }
"198.18.0.0/15" = { location = [1.35, 103.8] }
"2001:db8:aaaa::/48" = { continent = "EU", country = "DE", location = [50.1, 8.7] }
"2001:db8:bbbb::/48" = { continent = "SA", country = "BR", location = [-23.5, -46.6] }
)";
}

std::unique_ptr<DnsdServer> startGslb(const std::string& token, bool test_hooks,
                                      std::vector<std::string> listen) {
  DnsdServer::Options options;
  options.listen = std::move(listen);
  return std::make_unique<DnsdServer>(
      std::map<std::string, std::string>{{"gslb.test.toml", gslbZone()}}, options,
      gslbSections(token, test_hooks));
}

std::string regionOf(const std::string& address) {
  static const std::pair<const char*, const char*> kPrefixes[] = {
      {"192.0.2.", "us-east"},      {"2001:db8:10::", "us-east"}, {"198.51.100.", "eu-west"},
      {"2001:db8:20::", "eu-west"}, {"203.0.113.", "ap-south"},   {"2001:db8:30::", "ap-south"}};
  for (const auto& [prefix, region] : kPrefixes) {
    if (address.rfind(prefix, 0) == 0) return region;
  }
  return "?";
}

Strings regionsOf(const Strings& answer) {
  Strings out;
  for (const auto& address : addressesOf(answer)) out.push_back(regionOf(address));
  return out;
}

int setHealth(std::uint16_t port, const std::string& service, const std::string& region,
              const std::string& endpoint, const std::string& state) {
  std::string body = "{\"zone\": \"gslb.test.\"";
  auto add = [&](const char* key, const std::string& value) {
    if (!value.empty()) body += std::string(", \"") + key + "\": \"" + value + "\"";
  };
  add("service", service);
  add("region", region);
  add("endpoint", endpoint);
  add("state", state);
  return httpPost(port, "/v1/test/health", body + "}").status;
}

}  // namespace nines::integration
