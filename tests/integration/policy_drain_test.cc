// Draining (DESIGN.md "HTTP API", "Health semantics"): POST /v1/drain and /v1/undrain with the
// bearer token take a region, a pool or an endpoint out of answers at once and put it back, from
// curl-like requests and from `ninesctl drain/undrain`; every refused request (401, 403, 400,
// 404) changes nothing; `drain = true` in a zone file keeps a pool out whatever the API says.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "policy_harness.h"

namespace nines::integration {
namespace {

using nines::testing::binaryPath;
using nines::testing::CommandResult;
using nines::testing::runCommand;

const std::string kUs = "us-east", kEu = "eu-west", kAp = "ap-south";
const char* const kWwwEuWest = R"({"zone": "gslb.test.", "service": "www", "region": "eu-west"})";

class PolicyDrain : public GslbTest {
 protected:
  void SetUp() override {
    GslbTest::SetUp();
    if (HasFatalFailure()) return;
    url_ = "http://127.0.0.1:" + std::to_string(http_);
    // ninesctl reads $NINES_TOKEN before the config's token; keep the test's own out of it.
    ::unsetenv("NINES_TOKEN");
  }
  // Where an Irish client's www answer comes from.
  Strings euClient(Transport transport = Transport::Udp) {
    return regionsOf(server_->askEcs("www.gslb.test.", "A", "198.51.100.0/24", transport).answer);
  }
  // The drains[] of /v1/status (a failure, and an empty list, when there is none).
  nlohmann::json drains() {
    nlohmann::json status = statusJson(http_);
    if (!status.is_object() || !status["drains"].is_array()) {
      ADD_FAILURE() << "no drains[] in /v1/status: " << status;
      return nlohmann::json::array();
    }
    return status["drains"];
  }
  CommandResult ninesctl(std::vector<std::string> args) {
    args.insert(args.begin(), binaryPath("ninesctl"));
    return runCommand(args);
  }

