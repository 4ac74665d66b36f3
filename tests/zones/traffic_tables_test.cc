// [regions] and [checks] of a zone file (zones/src/traffic_tables.cc); [services] is in
// service_table_test.cc.

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
using test_files::TempDir;

// A valid zone in lines 1 to 11, [records] last; `tables` start on line 12.
std::string zoneWith(const std::string& tables) {
  return lines({"origin = \"example.test.\"", "[soa]", "mname = \"ns1\"", "rname = \"hostmaster\"",
                "refresh = 1", "retry = 1", "expire = 1", "minimum = 1", "[records]",
                "\"@\" = [\"NS ns1\"]", "ns1 = [\"A 192.0.2.53\"]"}) +
         tables;
}

// A check on line 12 with `more` from line 14 on.
std::string check(const std::string& more, const std::string& type = "http") {
  return zoneWith(lines({"[checks.web]", "type = \"" + type + "\""}) + more);
}
std::string httpCheck(const std::string& more) { return check("port = 80\n" + more); }

const std::vector<BrokenCase> kCases = {
    // [regions]
    {"regions not a table",
     edit(zoneWith(""), "[soa]", "regions = 5\n[soa]"),
     {"zone.toml:2:11: regions must be a table of [regions.NAME] sections, not an integer"}},
    {"region not a table",
     zoneWith(lines({"[regions]", "eu = 5"})),
     {"zone.toml:13:6: regions.eu must be a table, not an integer"}},
    {"region name upper case",
     zoneWith(lines({"[regions.EU]"})),
     {"zone.toml:12:10: region name \"EU\" must be 1 to 63 characters of a-z, 0-9, '-' and '_'"}},
    {"region name with a dot",
     zoneWith(lines({"[regions.\"eu.west\"]"})),
     {"zone.toml:12:10: region name \"eu.west\" must be 1 to 63 characters of a-z, 0-9, '-' and "
      "'_'"}},
    {"region unknown key",
     zoneWith(lines({"[regions.eu]", "locaton = [1, 2]"})),
     {"zone.toml:13:1: unknown key \"locaton\" in [regions.eu] (expected location, drain)"}},
    {"location one number",
     zoneWith(lines({"[regions.eu]", "location = [53.3]"})),
     {"zone.toml:13:12: regions.eu.location must be [latitude, longitude] in degrees, e.g. "
      "[38.9, -77.0]"}},
    {"location a string",
     zoneWith(lines({"[regions.eu]", "location = \"Dublin\""})),
     {"zone.toml:13:12: regions.eu.location must be [latitude, longitude] in degrees, e.g. "
      "[38.9, -77.0], not a string"}},
    {"latitude out of range",
     zoneWith(lines({"[regions.eu]", "location = [91, 0]"})),
     {"zone.toml:13:13: regions.eu.location latitude 91 is out of range (-90 to 90)"}},
    {"longitude out of range",
     zoneWith(lines({"[regions.eu]", "location = [0, -180.5]"})),
     {"zone.toml:13:16: regions.eu.location longitude -180.5 is out of range (-180 to 180)"}},
    {"latitude not a number",
     zoneWith(lines({"[regions.eu]", "location = [\"N\", 0]"})),
     {"zone.toml:13:13: regions.eu.location latitude must be a number of degrees, not a string"}},
    {"longitude not finite",
     zoneWith(lines({"[regions.eu]", "location = [0, nan]"})),
     {"zone.toml:13:16: regions.eu.location longitude must be a finite number, not nan"}},
    {"region drain not a boolean",
     zoneWith(lines({"[regions.eu]", "drain = \"yes\""})),
     {"zone.toml:13:9: regions.eu.drain must be true or false, not a string"}},
    // [checks]
    {"checks not a table",
     edit(zoneWith(""), "[soa]", "checks = [1]\n[soa]"),
     {"zone.toml:2:10: checks must be a table of [checks.NAME] sections, not an array"}},
    {"check name",
     zoneWith(lines({"[checks.Web]", "type = \"tcp\"", "port = 80"})),
     {"zone.toml:12:9: check name \"Web\" must be 1 to 63 characters of a-z, 0-9, '-' and '_'"}},
    {"check unknown key",
     httpCheck("prot = 80\n"),
     {"zone.toml:15:1: unknown key \"prot\" in [checks.web] (expected type, port, path, "
      "expect_status, expect_body, interval, timeout, rise, fall, host, tls_verify, target, "
      "expect_rcode, query, query_type, expect_answer)"}},
    {"empty expected DNS answer",
     httpCheck("expect_answer = \"\"\n"),
     {"zone.toml:15:17: checks.web.expect_answer is empty; leave it out to accept any answer"}},
    {"check without a type",
     zoneWith(lines({"[checks.web]", "port = 80"})),
     {"zone.toml:12:1: [checks.web] is missing \"type\" (http, https, tcp or dns)"}},
    {"unknown check type",
     check("port = 80\n", "icmp"),
     {"zone.toml:13:8: checks.web.type \"icmp\" is not one of http, https, tcp, dns"}},
    {"http check without a port",
     check(""),
     {"zone.toml:12:1: [checks.web] is missing \"port\" (required for type \"http\")"}},
    {"tcp check without a port",
     check("", "tcp"),
     {"zone.toml:12:1: [checks.web] is missing \"port\" (required for type \"tcp\")"}},
    {"port 0",
     check("port = 0\n"),
     {"zone.toml:14:8: checks.web.port 0 is out of range (1 to 65535)"}},
    {"port too large",
     check("port = 65536\n"),
     {"zone.toml:14:8: checks.web.port 65536 is out of range (1 to 65535)"}},
    {"port a string",
     check("port = \"80\"\n"),
     {"zone.toml:14:8: checks.web.port must be an integer, not a string"}},
    {"path without a slash",
     httpCheck("path = \"health\"\n"),
     {"zone.toml:15:8: checks.web.path \"health\" must start with \"/\""}},
    {"path with a space",
     httpCheck("path = \"/a b\"\n"),
     {"zone.toml:15:8: checks.web.path \"/a b\" must not contain spaces or control characters "
      "(percent-encode them)"}},
    {"status out of range",
     httpCheck("expect_status = 99\n"),
     {"zone.toml:15:17: checks.web.expect_status 99 is out of range (100 to 599)"}},
    {"status in a list out of range",
     httpCheck("expect_status = [200, 600]\n"),
     {"zone.toml:15:23: checks.web.expect_status 600 is out of range (100 to 599)"}},
    {"status list empty",
     httpCheck("expect_status = []\n"),
     {"zone.toml:15:17: checks.web.expect_status must list at least one status code"}},
    {"status a string that is not a range",
     httpCheck("expect_status = \"200\"\n"),
     {"zone.toml:15:17: checks.web.expect_status \"200\" must be a range of status codes like "
      "\"200-299\" (100 to 599)"}},
    {"status range backwards",
     httpCheck("expect_status = [\"299-200\"]\n"),
     {"zone.toml:15:18: checks.web.expect_status \"299-200\" must be a range of status codes like "
      "\"200-299\" (100 to 599)"}},
    {"status a table",
     httpCheck("expect_status = { a = 1 }\n"),
     {"zone.toml:15:17: checks.web.expect_status must be a status code, a range like \"200-299\", "
      "or an array of them, e.g. [200, 204], not a table"}},
    {"body not a string",
     httpCheck("expect_body = 5\n"),
     {"zone.toml:15:15: checks.web.expect_body must be a string, not an integer"}},
    {"interval 0",
     httpCheck("interval = 0\n"),
     {"zone.toml:15:12: checks.web.interval 0 must be more than 0"}},
    {"interval with a unit",
     httpCheck("interval = \"2s\"\n"),
     {"zone.toml:15:12: checks.web.interval must be a number of seconds, not a string"}},
    {"interval infinite",
     httpCheck("interval = inf\n"),
     {"zone.toml:15:12: checks.web.interval must be a finite number, not inf"}},
    {"timeout negative",
     httpCheck("timeout = -1.5\n"),
     {"zone.toml:15:11: checks.web.timeout -1.5 must be more than 0"}},
    {"timeout longer than the interval",
     httpCheck("interval = 2\ntimeout = 2.5\n"),
     {"zone.toml:16:11: checks.web.timeout 2.5 is longer than the interval 2 (a check must end "
      "before the next one starts)"}},
    {"timeout longer than the default interval",
     httpCheck("timeout = 3\n"),
     {"zone.toml:15:11: checks.web.timeout 3 is longer than the interval 2 (a check must end "
      "before the next one starts)"}},
    {"rise 0",
     httpCheck("rise = 0\n"),
     {"zone.toml:15:8: checks.web.rise 0 is out of range (1 to 4294967295)"}},
    {"fall negative",
     httpCheck("fall = -1\n"),
     {"zone.toml:15:8: checks.web.fall -1 is out of range (1 to 4294967295)"}},
    {"host with a space",
     httpCheck("host = \"www example\"\n"),
     {"zone.toml:15:8: checks.web.host \"www example\" must not contain spaces or control "
      "characters"}},
    {"tls_verify a string",
     httpCheck("tls_verify = \"no\"\n"),
     {"zone.toml:15:14: checks.web.tls_verify must be true or false, not a string"}},
    {"target a name",
     httpCheck("target = \"backend\"\n"),
     {"zone.toml:15:10: checks.web.target \"backend\" must be ADDR or ADDR:PORT with a port from "
      "1 to 65535, e.g. \"192.0.2.1\", \"192.0.2.1:53\" or \"[2001:db8::1]:53\""}},
    {"target port 0",
     httpCheck("target = \"192.0.2.1:0\"\n"),
     {"zone.toml:15:10: checks.web.target \"192.0.2.1:0\" must be ADDR or ADDR:PORT with a port "
      "from 1 to 65535, e.g. \"192.0.2.1\", \"192.0.2.1:53\" or \"[2001:db8::1]:53\""}},
    {"target IPv4 in brackets",
     httpCheck("target = \"[192.0.2.1]:80\"\n"),
     {"zone.toml:15:10: checks.web.target \"[192.0.2.1]:80\" must be ADDR or ADDR:PORT with a "
      "port from 1 to 65535, e.g. \"192.0.2.1\", \"192.0.2.1:53\" or \"[2001:db8::1]:53\""}},
    {"unknown rcode",
     check("expect_rcode = \"ok\"\n", "dns"),
     {"zone.toml:14:16: checks.web.expect_rcode \"OK\" is not one of NOERROR, FORMERR, "
      "SERVFAIL, NXDOMAIN, NOTIMP, REFUSED, YXDOMAIN, YXRRSET, NXRRSET, NOTAUTH, NOTZONE"}},
    {"query not a name",
     check("query = \"a..b\"\n", "dns"),
     {"zone.toml:14:9: checks.web.query \"a..b\" is not a valid name: empty label in name"}},
    {"unknown query type",
     check("query_type = \"FOO\"\n", "dns"),
     {"zone.toml:14:14: checks.web.query_type \"FOO\" is not a record type"}},
    {"query type AXFR",
     check("query_type = \"axfr\"\n", "dns"),
     {"zone.toml:14:14: checks.web.query_type \"axfr\" is not a data type; ask for one such as "
      "SOA, A or AAAA"}},
    {"every check error at once",
     zoneWith(lines({"[checks.a]", "port = 0", "[checks.b]", "type = \"tcp\"", "rise = 0",
                     "[regions.eu]", "drain = 1"})),
     {"zone.toml:12:1: [checks.a] is missing \"type\" (http, https, tcp or dns)",
      "zone.toml:13:8: checks.a.port 0 is out of range (1 to 65535)",
      "zone.toml:14:1: [checks.b] is missing \"port\" (required for type \"tcp\")",
      "zone.toml:16:8: checks.b.rise 0 is out of range (1 to 4294967295)",
      "zone.toml:18:9: regions.eu.drain must be true or false, not an integer"}},
};

