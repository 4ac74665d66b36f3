// [services] of a zone file (zones/src/service_table.cc): services, pools, geo rules and their
// rules against [records]; and the example zone with one service per policy.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "nines/zones/loader.h"
#include "zone_test_files.h"

namespace nines::zones {
namespace {

using test_files::BrokenCase;
using test_files::edit;
using test_files::expectLoadErrors;
using test_files::lines;
using test_files::loadOne;

// A valid zone with regions us-east and eu-west. `records` go into [records] from line 12 on;
// without them, `tables` start on line 14.
std::string zoneWith(const std::string& tables, const std::string& records = "") {
  return lines({"origin = \"example.test.\"", "[soa]", "mname = \"ns1\"", "rname = \"hostmaster\"",
                "refresh = 1", "retry = 1", "expire = 1", "minimum = 1", "[records]",
                "\"@\" = [\"NS ns1\"]", "ns1 = [\"A 192.0.2.53\"]"}) +
         records + lines({"[regions.us-east]", "[regions.eu-west]"}) + tables;
}

// Service "www" on line 14 with a pool in us-east on lines 14-15, then `settings` from line 17.
std::string www(std::initializer_list<std::string> settings) {
  return zoneWith(
      lines({"[services.www.pools.us-east]", "endpoints = [\"192.0.2.1\"]", "[services.www]"}) +
      lines(settings));
}

// Service "www" (line 14), policy "geo", with the pool in us-east (line 16) given by `pool`.
std::string wwwPool(std::initializer_list<std::string> pool) {
  return zoneWith(lines({"[services.www]", "policy = \"geo\"", "[services.www.pools.us-east]"}) +
                  lines(pool));
}

// A geo service with pools in us-east only (lines 14-17), its [services.www.geo] on line 18 and
// `rules` from line 19.
std::string geo(std::initializer_list<std::string> rules) {
  return zoneWith(lines({"[services.www]", "policy = \"geo\"", "[services.www.pools.us-east]",
                         "endpoints = [\"192.0.2.1\"]", "[services.www.geo]"}) +
                  lines(rules));
}

const std::string kInRegions = " (declared: eu-west, us-east)";
const std::string kEndpointsHint =
    " (an array of addresses, e.g. [\"192.0.2.10\", \"2001:db8::10\"])";

const std::vector<BrokenCase> kCases = {
    // The table and the service's name.
    {"services not a table",
     edit(zoneWith(""), "[soa]", "services = \"www\"\n[soa]"),
     {"zone.toml:2:12: services must be a table of [services.NAME] sections, not a string"}},
    {"service not a table",
     zoneWith(lines({"[services]", "www = 1"})),
     {"zone.toml:15:7: services.www must be a table, not an integer"}},
    {"service at the apex",
     zoneWith(lines({"[services.\"@\"]", "policy = \"geo\"", "[services.\"@\".pools.us-east]",
                     "endpoints = [\"192.0.2.1\"]"})),
     {"zone.toml:14:11: service \"@\" cannot be the zone apex, which holds the SOA and NS "
      "records; use a name such as \"www\""}},
    {"service name with a space",
     zoneWith(lines({"[services.\"a b\"]", "policy = \"geo\"", "[services.\"a b\".pools.us-east]",
                     "endpoints = [\"192.0.2.1\"]"})),
     {"zone.toml:14:11: service name \"a b\" must be a relative name of labels made of letters, "
      "digits, '-' and '_', e.g. \"www\" or \"api.v2\""}},
    {"service name absolute",
     zoneWith(
         lines({"[services.\"www.example.test.\"]", "policy = \"geo\"",
                "[services.\"www.example.test.\".pools.us-east]", "endpoints = [\"192.0.2.1\"]"})),
     {"zone.toml:14:11: service name \"www.example.test.\" must be a relative name of labels "
      "made of letters, digits, '-' and '_', e.g. \"www\" or \"api.v2\""}},
    {"service name a wildcard",
     zoneWith(lines({"[services.\"*\"]", "policy = \"geo\"", "[services.\"*\".pools.us-east]",
                     "endpoints = [\"192.0.2.1\"]"})),
     {"zone.toml:14:11: service name \"*\" must be a relative name of labels made of letters, "
      "digits, '-' and '_', e.g. \"www\" or \"api.v2\""}},
    {"two services for one name",
     zoneWith(lines({"[services.WWW]", "policy = \"geo\"", "[services.WWW.pools.us-east]",
                     "endpoints = [\"192.0.2.1\"]", "[services.www]", "policy = \"geo\"",
                     "[services.www.pools.us-east]", "endpoints = [\"192.0.2.1\"]"})),
     {"zone.toml:18:11: service \"www\" answers the same name as service \"WWW\" (at 14:11)"}},
    {"names are checked without a valid origin",
     edit(zoneWith(lines({"[services.\"a b\"]", "policy = \"geo\"",
                          "[services.\"a b\".pools.us-east]", "endpoints = [\"192.0.2.1\"]"})),
          "\"example.test.\"", "\"example.test\""),
     {"zone.toml:1:10: origin \"example.test\" must be an absolute name, ending in a dot: "
      "\"example.test.\"",
      "zone.toml:14:11: service name \"a b\" must be a relative name of labels made of letters, "
      "digits, '-' and '_', e.g. \"www\" or \"api.v2\""}},
    {"weighted with every weight 0 and another error",
     zoneWith(lines({"[services.www]", "policy = \"weighted\"", "ttl = -1",
                     "[services.www.pools.us-east]", "weight = 0", "endpoints = [\"192.0.2.1\"]"})),
     {"zone.toml:14:1: service \"www\" has policy \"weighted\" but every pool has weight 0; give "
      "at least one pool a weight above 0",
      "zone.toml:16:7: services.www.ttl -1 is negative"}},
    {"unquoted dotted service name",
     zoneWith(lines({"[services.api.v2]", "policy = \"geo\""})),
     {"zone.toml:14:15: service \"api\" holds a table \"v2\", not settings; quote service names "
      "that contain dots, e.g. [services.\"api.v2\"]"}},
    // The service's settings.
    {"missing policy",
     www({"ttl = 5"}),
     {"zone.toml:16:1: [services.www] is missing \"policy\" (geo, latency, weighted or "
      "failover)"}},
    {"unknown policy",
     www({"policy = \"random\""}),
     {"zone.toml:17:10: services.www.policy \"random\" is not one of geo, latency, weighted, "
      "failover"}},
    {"unknown service key",
     www({"policy = \"geo\"", "answer = 2"}),
     {"zone.toml:18:1: unknown key \"answer\" in [services.www] (expected policy, ttl, "
      "ttl_unstable, ttl_calm, answers, fallback, check, order, slow_start, expected_load, pools, "
      "geo)"}},
    {"ttl negative",
     www({"policy = \"geo\"", "ttl = -1"}),
     {"zone.toml:18:7: services.www.ttl -1 is negative"}},
    {"ttl too large",
     www({"policy = \"geo\"", "ttl = 2147483648"}),
     {"zone.toml:18:7: services.www.ttl 2147483648 is out of range (0 to 2147483647, RFC 2181 "
      "§8)"}},
    // TTLs that follow health.
    {"ttl_unstable above ttl",
     www({"policy = \"geo\"", "ttl = 60", "ttl_unstable = 61"}),
     {"zone.toml:19:16: services.www.ttl_unstable is 61, above the service's ttl 60; it lowers "
      "the TTL while a region is unstable, so it must be at most ttl"}},
    {"ttl_unstable above the default ttl",
     www({"policy = \"geo\"", "ttl_unstable = 31"}),
     {"zone.toml:18:16: services.www.ttl_unstable is 31, above the service's ttl 30; it lowers "
      "the TTL while a region is unstable, so it must be at most ttl"}},
    {"ttl_unstable negative",
     www({"policy = \"geo\"", "ttl_unstable = -1"}),
     {"zone.toml:18:16: services.www.ttl_unstable -1 is negative"}},
    {"ttl_unstable a string",
     www({"policy = \"geo\"", "ttl_unstable = \"5s\""}),
     {"zone.toml:18:16: services.www.ttl_unstable must be an integer, not a string"}},
    {"ttl_calm 0",
     www({"policy = \"geo\"", "ttl_unstable = 5", "ttl_calm = 0"}),
     {"zone.toml:19:12: services.www.ttl_calm 0 is out of range (1 to 86400 of seconds)"}},
    {"ttl_calm above a day",
     www({"policy = \"geo\"", "ttl_unstable = 5", "ttl_calm = 86401"}),
     {"zone.toml:19:12: services.www.ttl_calm 86401 is out of range (1 to 86400 of seconds)"}},
    {"ttl_calm without ttl_unstable",
     www({"policy = \"geo\"", "ttl_calm = 60"}),
     {"zone.toml:18:12: services.www.ttl_calm has no effect without ttl_unstable (the TTL while "
      "a region is unstable)"}},
    {"answers 0",
     www({"policy = \"geo\"", "answers = 0"}),
     {"zone.toml:18:11: services.www.answers 0 is out of range (1 to 16)"}},
    {"answers 17",
     www({"policy = \"geo\"", "answers = 17"}),
     {"zone.toml:18:11: services.www.answers 17 is out of range (1 to 16)"}},
    {"unknown fallback",
     www({"policy = \"geo\"", "fallback = \"some\""}),
     {"zone.toml:18:12: services.www.fallback \"some\" is not one of all, none"}},
    {"check without [checks]",
     www({"policy = \"geo\"", "check = \"web\""}),
     {"zone.toml:18:9: services.www.check \"web\" names no [checks] entry (the zone declares "
      "none)"}},
    {"check not declared",
     www({"policy = \"geo\"", "check = \"webb\"", "[checks.web]", "type = \"tcp\"", "port = 80",
          "[checks.db]", "type = \"tcp\"", "port = 5432"}),
     {"zone.toml:18:9: services.www.check \"webb\" names no [checks] entry (known: db, web)"}},
    {"a broken check is reported once",
     www({"policy = \"geo\"", "check = \"web\"", "[checks.web]", "type = \"tcp\""}),
     {"zone.toml:19:1: [checks.web] is missing \"port\" (required for type \"tcp\")"}},
    {"slow_start negative",
     www({"policy = \"geo\"", "slow_start = -1"}),
     {"zone.toml:18:14: services.www.slow_start -1 is negative"}},
    {"expected_load 0",
     www({"policy = \"geo\"", "expected_load = 0"}),
     {"zone.toml:18:17: services.www.expected_load 0 must be more than 0"}},
    {"expected_load a string",
     www({"policy = \"geo\"", "expected_load = \"20k\""}),
     {"zone.toml:18:17: services.www.expected_load must be a number of requests per second, not "
      "a string"}},
    // Pools.
    {"no pools",
     zoneWith(lines({"[services.www]", "policy = \"geo\""})),
     {"zone.toml:14:1: [services.www] is missing \"pools\" (a service needs at least one "
      "[services.www.pools.REGION] section with endpoints)"}},
    {"pools empty",
     zoneWith(lines({"[services.www]", "policy = \"geo\"", "pools = {}"})),
     {"zone.toml:16:9: services.www.pools is empty; a service needs at least one pool"}},
    {"pools not a table",
     zoneWith(lines({"[services.www]", "policy = \"geo\"", "pools = [\"us-east\"]"})),
     {"zone.toml:16:9: services.www.pools must be a table of [services.www.pools.REGION] "
      "sections, not an array"}},
    {"pool in an unknown region",
     zoneWith(lines({"[services.www]", "policy = \"geo\"", "[services.www.pools.fra]",
                     "endpoints = [\"192.0.2.1\"]"})),
     {"zone.toml:16:21: service \"www\" has a pool in unknown region \"fra\"" + kInRegions}},
    {"pool not a table",
     zoneWith(lines({"[services.www]", "policy = \"geo\"", "pools.us-east = 1"})),
     {"zone.toml:16:17: services.www.pools.us-east must be a table, not an integer"}},
    {"unknown pool key",
     wwwPool({"endpoints = [\"192.0.2.1\"]", "weigth = 5"}),
     {"zone.toml:18:1: unknown key \"weigth\" in [services.www.pools.us-east] (expected weight, "
      "capacity, min_up, drain, endpoints)"}},
    {"weight too large",
     wwwPool({"endpoints = [\"192.0.2.1\"]", "weight = 1000001"}),
     {"zone.toml:18:10: services.www.pools.us-east.weight 1000001 is out of range (0 to "
      "1000000)"}},
    {"capacity 0",
     wwwPool({"endpoints = [\"192.0.2.1\"]", "capacity = 0"}),
     {"zone.toml:18:12: services.www.pools.us-east.capacity 0 is out of range (1 to "
      "4294967295)"}},
    {"capacity a float",
     wwwPool({"endpoints = [\"192.0.2.1\"]", "capacity = 1.5"}),
     {"zone.toml:18:12: services.www.pools.us-east.capacity must be an integer, not a float"}},
    {"min_up negative",
     wwwPool({"endpoints = [\"192.0.2.1\"]", "min_up = -1"}),
     {"zone.toml:18:10: services.www.pools.us-east.min_up -1 is negative"}},
    {"min_up above the endpoints",
     wwwPool({"endpoints = [\"192.0.2.1\", \"192.0.2.2\"]", "min_up = 3"}),
     {"zone.toml:18:10: services.www.pools.us-east.min_up 3 is more than the pool's 2 "
      "endpoints, so the region could never be up"}},
    {"min_up above one endpoint",
     wwwPool({"min_up = 2", "endpoints = [\"192.0.2.1\"]"}),
     {"zone.toml:17:10: services.www.pools.us-east.min_up 2 is more than the pool's 1 endpoint, "
      "so the region could never be up"}},
    {"pool drain not a boolean",
     wwwPool({"endpoints = [\"192.0.2.1\"]", "drain = 1"}),
     {"zone.toml:18:9: services.www.pools.us-east.drain must be true or false, not an integer"}},
    {"no endpoints",
     wwwPool({"weight = 1"}),
     {"zone.toml:16:1: [services.www.pools.us-east] is missing \"endpoints\"" + kEndpointsHint}},
    {"endpoints a string",
     wwwPool({"endpoints = \"192.0.2.1\""}),
     {"zone.toml:17:13: services.www.pools.us-east.endpoints must be an array of addresses such "
      "as [\"192.0.2.10\", \"2001:db8::10\"], not a string"}},
    {"endpoints empty",
     wwwPool({"endpoints = []"}),
     {"zone.toml:17:13: services.www.pools.us-east.endpoints is empty; a pool needs at least one "
      "endpoint"}},
    {"endpoint not a string",
     wwwPool({"endpoints = [\"192.0.2.1\", 5]"}),
     {"zone.toml:17:27: an endpoint must be a string such as \"192.0.2.10\", not an integer"}},
    {"endpoint not an address",
     wwwPool({"endpoints = [\"192.0.2.300\", \"192.0.2.1:80\", \"www.example.test\"]"}),
     {"zone.toml:17:14: endpoint \"192.0.2.300\" is not an IPv4 or IPv6 address",
      "zone.toml:17:29: endpoint \"192.0.2.1:80\" is not an IPv4 or IPv6 address",
      "zone.toml:17:45: endpoint \"www.example.test\" is not an IPv4 or IPv6 address"}},
    {"endpoint twice",
     wwwPool({"endpoints = [\"2001:db8::1\", \"192.0.2.1\", \"2001:DB8:0::1\"]"}),
     {"zone.toml:17:42: endpoint \"2001:DB8:0::1\" is already in the pool (at 17:14)"}},
    // order
    {"failover without order",
     www({"policy = \"failover\""}),
     {"zone.toml:16:1: [services.www] is missing \"order\" (policy \"failover\" answers from the "
      "first healthy region in it)"}},
    {"order empty",
     www({"policy = \"failover\"", "order = []"}),
     {"zone.toml:18:9: services.www.order must name at least one region"}},
    {"order names a region without a pool",
     www({"policy = \"failover\"", "order = [\"us-east\", \"eu-west\"]"}),
     {"zone.toml:18:21: services.www.order names \"eu-west\", which is not a pool of service "
      "\"www\" (pools: us-east)"}},
    {"order names a region twice",
     www({"policy = \"geo\"", "order = [\"us-east\", \"us-east\"]"}),
     {"zone.toml:18:21: services.www.order names \"us-east\" twice"}},
    {"order a string",
     www({"policy = \"failover\"", "order = \"us-east\""}),
     {"zone.toml:18:9: services.www.order must be an array of region names such as [\"us-east\", "
      "\"eu-west\"], not a string"}},
    {"order of numbers",
     www({"policy = \"failover\"", "order = [1]"}),
     {"zone.toml:18:10: a region name must be a string, not an integer"}},
    {"weighted with every weight 0",
     zoneWith(lines({"[services.www]", "policy = \"weighted\"", "[services.www.pools.us-east]",
                     "weight = 0", "endpoints = [\"192.0.2.1\"]", "[services.www.pools.eu-west]",
                     "weight = 0", "endpoints = [\"198.51.100.1\"]"})),
     {"zone.toml:14:1: service \"www\" has policy \"weighted\" but every pool has weight 0; give "
      "at least one pool a weight above 0"}},
    // geo
    {"geo not a table",
     www({"policy = \"geo\"", "geo = 1"}),
     {"zone.toml:18:7: services.www.geo must be a table, not an integer"}},
    {"unknown geo key",
     geo({"contnent = { EU = [\"us-east\"] }"}),
     {"zone.toml:19:1: unknown key \"contnent\" in [services.www.geo] (expected continent, "
      "country, nets, nets_file)"}},
    {"geo rules not a table",
     geo({"continent = [\"EU\"]"}),
     {"zone.toml:19:13: services.www.geo.continent must be a table, not an array"}},
    {"unknown continent",
     geo({"continent = { Europe = [\"us-east\"], EU = [\"us-east\"] }"}),
     {"zone.toml:19:15: services.www.geo.continent \"Europe\" is not a continent code (AF, AN, "
      "AS, EU, NA, OC, SA)"}},
    {"country lower case",
     geo({"country = { uk = [\"us-east\"] }"}),
     {"zone.toml:19:13: services.www.geo.country \"uk\" is not a country code: two upper-case "
      "letters (ISO 3166-1 alpha-2, e.g. \"IN\")"}},
    {"net with host bits",
     geo({"nets = { \"10.0.0.1/8\" = [\"us-east\"] }"}),
     {"zone.toml:19:10: services.www.geo.nets \"10.0.0.1/8\": host bits set beyond /8 (did you "
      "mean 10.0.0.0/8?)"}},
    {"net without a prefix",
     geo({"nets = { \"10.0.0.0\" = [\"us-east\"] }"}),
     {"zone.toml:19:10: services.www.geo.nets \"10.0.0.0\": expected ADDRESS/PREFIX"}},
    {"same net twice",
     geo({"nets = { \"2001:db8::/32\" = [\"us-east\"], \"2001:DB8::/32\" = [\"us-east\"] }"}),
     {"zone.toml:19:41: services.www.geo.nets \"2001:DB8::/32\" is the same network as "
      "2001:db8::/32 (at 19:10)"}},
    {"geo rule names a region without a pool",
     geo({"[services.www.geo.continent]", "EU = [\"eu-west\", \"us-east\"]"}),
     {"zone.toml:20:7: services.www.geo.continent.EU names \"eu-west\", which is not a pool of "
      "service \"www\" (pools: us-east)"}},
    {"geo rule empty",
     geo({"country = { IN = [] }"}),
     {"zone.toml:19:18: services.www.geo.country.IN must name at least one region"}},
    {"geo net rule names a region twice",
     geo({"nets = { \"192.0.2.0/24\" = [\"us-east\", \"us-east\"] }"}),
     {"zone.toml:19:39: services.www.geo.nets.\"192.0.2.0/24\" names \"us-east\" twice"}},
    // The service's name against [records].
    {"service and records at one name",
     zoneWith(lines({"[services.www]", "policy = \"geo\"", "[services.www.pools.us-east]",
                     "endpoints = [\"192.0.2.1\"]"}),
              lines({"WWW = [\"TXT \\\"static\\\"\"]"})),
     {"zone.toml:15:11: service \"www\" and [records] both define \"www.example.test.\" (at "
      "12:1); a service's name has no static records"}},
    {"service and broken records at one name",
     zoneWith(lines({"[services.www]", "policy = \"geo\"", "[services.www.pools.us-east]",
                     "endpoints = [\"192.0.2.1\"]"}),
              lines({"www = [\"A 1\"]"})),
     {"zone.toml:12:8: record \"A 1\": A RDATA is invalid: Syntax error, could not parse the RR's "
      "rdata",
      "zone.toml:15:11: service \"www\" and [records] both define \"www.example.test.\" (at "
      "12:1); a service's name has no static records"}},
    {"service below a delegation",
     zoneWith(lines({"[services.\"www.sub\"]", "policy = \"geo\"",
                     "[services.\"www.sub\".pools.us-east]", "endpoints = [\"192.0.2.1\"]"}),
              lines({"sub = [\"NS ns.other.test.\"]"})),
     {"zone.toml:15:11: service \"www.sub\" at \"www.sub.example.test.\" is below the delegation "
      "\"sub.example.test.\", where the child zone answers"}},
    {"service at a delegation",
     zoneWith(lines({"[services.sub]", "policy = \"geo\"", "[services.sub.pools.us-east]",
                     "endpoints = [\"192.0.2.1\"]"}),
              lines({"sub = [\"NS ns.other.test.\"]"})),
     {"zone.toml:15:11: service \"sub\" and [records] both define \"sub.example.test.\" (at "
      "12:1); a service's name has no static records"}},
    {"every service error at once",
     zoneWith(lines({"[services.www]", "policy = \"weighted\"", "ttl = -1", "order = [\"x\"]",
                     "[services.www.pools.us-east]", "weight = 0", "endpoints = [\"192.0.2.1\"]",
                     "[services.www.pools.ap]", "endpoints = []", "[services.db]",
                     "policy = \"failover\"", "[services.db.pools.eu-west]", "min_up = 2",
                     "endpoints = [\"198.51.100.1\"]"}),
              lines({"www = [\"A 192.0.2.1\"]"})),
     {"zone.toml:15:11: service \"www\" and [records] both define \"www.example.test.\" (at "
      "12:1); a service's name has no static records",
      "zone.toml:17:7: services.www.ttl -1 is negative",
      "zone.toml:18:10: services.www.order names \"x\", which is not a pool of service \"www\" "
      "(pools: us-east, ap)",
      "zone.toml:22:21: service \"www\" has a pool in unknown region \"ap\"" + kInRegions,
      "zone.toml:23:13: services.www.pools.ap.endpoints is empty; a pool needs at least one "
      "endpoint",
      "zone.toml:24:1: [services.db] is missing \"order\" (policy \"failover\" answers from the "
      "first healthy region in it)",
      "zone.toml:27:10: services.db.pools.eu-west.min_up 2 is more than the pool's 1 endpoint, "
      "so the region could never be up"}},
};

TEST(ServiceTableTest, BrokenServices) { expectLoadErrors(kCases); }

TEST(ServiceTableTest, Defaults) {
  Zone zone =
      loadOne(zoneWith(lines({"[services.www]", "policy = \"latency\"",
                              "[services.www.pools.eu-west]", "endpoints = [\"2001:db8::1\"]"})));
  ASSERT_EQ(zone.services.size(), 1u);
  const Service& www = zone.services[0];
  EXPECT_EQ(www.name, "www");
  EXPECT_EQ(www.owner.toText(), "www.example.test.");
  EXPECT_EQ(www.policy, PolicyKind::Latency);
  EXPECT_EQ(www.ttl, 30u);
  EXPECT_FALSE(www.ttl_unstable.has_value());
  EXPECT_EQ(www.ttl_calm, 300u);
  EXPECT_EQ(www.answers, 1u);
  EXPECT_EQ(www.fallback, Fallback::All);
  EXPECT_EQ(www.check, "");
  EXPECT_TRUE(www.order.empty());
  EXPECT_EQ(www.slow_start, 0.0);
  EXPECT_FALSE(www.expected_load.has_value());
  EXPECT_TRUE(www.geo.continent.empty());
  EXPECT_TRUE(www.geo.country.empty());
  EXPECT_TRUE(www.geo.nets.empty());
  EXPECT_EQ(www.where.line, 14u);
  EXPECT_EQ(www.where.column, 11u);
  ASSERT_EQ(www.pools.size(), 1u);
  const Pool& pool = www.pools[0];
  EXPECT_EQ(pool.region, "eu-west");
  EXPECT_EQ(pool.weight, 100u);
  EXPECT_FALSE(pool.capacity.has_value());
  EXPECT_EQ(pool.min_up, 1u);
  EXPECT_FALSE(pool.drain);
  EXPECT_EQ(pool.endpoints, std::vector<IpAddress>{*IpAddress::parse("2001:db8::1")});
  EXPECT_EQ(pool.where.line, 16u);
  EXPECT_EQ(pool.where.column, 21u);
}

TEST(ServiceTableTest, EverySetting) {
  Zone zone = loadOne(zoneWith(lines({
      "[checks.web]",
      "type = \"http\"",
      "port = 8080",
      "[services.\"api.v2\"]",
      "policy = \"failover\"",
      "ttl = 0",
      "ttl_unstable = 0",
      "ttl_calm = 3",
      "answers = 16",
      "fallback = \"none\"",
      "check = \"web\"",
      "order = [\"us-east\", \"eu-west\"]",
      "slow_start = 12.5",
      "expected_load = 20000",
      "[services.\"api.v2\".pools.eu-west]",  // before us-east: pools keep file order
      "weight = 0",
      "capacity = 15000",
      "min_up = 0",
      "drain = true",
      "endpoints = [\"198.51.100.1\", \"198.51.100.2\", \"2001:db8::2\"]",
      "[services.\"api.v2\".pools.us-east]",
      "weight = 1000000",
      "min_up = 2",
      "endpoints = [\"192.0.2.1\", \"192.0.2.2\"]",
      "[services.\"api.v2\".geo]",
      "continent = { EU = [\"eu-west\", \"us-east\"], NA = [\"us-east\"] }",
      "country = { IE = [\"eu-west\"] }",
      "nets = { \"203.0.113.0/24\" = [\"eu-west\"], \"2001:db8:ff::/48\" = [\"us-east\"], "
      "\"192.0.2.0/24\" = [\"us-east\", \"eu-west\"] }",
      "[services.a]",  // after api.v2 in the file, before it in key order
      "policy = \"weighted\"",
      "[services.a.pools.us-east]",
      "endpoints = [\"192.0.2.9\"]",
  })));
  ASSERT_EQ(zone.checks.size(), 1u);
  ASSERT_EQ(zone.services.size(), 2u);
  const Service& api = zone.services[0];
  EXPECT_EQ(api.name, "api.v2");
  EXPECT_EQ(api.owner.toText(), "api.v2.example.test.");
  EXPECT_EQ(api.policy, PolicyKind::Failover);
  EXPECT_EQ(api.ttl, 0u);
  EXPECT_EQ(api.ttl_unstable, 0u);
  EXPECT_EQ(api.ttl_calm, 3u);
  EXPECT_EQ(api.answers, 16u);
  EXPECT_EQ(api.fallback, Fallback::None);
  EXPECT_EQ(api.check, "web");
  EXPECT_EQ(api.order, (std::vector<std::string>{"us-east", "eu-west"}));
  EXPECT_EQ(api.slow_start, 12.5);
  EXPECT_EQ(api.expected_load, 20000.0);
  ASSERT_EQ(api.pools.size(), 2u);
  const Pool& eu = api.pools[0];
  EXPECT_EQ(eu.region, "eu-west");
  EXPECT_EQ(eu.weight, 0u);
  EXPECT_EQ(eu.capacity, 15000u);
  EXPECT_EQ(eu.min_up, 0u);
  EXPECT_TRUE(eu.drain);
  EXPECT_EQ(eu.endpoints, (std::vector<IpAddress>{*IpAddress::parse("198.51.100.1"),
                                                  *IpAddress::parse("198.51.100.2"),
                                                  *IpAddress::parse("2001:db8::2")}));
  const Pool& us = api.pools[1];
  EXPECT_EQ(us.region, "us-east");
  EXPECT_EQ(us.weight, 1000000u);
  EXPECT_EQ(us.min_up, 2u);
  EXPECT_EQ(us.endpoints.size(), 2u);
  using Regions = std::vector<std::string>;
  EXPECT_EQ(api.geo.continent,
            (std::map<std::string, Regions>{{"EU", {"eu-west", "us-east"}}, {"NA", {"us-east"}}}));
  EXPECT_EQ(api.geo.country, (std::map<std::string, Regions>{{"IE", {"eu-west"}}}));
  ASSERT_EQ(api.geo.nets.size(), 3u);  // file order
  EXPECT_EQ(api.geo.nets[0].first.toString(), "203.0.113.0/24");
  EXPECT_EQ(api.geo.nets[0].second, Regions{"eu-west"});
  EXPECT_EQ(api.geo.nets[1].first.toString(), "2001:db8:ff::/48");
  EXPECT_EQ(api.geo.nets[2].first.toString(), "192.0.2.0/24");
  EXPECT_EQ(api.geo.nets[2].second, (Regions{"us-east", "eu-west"}));
  EXPECT_EQ(zone.services[1].name, "a");
  EXPECT_EQ(zone.services[1].policy, PolicyKind::Weighted);
}

TEST(ServiceTableTest, NamesBesideWildcardsAndEmptyNonTerminals) {
  // x.wild would be answered by the wildcard, deep is an empty non-terminal above a.b.deep:
  // a service may take either name.
  Zone zone = loadOne(zoneWith(
      lines({"[services.\"x.wild\"]", "policy = \"geo\"", "[services.\"x.wild\".pools.us-east]",
             "endpoints = [\"192.0.2.1\"]", "[services.deep]", "policy = \"geo\"",
             "[services.deep.pools.us-east]", "endpoints = [\"192.0.2.1\"]"}),
      lines({"\"*.wild\" = [\"TXT \\\"w\\\"\"]", "\"a.b.deep\" = [\"A 192.0.2.7\"]"})));
  ASSERT_EQ(zone.services.size(), 2u);
  EXPECT_EQ(zone.services[0].owner.toText(), "x.wild.example.test.");
  EXPECT_EQ(zone.services[1].owner.toText(), "deep.example.test.");
}

TEST(ServiceTableTest, ExampleZoneHasOneServicePerPolicy) {
  LoadResult result = loadZoneFile(NINES_SOURCE_DIR "/zones/examples/gslb.example.test.toml");
  for (const base::Diagnostic& error : result.errors) ADD_FAILURE() << error.toString();
  ASSERT_EQ(result.zones.size(), 1u);
  const Zone& zone = result.zones[0];
  EXPECT_EQ(zone.origin.toText(), "gslb.example.test.");

  ASSERT_EQ(zone.regions.size(), 3u);
  EXPECT_EQ(zone.regions[0].name, "us-east");
  EXPECT_EQ(zone.regions[1].name, "eu-west");
  EXPECT_EQ(zone.regions[2].name, "ap-south");
  for (const Region& region : zone.regions) EXPECT_TRUE(region.location.has_value());
  // Documentation addresses answer nothing: no checks in this zone.
  EXPECT_TRUE(zone.checks.empty());

  ASSERT_EQ(zone.services.size(), 4u);
  std::vector<std::string> names;
  for (const Service& service : zone.services) {
    names.push_back(service.name);
    EXPECT_EQ(service.check, "") << service.name;
  }
  EXPECT_EQ(names, (std::vector<std::string>{"www", "api", "db", "cdn.static"}));

  const Service& www = zone.services[0];
  EXPECT_EQ(www.policy, PolicyKind::Geo);
  EXPECT_EQ(www.pools.size(), 3u);
  EXPECT_FALSE(www.geo.continent.empty());
  EXPECT_FALSE(www.geo.country.empty());
  EXPECT_FALSE(www.geo.nets.empty());
  EXPECT_EQ(www.geo.continent.at("EU"), (std::vector<std::string>{"eu-west", "us-east"}));

  const Service& api = zone.services[1];
  EXPECT_EQ(api.policy, PolicyKind::Weighted);
  ASSERT_EQ(api.pools.size(), 2u);
  EXPECT_EQ(api.pools[0].weight, 90u);
  EXPECT_EQ(api.pools[1].weight, 10u);

  const Service& db = zone.services[2];
  EXPECT_EQ(db.policy, PolicyKind::Failover);
  EXPECT_EQ(db.order, (std::vector<std::string>{"us-east", "eu-west"}));
  EXPECT_EQ(db.fallback, Fallback::None);

  const Service& cdn = zone.services[3];
  EXPECT_EQ(cdn.policy, PolicyKind::Latency);
  EXPECT_EQ(cdn.owner.toText(), "cdn.static.gslb.example.test.");
  EXPECT_EQ(cdn.answers, 2u);
  ASSERT_EQ(cdn.pools.size(), 3u);
  EXPECT_TRUE(cdn.pools[2].drain);

  // Every endpoint is in a documentation range (RFC 5737, RFC 3849).
  std::vector<Cidr> documentation;
  for (const char* text : {"192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32"}) {
    documentation.push_back(*Cidr::parse(text, nullptr));
  }
  for (const Service& service : zone.services) {
    for (const Pool& pool : service.pools) {
      for (const IpAddress& endpoint : pool.endpoints) {
        EXPECT_TRUE(std::any_of(documentation.begin(), documentation.end(), [&](const Cidr& range) {
          return range.contains(endpoint);
        })) << endpoint.toString();
      }
    }
  }
}

}  // namespace
}  // namespace nines::zones