  std::string url_;
};

TEST_F(PolicyDrain, DrainTakesARegionOutAtOnceAndUndrainBringsItBack) {
  ASSERT_EQ(euClient(), (Strings{kEu, kEu}));
  Strings api_before = server_->askEcs("api.gslb.test.", "A", "198.51.100.0/24").answer;

  HttpReply drained = drain(kWwwEuWest);
  ASSERT_EQ(drained.status, 200) << drained.body;
  nlohmann::json reply = nlohmann::json::parse(drained.body, nullptr, false);
  EXPECT_EQ(reply.value("matched", 0), 1) << drained.body;
  // The very next query, over either transport: EU -> [eu-west, us-east] skips eu-west.
  EXPECT_EQ(euClient(Transport::Udp), (Strings{kUs, kUs}));
  EXPECT_EQ(euClient(Transport::Tcp), (Strings{kUs, kUs}));
  EXPECT_EQ(regionsOf(server_->askEcs("www.gslb.test.", "AAAA", "2001:db8:aaaa::/48").answer),
            (Strings{kUs}))
      << "us-east's one AAAA; ap-south next has none";
  // Only www was named: the other services still use eu-west.
  EXPECT_EQ(server_->askEcs("api.gslb.test.", "A", "198.51.100.0/24").answer, api_before);
  EXPECT_EQ(regionsOf(server_->askEcs("cdn.gslb.test.", "A", "198.51.100.0/24").answer),
            (Strings{kEu}));
  EXPECT_EQ(drains().size(), 1u);

  HttpReply undrained = undrain(kWwwEuWest);
  ASSERT_EQ(undrained.status, 200) << undrained.body;
  EXPECT_EQ(euClient(Transport::Udp), (Strings{kEu, kEu}));
  EXPECT_EQ(euClient(Transport::Tcp), (Strings{kEu, kEu}));
  EXPECT_TRUE(drains().empty()) << drains();
}

TEST_F(PolicyDrain, ARegionWithoutAServiceDrainsItInEveryService) {
  HttpReply r = drain(R"({"region": "eu-west"})");
  ASSERT_EQ(r.status, 200) << r.body;
  // www, api, db, cdn and lat.edge all have an eu-west pool.
  EXPECT_EQ(nlohmann::json::parse(r.body, nullptr, false).value("matched", 0), 5) << r.body;
  EXPECT_EQ(euClient(), (Strings{kUs, kUs}));
  EXPECT_EQ(regionsOf(server_->askEcs("cdn.gslb.test.", "A", "198.51.100.0/24").answer),
            (Strings{kUs}));
  for (int third = 0; third < 64; ++third) {
    std::string ecs = "198.18." + std::to_string(third) + ".0/24";
    EXPECT_EQ(regionsOf(server_->askEcs("api.gslb.test.", "A", ecs).answer), (Strings{kUs})) << ecs;
  }
  ASSERT_EQ(undrain(R"({"region": "eu-west"})").status, 200);
  EXPECT_EQ(euClient(), (Strings{kEu, kEu}));
}

TEST_F(PolicyDrain, AnEndpointDrainLeavesTheRestOfItsPool) {
  const char* const endpoint = R"({"service": "www", "endpoint": "192.0.2.10"})";
  ASSERT_EQ(drain(endpoint).status, 200);
  Response r = server_->askEcs("www.gslb.test.", "A", "192.0.2.0/24");
  EXPECT_EQ(addressesOf(r.answer).front(), "192.0.2.11");
  EXPECT_EQ(regionsOf(r.answer), (Strings{kUs, kEu}));
  ASSERT_EQ(undrain(endpoint).status, 200);
  EXPECT_EQ(regionsOf(server_->askEcs("www.gslb.test.", "A", "192.0.2.0/24").answer),
            (Strings{kUs, kUs}));
}

TEST_F(PolicyDrain, UndrainingARegionLiftsTheEndpointDrainsInsideIt) {
  // health_state.h: "undrain region X" undoes endpoint drains inside X too, however the endpoint
  // drain was named (here by its address alone).
  ASSERT_EQ(drain(R"({"service": "www", "endpoint": "192.0.2.10"})").status, 200);
  ASSERT_EQ(regionsOf(server_->askEcs("www.gslb.test.", "A", "192.0.2.0/24").answer),
            (Strings{kUs, kEu}));
  ASSERT_EQ(undrain(R"({"service": "www", "region": "us-east"})").status, 200);
  EXPECT_EQ(regionsOf(server_->askEcs("www.gslb.test.", "A", "192.0.2.0/24").answer),
            (Strings{kUs, kUs}));
  EXPECT_TRUE(drains().empty()) << drains();
}

TEST_F(PolicyDrain, UndrainMatchesTheDrainHoweverItsZoneOrAddressIsSpelled) {
  // Drains are matched by meaning: the zone with or without its final dot, an address in any of
  // its spellings. Undrain answers 200 only when it lifts something.
  ASSERT_EQ(drain(R"({"zone": "gslb.test", "service": "www", "region": "eu-west"})").status, 200);
  ASSERT_EQ(euClient(), (Strings{kUs, kUs}));
  ASSERT_EQ(undrain(kWwwEuWest).status, 200);
  EXPECT_EQ(euClient(), (Strings{kEu, kEu})) << "zone \"gslb.test\" vs \"gslb.test.\"";
  EXPECT_TRUE(drains().empty()) << drains();

  const std::string aaaa = "www.gslb.test.";
  ASSERT_EQ(drain(R"({"service": "www", "endpoint": "2001:db8:10::10"})").status, 200);
  ASSERT_EQ(regionsOf(server_->askEcs(aaaa, "AAAA", "192.0.2.0/24").answer), (Strings{kEu}));
  ASSERT_EQ(undrain(R"({"service": "www", "endpoint": "2001:0db8:0010:0::10"})").status, 200);
  EXPECT_EQ(regionsOf(server_->askEcs(aaaa, "AAAA", "192.0.2.0/24").answer), (Strings{kUs, kEu}))
      << "2001:0db8:0010:0::10 is 2001:db8:10::10";
  EXPECT_TRUE(drains().empty()) << drains();
}

TEST_F(PolicyDrain, DrainsSurviveAZoneReload) {
  ASSERT_EQ(drain(kWwwEuWest).status, 200);
  ASSERT_EQ(euClient(), (Strings{kUs, kUs}));
  // A new serial and a new eu-west address; the drain is kept by name.
  std::string zone = gslbZone();
  zone.replace(zone.find("serial = 11"), 11, "serial = 12");
  zone.replace(zone.find("\"198.51.100.11\""), 15, "\"198.51.100.12\"");
  server_->writeZone("gslb.test.toml", zone);
  server_->process().signal(SIGHUP);
  // dnsd logs "reloaded" after it has published the new zones.
  ASSERT_TRUE(nines::testing::waitUntil([&] {
    return server_->process().log().find("reloaded") != std::string::npos;
  })) << server_->process().log();
  EXPECT_EQ(euClient(), (Strings{kUs, kUs}));
  ASSERT_EQ(undrain(kWwwEuWest).status, 200);
  Strings addresses = addressesOf(server_->askEcs("www.gslb.test.", "A", "198.51.100.0/24").answer);
  std::sort(addresses.begin(), addresses.end());
  EXPECT_EQ(addresses, (Strings{"198.51.100.10", "198.51.100.12"}));
}

struct RefusedCase {
  const char* path;
  std::string body;
  std::string token;
  int status;
  const char* why;
};

TEST_F(PolicyDrain, RefusedRequestsChangeNothing) {
  const std::string good = kWwwEuWest;
  const RefusedCase cases[] = {
      {"/v1/drain", good, "wrong-token", 401, "wrong token"},
      {"/v1/drain", good, "", 401, "no Authorization header"},
      {"/v1/drain", good, std::string(kGslbToken) + "x", 401, "token with a suffix"},
      {"/v1/undrain", good, "wrong-token", 401, "undrain needs the token too"},
      {"/v1/drain", R"({"region": )", kGslbToken, 400, "not JSON"},
      {"/v1/drain", R"(["eu-west"])", kGslbToken, 400, "not an object"},
      {"/v1/drain", R"({"region": 5})", kGslbToken, 400, "region not a string"},
      {"/v1/drain", R"({"region": "eu-west", "pool": "x"})", kGslbToken, 400, "unknown key"},
      {"/v1/drain", R"({"service": "www"})", kGslbToken, 400, "neither region nor endpoint"},
      {"/v1/drain", R"({"endpoint": "not-an-ip"})", kGslbToken, 400, "endpoint not an address"},
      {"/v1/drain", R"({"region": "mars"})", kGslbToken, 404, "unknown region"},
      {"/v1/drain", R"({"service": "nosuch", "region": "eu-west"})", kGslbToken, 404,
       "unknown service"},
      {"/v1/drain", R"({"zone": "other.test.", "region": "eu-west"})", kGslbToken, 404,
       "unknown zone"},
      {"/v1/drain", R"({"endpoint": "192.0.2.99"})", kGslbToken, 404, "no such endpoint"},
      {"/v1/undrain", R"({"region": "mars"})", kGslbToken, 404, "undrain of an unknown region"},
  };
  for (const RefusedCase& c : cases) {
    SCOPED_TRACE(std::string(c.path) + " " + c.body + ": " + c.why);
    HttpReply reply = httpPost(http_, c.path, c.body, c.token);
    EXPECT_EQ(reply.status, c.status) << reply.body;
    EXPECT_TRUE(nlohmann::json::parse(reply.body, nullptr, false).contains("error")) << reply.body;
    EXPECT_TRUE(drains().empty()) << drains();
    EXPECT_EQ(euClient(), (Strings{kEu, kEu}));
  }
}

TEST_F(PolicyDrain, DrainRefusesTheTestHooksStateKey) {
  // {"state": ...} belongs to /v1/test/health; /v1/drain must not take it as a drain of the
  // region (an operator who meant "state: up" would take eu-west out of every service).
  HttpReply reply = drain(R"({"region": "eu-west", "state": "up"})");
  EXPECT_EQ(reply.status, 400) << reply.body;
  EXPECT_TRUE(drains().empty()) << drains();
  EXPECT_EQ(euClient(), (Strings{kEu, kEu}));
}

TEST(PolicyDrainWithoutToken, TheDrainApiIsForbidden) {
  auto server = startGslb(/*token=*/"");
  ASSERT_TRUE(server->ready());
  std::uint16_t http = server->httpPort();
  ASSERT_NE(http, 0) << server->process().log();
  for (const char* path : {"/v1/drain", "/v1/undrain"}) {
    for (const std::string token : {"", "anything", "Bearer"}) {
      SCOPED_TRACE(std::string(path) + " token \"" + token + "\"");
      EXPECT_EQ(httpPost(http, path, kWwwEuWest, token).status, 403);
    }
  }
  EXPECT_EQ(regionsOf(server->askEcs("www.gslb.test.", "A", "198.51.100.0/24").answer),
            (Strings{kEu, kEu}));
}

TEST_F(PolicyDrain, NinesctlDrainsAndUndrains) {
  CommandResult drained = ninesctl({"drain", "--server", url_, "--token", kGslbToken, "--zone",
                                    "gslb.test.", "--service", "www", "--region", "eu-west"});
  ASSERT_EQ(drained.status, 0) << drained.out << drained.err;
  EXPECT_NE(drained.out.find("drained 1"), std::string::npos) << drained.out;
  EXPECT_EQ(euClient(), (Strings{kUs, kUs}));

  CommandResult status = ninesctl({"status", "--server", url_, "--json"});
  ASSERT_EQ(status.status, 0) << status.err;
  nlohmann::json json = nlohmann::json::parse(status.out, nullptr, false);
  ASSERT_TRUE(json.is_object()) << status.out;
  EXPECT_EQ(json["drains"].size(), 1u) << json["drains"];

  // Refusals are reported with the HTTP status and leave the drain as it is.
  CommandResult wrong = ninesctl(
      {"undrain", "--server", url_, "--token", "wrong", "--service", "www", "--region", "eu-west"});
  EXPECT_EQ(wrong.status, 1);
  EXPECT_NE(wrong.err.find("401"), std::string::npos) << wrong.err;
  CommandResult unknown =
      ninesctl({"drain", "--server", url_, "--token", kGslbToken, "--region", "mars"});
  EXPECT_EQ(unknown.status, 1);
  EXPECT_NE(unknown.err.find("404"), std::string::npos) << unknown.err;
  EXPECT_EQ(euClient(), (Strings{kUs, kUs}));

  // The token from the dnsd.toml (--server overrides its [http] listen, which is port 0).
  CommandResult undrained =
      ninesctl({"undrain", "--config", server_->configPath(), "--server", url_, "--zone",
                "gslb.test.", "--service", "www", "--region", "eu-west"});
  ASSERT_EQ(undrained.status, 0) << undrained.out << undrained.err;
  EXPECT_EQ(euClient(), (Strings{kEu, kEu}));
  EXPECT_TRUE(drains().empty()) << drains();
}

TEST_F(PolicyDrain, AZoneFileDrainStaysWhateverTheApiSays) {
  // cdn's ap-south pool has drain = true: an Indian client goes to the next nearest, eu-west.
  const std::string cdn = "cdn.gslb.test.";
  EXPECT_EQ(regionsOf(server_->askEcs(cdn, "A", "203.0.113.0/24").answer), (Strings{kEu}));
  HttpReply reply = undrain(R"({"service": "cdn", "region": "ap-south"})");
  EXPECT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(regionsOf(server_->askEcs(cdn, "A", "203.0.113.0/24").answer), (Strings{kEu}));
  // Draining what is left still answers (fail open over drains, never empty) ...
  ASSERT_EQ(drain(R"({"service": "cdn", "region": "eu-west"})").status, 200);
  EXPECT_EQ(regionsOf(server_->askEcs(cdn, "A", "203.0.113.0/24").answer), (Strings{kUs}));
  ASSERT_EQ(drain(R"({"service": "cdn", "region": "us-east"})").status, 200);
  EXPECT_EQ(server_->askEcs(cdn, "A", "203.0.113.0/24").answer.size(), 1u);
}

TEST(PolicyZoneDrain, ADrainedRegionIsOutOfEveryService) {
  // drain = true on [regions.ap-south] itself, not on one pool.
  std::string zone = gslbZone();
  const std::string region = "[regions.ap-south]\nlocation = [19.1, 72.9]\n";
  ASSERT_NE(zone.find(region), std::string::npos);
  zone.replace(zone.find(region), region.size(), region + "drain = true\n");
  DnsdServer server({{"gslb.test.toml", zone}}, DnsdServer::Options{}, gslbSections());
  ASSERT_TRUE(server.ready());
  // India's own region is out: eu-west is next by distance and has both addresses.
  EXPECT_EQ(regionsOf(server.askEcs("www.gslb.test.", "A", "203.0.113.0/24").answer),
            (Strings{kEu, kEu}));
  EXPECT_EQ(regionsOf(server.askEcs("www.gslb.test.", "A", "2001:db8:ff::/48").answer),
            (Strings{kUs, kUs}));
  nlohmann::json status = statusJson(server.httpPort());
  ASSERT_TRUE(status.is_object());
  // Every service of gslb.test has an ap-south pool but api, db and lat.edge.
  for (const char* service : {"www", "cdn"}) {
    nlohmann::json entry = regionStatus(status, service, kAp);
    EXPECT_EQ(entry.value("state", ""), "drained") << service << " " << entry;
  }
}

}  // namespace
}  // namespace nines::integration