TEST(TrafficTablesTest, BrokenRegionsAndChecks) { expectLoadErrors(kCases); }

TEST(TrafficTablesTest, Regions) {
  Zone zone =
      loadOne(zoneWith(lines({"[regions.us-east]", "location = [38.9, -77]", "[regions.ap_south-2]",
                              "drain = true", "[regions.eu-west]", "location = [-90, 180]"})));
  ASSERT_EQ(zone.regions.size(), 3u);
  // File order, not key order.
  const Region& us = zone.regions[0];
  EXPECT_EQ(us.name, "us-east");
  ASSERT_TRUE(us.location.has_value());
  EXPECT_DOUBLE_EQ(us.location->latitude, 38.9);
  EXPECT_DOUBLE_EQ(us.location->longitude, -77.0);
  EXPECT_FALSE(us.drain);
  EXPECT_EQ(us.where.line, 12u);
  EXPECT_EQ(us.where.column, 10u);
  EXPECT_EQ(zone.regions[1].name, "ap_south-2");
  EXPECT_FALSE(zone.regions[1].location.has_value());
  EXPECT_TRUE(zone.regions[1].drain);
  EXPECT_EQ(zone.regions[2].name, "eu-west");
  EXPECT_DOUBLE_EQ(zone.regions[2].location->latitude, -90.0);
  EXPECT_DOUBLE_EQ(zone.regions[2].location->longitude, 180.0);
  EXPECT_TRUE(zone.checks.empty());
  EXPECT_TRUE(zone.services.empty());
}

