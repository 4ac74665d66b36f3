#include "nines/probers/check_target.h"

#include <gtest/gtest.h>

#include <string>

#include "nines/zones/loader.h"
#include "process.h"
#include "zone_text.h"

namespace nines::probers {
namespace {

// t.test: "web" (http) used by www and by api (which shares one endpoint with www), "db" (tcp
// with a fixed target ADDR:PORT), "ns" (dns) and an unchecked service.
const std::string kZone = nines::testing::zoneHead("t.test.", 1) + R"("@" = ["NS ns1.t.test."]
ns1 = ["A 127.0.0.53"]

[checks.web]
type = "http"
port = 8080
path = "/health"
expect_status = [200, 204]
expect_body = "ok"
interval = 0.5
timeout = 0.25
rise = 3
fall = 4
tls_verify = false

[checks.db]
type = "tcp"
port = 5432
target = "127.0.0.99:6432"

[checks.ns]
type = "dns"
query = "www"
query_type = "A"
expect_rcode = "nxdomain"
host = "probe.example"

[regions.one]
[regions.two]

[services.www]
policy = "geo"
check = "web"
[services.www.pools.one]
endpoints = ["127.0.0.11", "127.0.0.12"]
[services.www.pools.two]
endpoints = ["::1", "192.0.2.10"]

[services.api]
policy = "geo"
check = "web"
[services.api.pools.one]
endpoints = ["127.0.0.12", "127.0.0.13"]

[services.db]
policy = "failover"
order = ["one"]
check = "db"
[services.db.pools.one]
endpoints = ["192.0.2.30", "192.0.2.31"]

[services.dns]
policy = "geo"
check = "ns"
[services.dns.pools.one]
endpoints = ["127.0.0.53"]

[services.plain]
policy = "geo"
[services.plain.pools.one]
endpoints = ["127.0.0.77"]
)";

class CheckTargetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string path = dir_.write("t.test.toml", kZone);
    auto loaded = zones::loadZones(path);
    ASSERT_TRUE(loaded.errors.empty()) << loaded.errors[0].toString();
    zones_ = loaded.zones;
    path_ = path;
  }
  static std::vector<zones::Cidr> nets(std::initializer_list<const char*> texts) {
    std::vector<zones::Cidr> out;
    for (const char* text : texts) out.push_back(*zones::Cidr::parse(text, nullptr));
    return out;
  }
  static const CheckTarget* find(const std::vector<CheckTarget>& targets, const std::string& id) {
    for (const auto& target : targets) {
      if (target.id == id) return &target;
    }
    return nullptr;
  }

  nines::testing::TempDir dir_;
  std::vector<zones::Zone> zones_;
  std::string path_;
};

TEST_F(CheckTargetTest, OneTargetPerZoneCheckEndpoint) {
  base::Diagnostics errors;
  auto targets = buildTargets(zones_, {}, &errors);
  EXPECT_TRUE(errors.empty());
  std::vector<std::string> ids;
  for (const auto& target : targets) ids.push_back(target.id);
  // Deduplicated: 127.0.0.12 is in www and api, both checked by "web"; the unchecked service
  // makes none.
  EXPECT_EQ(ids, (std::vector<std::string>{"t.test.|web|127.0.0.11", "t.test.|web|127.0.0.12",
                                           "t.test.|web|::1", "t.test.|web|192.0.2.10",
                                           "t.test.|web|127.0.0.13", "t.test.|db|192.0.2.30",
                                           "t.test.|db|192.0.2.31", "t.test.|ns|127.0.0.53"}));
}

TEST_F(CheckTargetTest, FieldsOfATarget) {
  auto targets = buildTargets(zones_, {}, nullptr);
  struct Case {
    std::string id, address;
    std::uint16_t port;
    std::string host;
  };
  const Case cases[] = {
      {"t.test.|web|127.0.0.11", "127.0.0.11", 8080, "www.t.test"},
      {"t.test.|web|127.0.0.12", "127.0.0.12", 8080, "www.t.test"},  // the first service's name
      {"t.test.|web|127.0.0.13", "127.0.0.13", 8080, "api.t.test"},
      {"t.test.|web|::1", "::1", 8080, "www.t.test"},
      {"t.test.|db|192.0.2.30", "127.0.0.99", 6432, "db.t.test"},    // target ADDR:PORT
      {"t.test.|ns|127.0.0.53", "127.0.0.53", 53, "probe.example"},  // check.host
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.id);
    const CheckTarget* target = find(targets, c.id);
    ASSERT_NE(target, nullptr);
    EXPECT_EQ(target->zone, "t.test.");
    EXPECT_EQ(target->address.toString(), c.address);
    EXPECT_EQ(target->port, c.port);
    EXPECT_EQ(target->host, c.host);
  }
  const CheckTarget* web = find(targets, "t.test.|web|127.0.0.11");
  ASSERT_NE(web, nullptr);
  EXPECT_EQ(web->endpoint.toString(), "127.0.0.11");
  EXPECT_EQ(web->check.name, "web");
  EXPECT_EQ(web->check.path, "/health");
  EXPECT_EQ(web->check.rise, 3u);
  EXPECT_EQ(web->check.fall, 4u);
  EXPECT_FALSE(web->check.tls_verify);
  const CheckTarget* db = find(targets, "t.test.|db|192.0.2.30");
  ASSERT_NE(db, nullptr);
  EXPECT_EQ(db->endpoint.toString(), "192.0.2.30");  // the result is about the endpoint
}

