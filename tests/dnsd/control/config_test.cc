// dnsd::loadServerConfig on [http] and [geo] (DESIGN.md "Files"; STYLE rule 3): every problem
// is reported at once as `file:line:col: message`, pointing at the key or value at fault, and
// good files are read into the right values with paths taken relative to the file.
#include "nines/dnsd/control/config.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "process.h"

namespace nines::dnsd {
namespace {

using nines::testing::TempDir;
using Strings = std::vector<std::string>;

// Every snippet follows this valid [server] table, so its first line is line 4 of the file.
const std::string kServer = "[server]\nlisten = [\"127.0.0.1:0\"]\nzones = \"zones\"\n";
constexpr std::uint32_t kFirstLine = 4;

// An expected error: on line `line` of the snippet (1-based), at the column where `marker`
// first occurs on that line.
struct At {
  std::uint32_t line;
  std::string marker;
  std::string message;
};

struct BadCase {
  std::string snippet;
  std::vector<At> errors;
};

std::string lineOf(const std::string& text, std::uint32_t line) {
  std::size_t start = 0;
  for (std::uint32_t i = 1; i < line && start != std::string::npos; ++i) {
    start = text.find('\n', start);
    if (start != std::string::npos) ++start;
  }
  if (start == std::string::npos) return "";
  return text.substr(start, text.find('\n', start) - start);
}

const std::string kIpv4Hint = "not an IPv4 address (IPv6 goes in brackets: \"[::1]:53\")";
const std::string kNetShape =
    "\" must be { continent = \"EU\", country = \"IE\", location = [lat, lon] }";
const std::string kCode = " must be a two-letter upper-case code";
const std::string kLatLon = "location: latitude must be within -90..90 and longitude -180..180";

const std::string kFieldPath =
    " must be a path of keys joined by dots, such as \"country.iso_code\", or \"\" not to read it";

const BadCase kBadCases[] = {
    // [http] listen: one string or an array of strings, each ADDRESS:PORT.
    {"[http]\nlisten = \"localhost:8053\"\n", {{2, "\"localhost", "listen: " + kIpv4Hint}}},
    {"[http]\nlisten = \"127.0.0.1\"\n", {{2, "\"127", "listen: expected \"ADDRESS:PORT\""}}},
    {"[http]\nlisten = \"127.0.0.1:99999\"\n",
     {{2, "\"127", "listen: port must be a number from 0 to 65535"}}},
    {"[http]\nlisten = \"[::1:8053\"\n", {{2, "\"[", "listen: expected \"[IPv6]:PORT\""}}},
    {"[http]\nlisten = [\"127.0.0.1:8053\", \"[::1:8053\"]\n",
     {{2, "\"[::1", "listen \"[::1:8053\": expected \"[IPv6]:PORT\""}}},
    {"[http]\nlisten = 8053\n", {{2, "8053", "listen must be an array of \"ADDRESS:PORT\""}}},
    {"[http]\nlisten = [8053]\n",
     {{2, "8053", "listen entries must be strings like \"127.0.0.1:8053\""}}},
    // [http] token and test_hooks.
    {"[http]\ntoken = 12345\n", {{2, "12345", "token must be a string"}}},
    {"[http]\ntoken = [\"a\", \"b\"]\n", {{2, "[", "token must be a string"}}},
    {"[http]\ntest_hooks = \"yes\"\n", {{2, "\"yes", "test_hooks must be true or false"}}},
    {"[http]\nrequests_per_second = -1\n",
     {{2, "-1", "requests_per_second must be a number from 0 to 1000000"}}},
    {"[http]\nburst = 0\n", {{2, "0", "burst must be a number from 1 to 1000000"}}},
    {"[http]\nmax_connections_per_client = 0\n",
     {{2, "0", "max_connections_per_client must be an integer from 1 to 1000000"}}},
    {"[http]\nheader_timeout = 0\n", {{2, "0", "header_timeout must be seconds in (0, 3600]"}}},
    {"[http]\nrequest_timeout = \"long\"\n",
     {{2, "\"long", "request_timeout must be seconds in (0, 3600]"}}},
    {"[http]\nlisten = \"127.0.0.1:8053\"\nport = 8053\n",
     {{3, "port", "unknown key \"port\" in [http]"}}},
    // [geo]
    {"[geo]\ndatabase = 5\n", {{2, "5", "database must be a path string"}}},
    {"[geo]\nfile = \"city.mmdb\"\n", {{2, "file", "unknown key \"file\" in [geo]"}}},
    {"[geo]\nnets = 5\n", {{2, "5", "[geo.nets] must be a table of CIDR = { ... }"}}},
    // [geo] databases, cache_entries, watch and [geo.fields].
    {"[geo]\ndatabases = \"v4.mmdb\"\n",
     {{2, "\"v4", "databases must be an array of paths, such as [\"v4.mmdb\", \"v6.mmdb\"]"}}},
    {"[geo]\ndatabases = [\"v4.mmdb\", 6, \"\"]\n",
     {{2, "6", "databases entries must be path strings"},
      {2, "\"\"", "databases entries must be path strings"}}},
    {"[geo]\ndatabase = \"v4.mmdb\"\ndatabases = [\"v6.mmdb\", \"./v4.mmdb\"]\n",
     {{3, "\"./v4", "GeoIP database \"./v4.mmdb\" is named twice"}}},
    {"[geo]\ncache_entries = -1\n",
     {{2, "-1", "cache_entries must be an integer from 0 to 4194304"}}},
    {"[geo]\ncache_entries = 4194305\n",
     {{2, "4194305", "cache_entries must be an integer from 0 to 4194304"}}},
    {"[geo]\ncache_entries = 1.5\n",
     {{2, "1.5", "cache_entries must be an integer from 0 to 4194304"}}},
    {"[geo]\nwatch = \"yes\"\n", {{2, "\"yes", "watch must be true or false"}}},
    {"[geo]\nfields = 5\n",
     {{2, "5", "[geo.fields] must be a table such as { country = \"country_code\" }"}}},
    {"[geo.fields]\ncity = \"city\"\n", {{2, "city", "unknown key \"city\" in [geo.fields]"}}},
    {"[geo.fields]\ncountry = \"country..iso_code\"\nasn = 5\ncontinent = \".code\"\n",
     {{2, "\"country", "country" + kFieldPath},
      {3, "5", "asn" + kFieldPath},
      {4, "\".code", "continent" + kFieldPath}}},
    {"[geo.fields]\nlatitude = \"\"\n",
     {{1, "[geo.fields]", "[geo.fields] latitude and longitude are read both or neither"}}},
    // [geo.nets] keys: CIDR networks with no host bits set.
    {"[geo.nets]\n\"192.0.2.1/24\" = { continent = \"NA\" }\n",
     {{2, "\"192",
       "[geo.nets] \"192.0.2.1/24\": host bits set beyond /24 (did you mean 192.0.2.0/24?)"}}},
    {"[geo.nets]\n\"2001:db8::1/32\" = { continent = \"EU\" }\n",
     {{2, "\"2001",
       "[geo.nets] \"2001:db8::1/32\": host bits set beyond /32 (did you mean 2001:db8::/32?)"}}},
    {"[geo.nets]\n\"192.0.2.0/33\" = { continent = \"NA\" }\n",
     {{2, "\"192", "[geo.nets] \"192.0.2.0/33\": prefix length must be 0 to 32"}}},
    {"[geo.nets]\n\"192.0.2.0\" = { continent = \"NA\" }\n",
     {{2, "\"192", "[geo.nets] \"192.0.2.0\": expected ADDRESS/PREFIX"}}},
    {"[geo.nets]\n\"example.net/24\" = { continent = \"NA\" }\n",
     {{2, "\"example", "[geo.nets] \"example.net/24\": \"example.net\" is not an IP address"}}},
    // [geo.nets] values.
    {"[geo.nets]\n\"192.0.2.0/24\" = \"NA\"\n",
     {{2, "\"NA", "[geo.nets] \"192.0.2.0/24" + kNetShape}}},
    {"[geo.nets]\n\"192.0.2.0/24\" = { continent = \"NA\", city = \"Reston\" }\n",
     {{2, "city", "unknown key \"city\" in [geo.nets] \"192.0.2.0/24\""}}},
    {"[geo.nets]\n\"192.0.2.0/24\" = { continent = \"Europe\" }\n",
     {{2, "\"Europe", "continent" + kCode}}},
    {"[geo.nets]\n\"192.0.2.0/24\" = { continent = \"eu\" }\n", {{2, "\"eu", "continent" + kCode}}},
    {"[geo.nets]\n\"192.0.2.0/24\" = { continent = 7 }\n", {{2, "7", "continent" + kCode}}},
    {"[geo.nets]\n\"192.0.2.0/24\" = { country = \"ie\" }\n", {{2, "\"ie", "country" + kCode}}},
    {"[geo.nets]\n\"192.0.2.0/24\" = { country = \"IRL\" }\n", {{2, "\"IRL", "country" + kCode}}},
    {"[geo.nets]\n\"192.0.2.0/24\" = { location = [91.0, 0.0] }\n", {{2, "[91", kLatLon}}},
    {"[geo.nets]\n\"192.0.2.0/24\" = { location = [0.0, -180.5] }\n", {{2, "[0.0", kLatLon}}},
    {"[geo.nets]\n\"192.0.2.0/24\" = { location = [53.3] }\n",
     {{2, "[53", "location must be [latitude, longitude]"}}},
    {"[geo.nets]\n\"192.0.2.0/24\" = { location = \"Dublin\" }\n",
     {{2, "\"Dublin", "location must be [latitude, longitude]"}}},
    {"[geo.nets]\n\"192.0.2.0/24\" = { location = [\"53.3\", \"-6.3\"] }\n",
     {{2, "[\"53", "location must be [latitude, longitude]"}}},
    // Every problem at once.
    {"[http]\nlisten = \"nowhere\"\ntoken = true\ncolour = \"blue\"\n"
     "[geo.nets]\n\"198.51.100.7/24\" = { continent = \"EU\" }\n"
     "\"203.0.113.0/24\" = { country = \"india\", location = [19.1, 272.9] }\n",
     {{2, "\"nowhere", "listen: expected \"ADDRESS:PORT\""},
      {3, "true", "token must be a string"},
      {4, "colour", "unknown key \"colour\" in [http]"},
      {6, "\"198",
       "[geo.nets] \"198.51.100.7/24\": host bits set beyond /24 (did you mean 198.51.100.0/24?)"},
      {7, "\"india", "country" + kCode},
      {7, "[19", kLatLon}}},
};

// Loads kServer + the snippet and expects exactly `c.errors` (in any order).
void expectErrors(const BadCase& c) {
  SCOPED_TRACE(c.snippet);
  TempDir dir;
  std::string path = dir.write("dnsd.toml", kServer + c.snippet);
  ConfigResult result = loadServerConfig(path);
  Strings got, want;
  for (const auto& error : result.errors) got.push_back(error.toString());
  for (const At& at : c.errors) {
    std::string line = lineOf(c.snippet, at.line);
    std::size_t column = line.find(at.marker);
    ASSERT_NE(column, std::string::npos) << "bad test: no " << at.marker << " in " << line;
    want.push_back(path + ":" + std::to_string(kFirstLine - 1 + at.line) + ":" +
                   std::to_string(column + 1) + ": " + at.message);
  }
  // Every problem, each once; the order among them is not part of the contract.
  std::sort(got.begin(), got.end());
  std::sort(want.begin(), want.end());
  EXPECT_EQ(got, want);
}

TEST(ServerConfig, ReportsEachHttpAndGeoProblemAtItsPlace) {
  for (const BadCase& c : kBadCases) expectErrors(c);
}

// base64 of "0123456789abcdef": the shortest key decodeKey takes.
const std::string kKey = "MDEyMzQ1Njc4OWFiY2RlZg==";
const std::string kQuorum = "quorum must be a number from 0 up to (not including) 1";
const std::string kIdShape = "id must be 1 to 64 letters, digits, '.', '_' or '-'";

const BadCase kHealthBadCases[] = {
    {"[health]\nquorum = 1.0\n", {{2, "1.0", kQuorum}}},
    {"[health]\nquorum = -0.1\n", {{2, "-0.1", kQuorum}}},
    {"[health]\nquorum = \"half\"\n", {{2, "\"half", kQuorum}}},
    {"[health]\nreport_ttl = 0\n", {{2, "0", "report_ttl must be seconds in (0, 86400]"}}},
    {"[health]\nmax_skew = \"30\"\n", {{2, "\"30", "max_skew must be seconds in (0, 86400]"}}},
    {"[health]\ncolour = 1\n", {{2, "colour", "unknown key \"colour\" in [health]"}}},
    {"[health]\nallow_nets = \"127.0.0.0/8\"\n",
     {{2, "\"127", "allow_nets must be an array of networks like \"127.0.0.0/8\""}}},
    {"[health]\nallow_nets = [8]\n",
     {{2, "8", "allow_nets entries must be strings like \"127.0.0.0/8\""}}},
    {"[health]\nallow_nets = [\"127.0.0.0/8\", \"127.0.0.1/8\"]\n",
     {{2, "\"127.0.0.1",
       "allow_nets \"127.0.0.1/8\": host bits set beyond /8 (did you mean 127.0.0.0/8?)"}}},
    {"[health]\nprobers = 5\n",
     {{2, "5", "probers must be [[health.probers]] tables with id and key"}}},
    {"[[health.probers]]\nid = \"eu-1\"\nkey = \"c2hvcnQ=\"\n",
     {{3, "\"c2h", "key of prober \"eu-1\" must be base64 of at least 16 bytes"}}},
    {"[[health.probers]]\nid = \"eu-1\"\nkey = \"not base64 at all!\"\n",
     {{3, "\"not", "key of prober \"eu-1\" must be base64 of at least 16 bytes"}}},
    {"[[health.probers]]\nid = \"eu-1\"\nkey = 16\n",
     {{3, "16", "key of prober \"eu-1\" must be a string"}}},
    {"[[health.probers]]\nid = \"eu 1\"\nkey = \"" + kKey + "\"\n", {{2, "\"eu", kIdShape}}},
    {"[[health.probers]]\nid = \"\"\nkey = \"" + kKey + "\"\n", {{2, "\"\"", kIdShape}}},
    {"[[health.probers]]\nid = \"eu-1\"\nkey = \"" + kKey + "\"\nsecret = 1\n",
     {{4, "secret", "unknown key \"secret\" in [[health.probers]]"}}},
    {"[[health.probers]]\nid = \"eu-1\"\nkey = \"" + kKey +
         "\"\n[[health.probers]]\nid = \"eu-1\"\nkey = \"" + kKey + "\"\n",
     {{5, "\"eu-1", "prober \"eu-1\" is listed twice"}}},
    {"[[health.probers]]\nid = \"eu-1\"\nkey = \"" + kKey + "\"\nprevious_key = \"c2hvcnQ=\"\n",
     {{4, "\"c2h", "previous_key of prober \"eu-1\" must be base64 of at least 16 bytes"}}},
    {"[[health.probers]]\nid = \"eu-1\"\nkey = \"" + kKey + "\"\nprevious_key = 7\n",
     {{4, "7", "previous_key of prober \"eu-1\" must be a string"}}},
};

TEST(ServerConfig, ReportsEachHealthProblemAtItsPlace) {
  for (const BadCase& c : kHealthBadCases) expectErrors(c);
}

TEST(ServerConfig, HealthProbersNeedAnIdAndAKey) {
  // Where a table without the key starts is TOML++'s business: only the line is checked here.
  for (const std::string& snippet : {"[[health.probers]]\nkey = \"" + kKey + "\"\n",
                                     std::string("[[health.probers]]\nid = \"eu-1\"\n")}) {
    SCOPED_TRACE(snippet);
    TempDir dir;
    ConfigResult result = loadServerConfig(dir.write("dnsd.toml", kServer + snippet));
    ASSERT_EQ(result.errors.size(), 1u);
    EXPECT_NE(result.errors[0].message.find("needs"), std::string::npos)
        << result.errors[0].toString();
    EXPECT_TRUE(result.config.health.probers.empty());
  }
}

TEST(ServerConfig, ReadsHealth) {
  TempDir dir;
  ConfigResult defaults = loadServerConfig(dir.write("a.toml", kServer));
  ASSERT_TRUE(defaults.errors.empty());
  EXPECT_DOUBLE_EQ(defaults.config.health.quorum, 0.5);
  EXPECT_DOUBLE_EQ(defaults.config.health.report_ttl, 10.0);
  EXPECT_DOUBLE_EQ(defaults.config.health.max_skew, 30.0);
  EXPECT_TRUE(defaults.config.health.allow_nets.empty());
  EXPECT_TRUE(defaults.config.health.probers.empty());

  ConfigResult result = loadServerConfig(dir.write("b.toml", kServer + R"([health]
quorum = 0
report_ttl = 2.5
max_skew = 5
allow_nets = ["127.0.0.0/8", "::1/128"]
[[health.probers]]
id = "eu-1"
key = ")" + kKey + R"("
[[health.probers]]
id = "us_east.2"
key = "c2l4dGVlbiBieXRlcyBrZXkhIQ=="
)"));
  ASSERT_TRUE(result.errors.empty()) << result.errors.front().toString();
  const HealthConfig& health = result.config.health;
  EXPECT_DOUBLE_EQ(health.quorum, 0.0);
  EXPECT_DOUBLE_EQ(health.report_ttl, 2.5);
  EXPECT_DOUBLE_EQ(health.max_skew, 5.0);
  ASSERT_EQ(health.allow_nets.size(), 2u);
  EXPECT_EQ(health.allow_nets[0].toString(), "127.0.0.0/8");
  EXPECT_EQ(health.allow_nets[1].toString(), "::1/128");
  ASSERT_EQ(health.probers.size(), 2u);
  EXPECT_EQ(health.probers[0].id, "eu-1");
  EXPECT_EQ(health.probers[0].key, "0123456789abcdef");  // decoded
  EXPECT_EQ(health.probers[1].id, "us_east.2");
  EXPECT_EQ(health.probers[1].key, "sixteen bytes key!!");
}

TEST(ServerConfig, ContinentsAreTheSevenCodesZoneFilesAccept) {
  // Zone files' [services.X.geo] continent rules take AF, AN, AS, EU, NA, OC and SA only; a nets
  // entry with any other code could never match a rule, so it must be refused where it is.
  for (const char* code : {"XX", "EA", "UK", "AM"}) {
    SCOPED_TRACE(code);
    TempDir dir;
    std::string snippet = "[geo.nets]\n\"192.0.2.0/24\" = { continent = \"" + std::string(code) +
                          "\", location = [0.0, 0.0] }\n";
    std::string path = dir.write("dnsd.toml", kServer + snippet);
    ConfigResult result = loadServerConfig(path);
    if (result.errors.size() != 1) {
      ADD_FAILURE() << "continent \"" << code << "\" gave " << result.errors.size() << " errors";
      continue;
    }
    const auto& error = result.errors.front();
    EXPECT_EQ(error.where.file, path);
    EXPECT_EQ(error.where.line, kFirstLine + 1);
    EXPECT_EQ(error.where.column, lineOf(snippet, 2).find("\"" + std::string(code)) + 1);
    EXPECT_NE(error.message.find("continent"), std::string::npos) << error.toString();
  }
  for (const char* code : {"AF", "AN", "AS", "EU", "NA", "OC", "SA"}) {
    TempDir dir;
    std::string path = dir.write("dnsd.toml", kServer +
                                                  "[geo.nets]\n\"192.0.2.0/24\" = { "
                                                  "continent = \"" +
                                                  std::string(code) + "\" }\n");
    EXPECT_TRUE(loadServerConfig(path).errors.empty()) << code;
  }
}

TEST(ServerConfig, OneNetworkWrittenTwoWaysIsRefused) {
  // TOML only catches the same key twice; "2001:0db8::/32" is "2001:db8::/32" spelled otherwise.
  // Accepting both would leave one of the two locations unused, and which one would depend on
  // how the keys sort, not on the file (zone files refuse the same for service nets).
  const std::string snippet =
      "[geo.nets]\n"
      "\"2001:db8::/32\" = { continent = \"EU\" }\n"
      "\"2001:0db8::/32\" = { continent = \"NA\" }\n"
      "\"192.0.2.0/24\" = { continent = \"NA\" }\n";
  TempDir dir;
  std::string path = dir.write("dnsd.toml", kServer + snippet);
  ConfigResult result = loadServerConfig(path);
  ASSERT_EQ(result.errors.size(), 1u) << "the same network was accepted twice";
  const auto& error = result.errors.front();
  EXPECT_TRUE(error.where.line == kFirstLine + 1 || error.where.line == kFirstLine + 2)
      << error.toString();
  EXPECT_EQ(error.where.column, 1u) << error.toString();
  EXPECT_NE(error.message.find("same network"), std::string::npos) << error.toString();
}

TEST(ServerConfig, ReadsHttpAndGeoWithPathsRelativeToTheFile) {
  TempDir dir;
  std::string path = dir.write("etc/nines/dnsd.toml", R"([server]
listen = ["127.0.0.1:5300", "[::1]:5300"]
zones = "zones"
threads = 2
udp_queues = 8

[http]
listen = ["127.0.0.1:8053", "[::1]:0"]
token = "s3cret token"
test_hooks = true

[geo]
database = "geo/City.mmdb"
[geo.nets]
"192.0.2.0/24" = { continent = "NA", country = "US", location = [38.9, -77.0] }
"2001:db8:aaaa::/48" = { continent = "EU", location = [53, -6] }
"198.18.0.0/15" = { location = [1.35, 103.8] }
"0.0.0.0/0" = { country = "ZZ" }
)");
  ConfigResult result = loadServerConfig(path);
  ASSERT_TRUE(result.errors.empty()) << result.errors.front().toString();
  const Config& config = result.config;
  const std::string base = dir.path() + "/etc/nines/";
  EXPECT_EQ(config.server.zones, base + "zones");
  EXPECT_EQ(config.server.threads, 2u);
  EXPECT_EQ(config.server.udp_queues, 8u);
  ASSERT_EQ(config.http.listen.size(), 2u);
  EXPECT_EQ(config.http.listen[0].toString(), "127.0.0.1:8053");
  EXPECT_EQ(config.http.listen[1].toString(), "[::1]:0");
  EXPECT_EQ(config.http.token, "s3cret token");
  EXPECT_TRUE(config.http.test_hooks);
  EXPECT_EQ(config.geo.database, base + "geo/City.mmdb");

  ASSERT_EQ(config.geo.nets.size(), 4u);
  auto net = [&](const std::string& cidr) -> const policy::NetLocation& {
    for (const auto& entry : config.geo.nets) {
      if (entry.net.toString() == cidr) return entry;
    }
    ADD_FAILURE() << "no [geo.nets] entry " << cidr;
    return config.geo.nets.front();
  };
  const auto& us = net("192.0.2.0/24");
  EXPECT_EQ(us.continent, "NA");
  EXPECT_EQ(us.country, "US");
  ASSERT_TRUE(us.point.has_value());
  EXPECT_DOUBLE_EQ(us.point->latitude, 38.9);
  EXPECT_DOUBLE_EQ(us.point->longitude, -77.0);
  const auto& eu = net("2001:db8:aaaa::/48");
  EXPECT_EQ(eu.continent, "EU");
  EXPECT_EQ(eu.country, "");
  ASSERT_TRUE(eu.point.has_value());  // integers are numbers too
  EXPECT_DOUBLE_EQ(eu.point->latitude, 53.0);
  EXPECT_DOUBLE_EQ(eu.point->longitude, -6.0);
  const auto& point_only = net("198.18.0.0/15");
  EXPECT_EQ(point_only.continent, "");
  EXPECT_EQ(point_only.country, "");
  ASSERT_TRUE(point_only.point.has_value());
  EXPECT_DOUBLE_EQ(point_only.point->latitude, 1.35);
  const auto& everything = net("0.0.0.0/0");
  EXPECT_EQ(everything.country, "ZZ");  // user-assigned ISO 3166 code: allowed
  EXPECT_FALSE(everything.point.has_value());
}

struct GoodCase {
  std::string snippet;
  Strings http_listen;
  std::string token;
  bool test_hooks;
  std::string database;  // "" none; "@x": x relative to the config's directory
};

const GoodCase kGoodCases[] = {
    {"", {}, "", false, ""},
    {"[http]\n", {}, "", false, ""},
    {"[http]\nlisten = \"127.0.0.1:0\"\n", {"127.0.0.1:0"}, "", false, ""},
    {"[http]\nlisten = \"[::1]:8053\"\ntest_hooks = false\n", {"[::1]:8053"}, "", false, ""},
    {"[http]\nlisten = []\ntoken = \"\"\n", {}, "", false, ""},
    {"[geo]\ndatabase = \"\"\n", {}, "", false, ""},
    {"[geo]\ndatabase = \"/var/lib/nines/geo.mmdb\"\n", {}, "", false, "/var/lib/nines/geo.mmdb"},
    {"[geo]\ndatabase = \"../geo/./x.mmdb\"\n", {}, "", false, "@../geo/./x.mmdb"},
    {"[geo]\n[geo.nets]\n", {}, "", false, ""},
};

TEST(ServerConfig, ReadsGeoDatabaseKeys) {
  TempDir dir;
  const std::string path = dir.write("etc/dnsd.toml", kServer + R"([geo]
databases = ["geo/v4.mmdb", "/srv/geo/v6.mmdb"]
database = "city.mmdb"
cache_entries = 0
watch = false
[geo.fields]
country = "country_code"
latitude = "latitude"
longitude = "longitude"
asn = ""
)");
  ConfigResult result = loadServerConfig(path);
  ASSERT_TRUE(result.errors.empty()) << result.errors.front().toString();
  const GeoConfig& geo = result.config.geo;
  const std::string base = dir.path() + "/etc/";
  // `database` first, then `databases` in order, wherever they are in the table.
  EXPECT_EQ(geo.databaseFiles(),
            (Strings{base + "city.mmdb", base + "geo/v4.mmdb", "/srv/geo/v6.mmdb"}));
  EXPECT_EQ(geo.databaseAt(0).line, kFirstLine + 2);
  EXPECT_EQ(geo.databaseAt(1).line, kFirstLine + 1);
  EXPECT_EQ(geo.databaseAt(2).line, kFirstLine + 1);
  EXPECT_GT(geo.databaseAt(2).column, geo.databaseAt(1).column);
  const policy::GeoDatabaseOptions options = geo.databaseOptions();
  EXPECT_EQ(options.files, geo.databaseFiles());
  EXPECT_EQ(options.cache_entries, 0u);
  EXPECT_FALSE(geo.watch);
  EXPECT_EQ(options.fields.country, "country_code");
  EXPECT_EQ(options.fields.continent, "continent.code");  // not named: GeoIP2 City's
  EXPECT_EQ(options.fields.latitude, "latitude");
  EXPECT_EQ(options.fields.asn, "");
  // Nothing said: GeoIP2 City's layout, a cache, a watch.
  ConfigResult plain = loadServerConfig(dir.write("plain.toml", kServer));
  EXPECT_EQ(plain.config.geo.databaseOptions().fields, policy::GeoFields{});
  EXPECT_EQ(plain.config.geo.cache_entries, 262144u);
  EXPECT_TRUE(plain.config.geo.watch);
  EXPECT_TRUE(plain.config.geo.databaseFiles().empty());
}

TEST(ServerConfig, ReadsGoodHttpAndGeoSections) {
  for (const GoodCase& c : kGoodCases) {
    SCOPED_TRACE(c.snippet);
    TempDir dir;
    std::string path = dir.write("conf/dnsd.toml", kServer + c.snippet);
    ConfigResult result = loadServerConfig(path);
    ASSERT_TRUE(result.errors.empty()) << result.errors.front().toString();
    Strings listen;
    for (const auto& address : result.config.http.listen) listen.push_back(address.toString());
    EXPECT_EQ(listen, c.http_listen);
    EXPECT_EQ(result.config.http.token, c.token);
    EXPECT_EQ(result.config.http.test_hooks, c.test_hooks);
    std::string database = c.database;
    if (database.rfind('@', 0) == 0) {
      database = (std::filesystem::path(dir.path()) / "conf" / database.substr(1))
                     .lexically_normal()
                     .string();
    }
    EXPECT_EQ(result.config.geo.database, database);
  }
}

}  // namespace
}  // namespace nines::dnsd

namespace nines::dnsd {
namespace {

// [server] user and [log]: the snippets follow kServer, so [server] keys go first in them.
const BadCase kKitBadCases[] = {
    {"user = \"no-such-user-nines\"\n",
     {{1, "\"no-such", "user: no user \"no-such-user-nines\" on this system"}}},
    {"user = 0\n", {{1, "0", "user must be a user name like \"nines\""}}},
    {"user = \"\"\n", {{1, "\"\"", "user must be a user name like \"nines\""}}},
    {"[log]\nformat = \"xml\"\n", {{2, "\"xml", "format must be \"text\" or \"json\""}}},
    {"[log]\nlevel = \"warn\"\n",
     {{2, "\"warn", "level must be \"debug\", \"info\", \"warning\" or \"error\""}}},
    {"[log]\nlevel = 1\n",
     {{2, "1", "level must be \"debug\", \"info\", \"warning\" or \"error\""}}},
    {"[log]\nfile = \"x\"\n", {{2, "file", "unknown key \"file\" in [log]"}}},
};

TEST(ServerConfig, ReportsUserAndLogProblemsAtTheirPlace) {
  for (const BadCase& c : kKitBadCases) expectErrors(c);
}

TEST(ServerConfig, ReadsUserAndLog) {
  TempDir dir;
  ConfigResult defaults = loadServerConfig(dir.write("a.toml", kServer));
  ASSERT_TRUE(defaults.errors.empty());
  EXPECT_FALSE(defaults.config.server.run_as);
  EXPECT_EQ(defaults.config.log.format, base::LogFormat::Text);
  EXPECT_EQ(defaults.config.log.level, base::LogLevel::Info);

  ConfigResult result = loadServerConfig(dir.write(
      "b.toml", kServer + "user = \"root\"\n[log]\nformat = \"json\"\nlevel = \"debug\"\n"));
  ASSERT_TRUE(result.errors.empty()) << result.errors.front().toString();
  ASSERT_TRUE(result.config.server.run_as);
  EXPECT_EQ(result.config.server.run_as->user, "root");
  EXPECT_EQ(result.config.server.run_as->uid, 0u);
  EXPECT_EQ(result.config.server.run_as->gid, 0u);
  EXPECT_EQ(result.config.log.format, base::LogFormat::Json);
  EXPECT_EQ(result.config.log.level, base::LogLevel::Debug);
}

}  // namespace
}  // namespace nines::dnsd

namespace nines::dnsd {
namespace {

// The [server] TCP limits and UDP queues.
const BadCase kTcpBadCases[] = {
    {"tcp_max_connections_per_client = 0\n",
     {{1, "0", "tcp_max_connections_per_client must be an integer from 1 to 1000000"}}},
    {"tcp_max_queries_per_connection = -1\n",
     {{1, "-1", "tcp_max_queries_per_connection must be an integer from 1 to 1000000000"}}},
    {"tcp_max_connection_time = 0\n",
     {{1, "0", "tcp_max_connection_time must be seconds in (0, 86400]"}}},
    {"tcp_max_connection_time = \"long\"\n",
     {{1, "\"long", "tcp_max_connection_time must be seconds in (0, 86400]"}}},
    {"tcp_idle_timeout = 7200\n", {{1, "7200", "tcp_idle_timeout must be seconds in (0, 3600]"}}},
    {"state_dir = 5\n", {{1, "5", "state_dir must be a path string"}}},
    {"udp_queues = 0\n", {{1, "0", "udp_queues must be an integer from 1 to 64"}}},
    {"udp_queues = 65\n", {{1, "65", "udp_queues must be an integer from 1 to 64"}}},
    {"decision_cache_entries = 8\n",
     {{1, "8", "decision_cache_entries must be an integer from 16 to 16777216"}}},
};

TEST(ServerConfig, ReportsTcpLimitProblemsAtTheirPlace) {
  for (const BadCase& c : kTcpBadCases) expectErrors(c);
}

TEST(ServerConfig, ReadsTcpLimits) {
  TempDir dir;
  ConfigResult defaults = loadServerConfig(dir.write("a.toml", kServer));
  ASSERT_TRUE(defaults.errors.empty());
  EXPECT_EQ(defaults.config.server.tcp_max_connections_per_client, 32u);
  EXPECT_EQ(defaults.config.server.tcp_max_queries_per_connection, 10000u);
  EXPECT_EQ(defaults.config.server.tcp_max_connection_time, 120.0);
  ConfigResult result =
      loadServerConfig(dir.write("b.toml", kServer + "tcp_max_connections_per_client = 4\n"
                                                     "tcp_max_queries_per_connection = 50\n"
                                                     "tcp_max_connection_time = 2.5\n"));
  ASSERT_TRUE(result.errors.empty()) << result.errors.front().toString();
  EXPECT_EQ(result.config.server.tcp_max_connections_per_client, 4u);
  EXPECT_EQ(result.config.server.tcp_max_queries_per_connection, 50u);
  EXPECT_EQ(result.config.server.tcp_max_connection_time, 2.5);
}

TEST(ServerConfig, StateDirIsAnExistingDirectoryRelativeToTheFile) {
  TempDir dir;
  dir.write("state/.keep", "");
  ConfigResult good = loadServerConfig(dir.write("a.toml", kServer + "state_dir = \"state\"\n"));
  ASSERT_TRUE(good.errors.empty()) << good.errors.front().toString();
  EXPECT_EQ(good.config.server.state_dir, dir.path() + "/state");
  ConfigResult missing =
      loadServerConfig(dir.write("b.toml", kServer + "state_dir = \"nowhere\"\n"));
  ASSERT_EQ(missing.errors.size(), 1u);
  EXPECT_NE(
      missing.errors[0].toString().find("state_dir: " + dir.path() + "/nowhere is not a directory"),
      std::string::npos)
      << missing.errors[0].toString();
}

}  // namespace
}  // namespace nines::dnsd