TEST(TrafficTablesTest, CheckDefaults) {
  Zone zone = loadOne(zoneWith(lines({"[checks.t]", "type = \"tcp\"", "port = 5432", "[checks.d]",
                                      "type = \"dns\"", "interval = 0.5"})));
  ASSERT_EQ(zone.checks.size(), 2u);
  const Check& tcp = zone.checks[0];
  EXPECT_EQ(tcp.name, "t");
  EXPECT_EQ(tcp.type, "tcp");
  EXPECT_EQ(tcp.port, 5432);
  EXPECT_EQ(tcp.path, "/");
  EXPECT_EQ(tcp.expect_status, std::vector<std::uint16_t>{200});
  EXPECT_EQ(tcp.expect_body, "");
  EXPECT_EQ(tcp.interval, 2.0);
  EXPECT_EQ(tcp.timeout, 1.0);
  EXPECT_EQ(tcp.rise, 2u);
  EXPECT_EQ(tcp.fall, 2u);
  EXPECT_EQ(tcp.host, "");
  EXPECT_TRUE(tcp.tls_verify);
  EXPECT_FALSE(tcp.target.has_value());
  EXPECT_EQ(tcp.target_port, 0);
  EXPECT_EQ(tcp.expect_rcode, "NOERROR");
  EXPECT_EQ(tcp.query, zone.origin);
  EXPECT_EQ(tcp.query_type, rrtype::SOA);
  EXPECT_EQ(tcp.where.line, 12u);
  EXPECT_EQ(tcp.where.column, 9u);
  const Check& dns = zone.checks[1];
  EXPECT_EQ(dns.type, "dns");
  EXPECT_EQ(dns.port, 53);  // the default for dns
  EXPECT_EQ(dns.interval, 0.5);
  EXPECT_EQ(dns.timeout, 0.5);  // the default 1 capped by the shorter interval
}