TEST_F(CheckTargetTest, AllowNetsRefusesAtTheLineThatWroteTheAddress) {
  base::Diagnostics errors;
  auto targets = buildTargets(zones_, nets({"127.0.0.0/8"}), &errors);
  std::vector<std::string> ids;
  for (const auto& target : targets) ids.push_back(target.id);
  EXPECT_EQ(ids, (std::vector<std::string>{"t.test.|web|127.0.0.11", "t.test.|web|127.0.0.12",
                                           "t.test.|web|127.0.0.13", "t.test.|db|192.0.2.30",
                                           "t.test.|db|192.0.2.31", "t.test.|ns|127.0.0.53"}));
  // ::1 (another family) and 192.0.2.10 are refused, at their pool; db's endpoints are outside
  // too, but its target 127.0.0.99 is what would be probed, and that is allowed.
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].where.file, path_);
  EXPECT_GT(errors[0].where.line, 0u);
  EXPECT_NE(
      errors[0].toString().find("probe of ::1 refused: not in [health] allow_nets (127.0.0.0/8)"),
      std::string::npos)
      << errors[0].toString();
  EXPECT_NE(errors[1].message.find("probe of 192.0.2.10 refused"), std::string::npos);

  errors.clear();
  targets = buildTargets(zones_, nets({"127.0.0.11/32", "::1/128"}), &errors);
  EXPECT_EQ(targets.size(), 2u);
  EXPECT_EQ(errors.size(), 6u);
  bool blamed_check = false;
  for (const auto& error : errors) {
    if (error.message.find("probe of 127.0.0.99 refused") != std::string::npos) {
      blamed_check = true;
      EXPECT_NE(error.message.find("(127.0.0.11/32, ::1/128)"), std::string::npos);
    }
  }
  EXPECT_TRUE(blamed_check);
}

TEST_F(CheckTargetTest, FilterTargets) {
  auto targets = buildTargets(zones_, {}, nullptr);
  std::vector<std::string> refusals;
  auto kept = filterTargets(targets, nets({"127.0.0.0/8"}), &refusals);
  EXPECT_EQ(kept.size(), 6u);
  ASSERT_EQ(refusals.size(), 2u);
  EXPECT_EQ(refusals[0],
            "t.test.|web|::1: probe of ::1 refused: not in [health] allow_nets (127.0.0.0/8)");
  EXPECT_EQ(filterTargets(targets, {}, nullptr).size(), targets.size());
}

TEST_F(CheckTargetTest, EncodeDecodeRoundTrip) {
  auto targets = buildTargets(zones_, {}, nullptr);
  std::string error;
  auto decoded = decodeTargets(encodeTargets(targets), &error);
  ASSERT_TRUE(decoded) << error;
  ASSERT_EQ(decoded->size(), targets.size());
  for (std::size_t i = 0; i < targets.size(); ++i) {
    const CheckTarget& a = targets[i];
    const CheckTarget& b = (*decoded)[i];
    SCOPED_TRACE(a.id);
    EXPECT_EQ(a.id, b.id);
    EXPECT_EQ(a.zone, b.zone);
    EXPECT_EQ(a.endpoint, b.endpoint);
    EXPECT_EQ(a.address, b.address);
    EXPECT_EQ(a.port, b.port);
    EXPECT_EQ(a.host, b.host);
    const zones::Check& x = a.check;
    const zones::Check& y = b.check;
    EXPECT_EQ(x.name, y.name);
    EXPECT_EQ(x.type, y.type);
    EXPECT_EQ(x.port, y.port);
    EXPECT_EQ(x.path, y.path);
    EXPECT_EQ(x.expect_status, y.expect_status);
    EXPECT_EQ(x.expect_body, y.expect_body);
    EXPECT_DOUBLE_EQ(x.interval, y.interval);
    EXPECT_DOUBLE_EQ(x.timeout, y.timeout);
    EXPECT_EQ(x.rise, y.rise);
    EXPECT_EQ(x.fall, y.fall);
    EXPECT_EQ(x.host, y.host);
    EXPECT_EQ(x.tls_verify, y.tls_verify);
    EXPECT_EQ(x.target, y.target);
    EXPECT_EQ(x.target_port, y.target_port);
    EXPECT_EQ(x.expect_rcode, y.expect_rcode);
    EXPECT_TRUE(x.query == y.query) << x.query.toText() << " " << y.query.toText();
    EXPECT_EQ(x.query_type, y.query_type);
    EXPECT_EQ(x.where.file, y.where.file);
    EXPECT_EQ(x.where.line, y.where.line);
    EXPECT_EQ(x.where.column, y.where.column);
  }
  const CheckTarget* ns = find(*decoded, "t.test.|ns|127.0.0.53");
  ASSERT_NE(ns, nullptr);
  EXPECT_EQ(ns->check.query.toText(), "www.t.test.");
  EXPECT_EQ(ns->check.query_type, zones::rrtype::A);
  EXPECT_EQ(ns->check.expect_rcode, "NXDOMAIN");
  EXPECT_EQ(decodeTargets(R"({"targets":[]})", nullptr)->size(), 0u);
}

TEST_F(CheckTargetTest, DecodeRejectsMalformedLists) {
  auto targets = buildTargets(zones_, {}, nullptr);
  std::string good = encodeTargets({targets[0]});
  // Each case replaces one piece of the good encoding.
  struct Case {
    std::string from, to, error_part;
  };
  const Case cases[] = {
      {R"("id":"t.test.|web|127.0.0.11")", R"("id":7)", "\"id\" must be a string"},
      {R"("id":"t.test.|web|127.0.0.11")", R"("id":"")", "\"id\" \"\" is empty"},
      {R"("address":"127.0.0.11")", R"("address":"nowhere")", "not an IP address"},
      {R"("port":8080,"host")", R"("port":0,"host")", "\"port\" must be an integer from 1"},
      {R"("port":8080,"host")", R"("port":70000,"host")", "\"port\""},
      {R"("type":"http")", R"("type":"ftp")", "\"type\" \"ftp\""},
      {R"("expect_status":[200,204])", R"("expect_status":[20])", "\"expect_status\""},
      {R"("expect_status":[200,204])", R"("expect_status":"200")", "\"expect_status\""},
      {R"("interval":0.5)", R"("interval":0)", "\"interval\""},
      {R"("timeout":0.25)", R"("timeout":-1)", "\"timeout\""},
      {R"("rise":3)", R"("rise":0)", "\"rise\""},
      {R"("tls_verify":false)", R"("tls_verify":"no")", "\"tls_verify\""},
      {R"("target":null)", R"("target":"x")", "\"target\" \"x\""},
      {R"("query":"t.test.")", R"("query":"a..b")", "\"query\""},
      {R"("query_type":6)", R"("query_type":0)", "\"query_type\""},
      {R"("where":{)", R"("where":7,"x":{)", "\"where\""},
      {R"(,"check":{)", R"(,"nocheck":{)", "\"check\" is missing"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.to);
    std::string body = good;
    auto at = body.find(c.from);
    ASSERT_NE(at, std::string::npos) << body;
    body.replace(at, c.from.size(), c.to);
    std::string error;
    EXPECT_FALSE(decodeTargets(body, &error));
    EXPECT_NE(error.find(c.error_part), std::string::npos) << error;
    EXPECT_EQ(error.rfind("targets[0]: ", 0), 0u) << error;
  }
  std::string error;
  EXPECT_FALSE(decodeTargets("[]", &error));
  EXPECT_FALSE(decodeTargets(R"({"targets":{}})", &error));
  EXPECT_FALSE(decodeTargets(R"({"targets":[7]})", &error));
  std::string twice = encodeTargets({targets[0], targets[0]});
  EXPECT_FALSE(decodeTargets(twice, &error));
  EXPECT_NE(error.find("appears twice"), std::string::npos);
}

TEST(TargetIdTest, Format) {
  EXPECT_EQ(targetId("gslb.example.test.", "web", *zones::IpAddress::parse("127.0.0.11")),
            "gslb.example.test.|web|127.0.0.11");
  EXPECT_EQ(targetId("a.", "c", *zones::IpAddress::parse("2001:db8::1")), "a.|c|2001:db8::1");
}

}  // namespace
}  // namespace nines::probers