TEST(TrafficTablesTest, CheckWithEveryKey) {
  Zone zone = loadOne(zoneWith(lines({
      "[checks.web]",
      "type = \"https\"",
      "port = 8443",
      "path = \"/health?full=1\"",
      "expect_status = [200, 204, \"300-302\"]",
      "expect_body = \"ok\"",
      "interval = 5",
      "timeout = 5",
      "rise = 3",
      "fall = 1",
      "host = \"www.example.test\"",
      "tls_verify = false",
      "target = \"[2001:db8::1]:8443\"",
      "expect_rcode = \"nxdomain\"",
      "query = \"probe\"",
      "query_type = \"aaaa\"",
      "[checks.one]",
      "type = \"http\"",
      "port = 80",
      "expect_status = 301",
      "target = \"192.0.2.7\"",
      "query = \"probe.other.test.\"",
      "query_type = \"TYPE65280\"",
  })));
  ASSERT_EQ(zone.checks.size(), 2u);
  const Check& web = zone.checks[0];
  EXPECT_EQ(web.type, "https");
  EXPECT_EQ(web.port, 8443);
  EXPECT_EQ(web.path, "/health?full=1");
  EXPECT_EQ(web.expect_status, (std::vector<std::uint16_t>{200, 204, 300, 301, 302}));
  EXPECT_EQ(web.expect_body, "ok");
  EXPECT_EQ(web.interval, 5.0);
  EXPECT_EQ(web.timeout, 5.0);
  EXPECT_EQ(web.rise, 3u);
  EXPECT_EQ(web.fall, 1u);
  EXPECT_EQ(web.host, "www.example.test");
  EXPECT_FALSE(web.tls_verify);
  EXPECT_EQ(web.target, IpAddress::parse("2001:db8::1"));
  EXPECT_EQ(web.target_port, 8443);
  EXPECT_EQ(web.expect_rcode, "NXDOMAIN");
  EXPECT_EQ(web.query.toText(), "probe.example.test.");
  EXPECT_EQ(web.query_type, rrtype::AAAA);
  const Check& one = zone.checks[1];
  EXPECT_EQ(one.expect_status, std::vector<std::uint16_t>{301});
  EXPECT_EQ(one.target, IpAddress::parse("192.0.2.7"));
  EXPECT_EQ(one.target_port, 0);
  EXPECT_EQ(one.query.toText(), "probe.other.test.");
  EXPECT_EQ(one.query_type, 65280);
}

TEST(TrafficTablesTest, CheckTargets) {
  struct Case {
    std::string text;
    std::string address;  // empty: rejected
    std::uint16_t port;
  };
  const std::vector<Case> cases = {
      {"192.0.2.1", "192.0.2.1", 0},
      {"192.0.2.1:53", "192.0.2.1", 53},
      {"2001:db8::1", "2001:db8::1", 0},
      {"2001:db8::1:53", "2001:db8::1:53", 0},  // an address, not a port
      {"[2001:db8::1]:65535", "2001:db8::1", 65535},
      {"192.0.2.1:65536", "", 0},
      {"192.0.2.1:", "", 0},
      {"192.0.2.1:+5", "", 0},
      {"[2001:db8::1]", "", 0},
      {"[2001:db8::1]:", "", 0},
      {"", "", 0},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    TempDir dir;
    LoadResult result =
        loadZoneFile(dir.write("zone.toml", httpCheck("target = \"" + c.text + "\"\n")));
    if (c.address.empty()) {
      EXPECT_EQ(result.errors.size(), 1u);
      continue;
    }
    ASSERT_EQ(result.zones.size(), 1u);
    const Check& parsed = result.zones[0].checks.at(0);
    EXPECT_EQ(parsed.target, IpAddress::parse(c.address));
    EXPECT_EQ(parsed.target_port, c.port);
  }
}

}  // namespace
}  // namespace nines::zones
