// Policies under changing health, over the network (DESIGN.md "Policies", "Health semantics"):
// weighted shares and stickiness, failover order, multivalue answers that spill into the next
// region, fail open and fallback "none". Endpoint health is forced through dnsd's test hook
// (POST /v1/test/health, on only with [http] test_hooks = true), which is checked too.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "policy_harness.h"

namespace nines::integration {
namespace {

const std::string kUs = "us-east", kEu = "eu-west", kAp = "ap-south";

// 512 client networks: every /24 of 198.18.0.0/15.
std::vector<std::string> clientNetworks() {
  std::vector<std::string> networks;
  for (int third = 0; third < 512; ++third) {
    networks.push_back("198." + std::to_string(18 + third / 256) + "." +
                       std::to_string(third % 256) + ".0/24");
  }
  return networks;
}

// The api answer of every client network.
std::map<std::string, std::string> apiAnswers(const DnsdServer& server) {
  std::map<std::string, std::string> answers;
  for (const auto& network : clientNetworks()) {
    Strings addresses = addressesOf(server.askEcs("api.gslb.test.", "A", network).answer);
    answers[network] = addresses.size() == 1 ? addresses.front() : "(" + network + ": none)";
  }
  return answers;
}

class PolicyHealth : public GslbTest {
 protected:
  int set(const std::string& service, const std::string& region, const std::string& endpoint,
          const std::string& state) {
    return setHealth(http_, service, region, endpoint, state);
  }
};

TEST_F(PolicyHealth, WeightedSharesFollowTheWeightsAndEachSubnetSticks) {
  std::map<std::string, std::string> answers = apiAnswers(*server_);
  std::map<std::string, int> per_address;
  int us = 0;
  for (const auto& [network, address] : answers) {
    ++per_address[address];
    if (regionOf(address) == kUs) ++us;
  }
  // Weights 90:10 over 512 networks: 461 expected; the hash is fixed, the bounds are ~6 sigma.
  EXPECT_GE(us, 420);
  EXPECT_LE(us, 495);
  // Every address of both pools is used, nothing else is.
  EXPECT_EQ(per_address.size(), 3u) << ::testing::PrintToString(per_address);
  for (const char* address : {"192.0.2.20", "192.0.2.21", "198.51.100.20"}) {
    EXPECT_GT(per_address[address], 0) << address;
  }
  // The subnet decides, not the host in it; the scope says so (the /24 hashed).
  for (int third : {3, 77, 200}) {
    std::string prefix = "198.18." + std::to_string(third) + ".";
    Response host = server_->askEcs("api.gslb.test.", "A", prefix + "77/32");
    EXPECT_EQ(addressesOf(host.answer), Strings{answers[prefix + "0/24"]});
    EXPECT_EQ(ecsScope(host), 24) << host.ecs_option;
  }
  // IPv6 client networks are hashed by their /56 (one site); a /48 sent is not specific enough,
  // and the scope says /56 (RFC 7871 §7.2.1).
  for (const auto& [ecs, scope] : std::vector<std::pair<std::string, int>>{
           {"2001:db8:1:100::/56", 56}, {"2001:db8:1:100::/64", 56}, {"2001:db8:1::/48", 56}}) {
    Response r = server_->askEcs("api.gslb.test.", "A", ecs);
    EXPECT_EQ(addressesOf(r.answer).size(), 1u) << ecs;
    EXPECT_EQ(ecsScope(r), scope) << ecs << " " << r.ecs_option;
  }
  EXPECT_EQ(server_->askEcs("api.gslb.test.", "A", "2001:db8:1:100::/64").answer,
            server_->askEcs("api.gslb.test.", "A", "2001:db8:1:100:ffff::/80").answer);
  // Same again over TCP.
  Response tcp = server_->askEcs("api.gslb.test.", "A", "198.19.9.0/24", Transport::Tcp);
  EXPECT_EQ(addressesOf(tcp.answer), Strings{answers["198.19.9.0/24"]});
}

TEST_F(PolicyHealth, WeightedMovesOnlyTheClientsOfARegionThatGoesDown) {
  std::map<std::string, std::string> before = apiAnswers(*server_);
  ASSERT_EQ(set("api", kEu, "", "down"), 200);
  std::map<std::string, std::string> during = apiAnswers(*server_);
  for (const auto& [network, address] : before) {
    EXPECT_EQ(regionOf(during[network]), kUs) << network;
    // Rendezvous hashing: us-east's own clients keep their exact answer.
    if (regionOf(address) == kUs) {
      EXPECT_EQ(during[network], address) << network;
    }
  }
  ASSERT_EQ(set("api", kEu, "", "unknown"), 200);
  EXPECT_EQ(apiAnswers(*server_), before) << "recovery brings every subnet back to its answer";
}

TEST_F(PolicyHealth, FailoverAnswersThePrimaryThenTheSecondaryThenNothing) {
  const std::string db = "db.gslb.test.";
  // The same for every client, so the scope is 0.
  for (const char* ecs : {"198.51.100.0/24", "203.0.113.0/24", "2001:db8:aaaa::/48"}) {
    Response r = server_->askEcs(db, "A", ecs);
    EXPECT_EQ(r.answer, Strings{"db.gslb.test. 30 IN A 192.0.2.30"}) << ecs;
    EXPECT_EQ(ecsScope(r), 0) << ecs;
  }
  ASSERT_EQ(set("db", kUs, "", "down"), 200);
  EXPECT_EQ(server_->askEcs(db, "A", "192.0.2.0/24").answer,
            Strings{"db.gslb.test. 30 IN A 198.51.100.30"});
  EXPECT_EQ(server_->askEcs(db, "A", "", Transport::Tcp).answer,
            Strings{"db.gslb.test. 30 IN A 198.51.100.30"});

  // Both down, fallback "none": NODATA rather than a dead primary.
  ASSERT_EQ(set("db", kEu, "", "down"), 200);
  for (Transport transport : {Transport::Udp, Transport::Tcp}) {
    Response r = server_->askEcs(db, "A", "192.0.2.0/24", transport);
    EXPECT_EQ(r.rcode, "NOERROR");
    EXPECT_TRUE(r.answer.empty()) << ::testing::PrintToString(r.answer);
    EXPECT_EQ(r.authority, Strings{kGslbSoa});
  }

  // The primary comes back and takes over again.
  ASSERT_EQ(set("db", kUs, "", "up"), 200);
  EXPECT_EQ(server_->askEcs(db, "A", "").answer, Strings{"db.gslb.test. 30 IN A 192.0.2.30"});
  ASSERT_EQ(set("db", kUs, "", "unknown"), 200);
  ASSERT_EQ(set("db", kEu, "", "unknown"), 200);
  EXPECT_EQ(server_->askEcs(db, "A", "").answer, Strings{"db.gslb.test. 30 IN A 192.0.2.30"});
}

TEST_F(PolicyHealth, MultivalueSpillsToTheNextRegionWhenThePrimaryRunsShort) {
  const std::string www = "www.gslb.test.";
  Response all = server_->askEcs(www, "A", "192.0.2.0/24");
  Strings addresses = addressesOf(all.answer);
  std::sort(addresses.begin(), addresses.end());
  EXPECT_EQ(addresses, (Strings{"192.0.2.10", "192.0.2.11"}));

  // One of us-east's two IPv4 endpoints down: the other, then the next nearest region.
  ASSERT_EQ(set("www", "", "192.0.2.10", "down"), 200);
  for (Transport transport : {Transport::Udp, Transport::Tcp}) {
    Response r = server_->askEcs(www, "A", "192.0.2.0/24", transport);
    ASSERT_EQ(addressesOf(r.answer).size(), 2u) << ::testing::PrintToString(r.answer);
    EXPECT_EQ(addressesOf(r.answer).front(), "192.0.2.11");
    EXPECT_EQ(regionsOf(r.answer), (Strings{kUs, kEu}));
  }
  // Its IPv6 endpoint is untouched: AAAA still starts in us-east.
  EXPECT_EQ(regionsOf(server_->askEcs(www, "AAAA", "192.0.2.0/24").answer), (Strings{kUs, kEu}));

  // Both IPv4 endpoints down: us-east still counts as up (its IPv6 endpoint, min_up 1) but has
  // no IPv4 address to give, so eu-west gives both.
  ASSERT_EQ(set("www", "", "192.0.2.11", "down"), 200);
  EXPECT_EQ(regionsOf(server_->askEcs(www, "A", "192.0.2.0/24").answer), (Strings{kEu, kEu}));

  ASSERT_EQ(set("www", "", "192.0.2.10", "unknown"), 200);
  ASSERT_EQ(set("www", "", "192.0.2.11", "unknown"), 200);
  EXPECT_EQ(server_->askEcs(www, "A", "192.0.2.0/24").answer, all.answer);
}

TEST_F(PolicyHealth, EveryRegionDownWithFallbackAllStillAnswers) {
  const std::string www = "www.gslb.test.";
  const std::vector<std::pair<std::string, std::string>> queries = {{"192.0.2.0/24", "A"},
                                                                    {"198.51.100.0/24", "A"},
                                                                    {"203.0.113.0/24", "A"},
                                                                    {"2001:db8:aaaa::/48", "AAAA"}};
  std::vector<Strings> healthy;
  for (const auto& [ecs, type] : queries) healthy.push_back(server_->askEcs(www, type, ecs).answer);

  ASSERT_EQ(set("www", "", "", "down"), 200);
  // The status page shows each region of www down, and its endpoints with it ...
  nlohmann::json status = statusJson(http_);
  for (const std::string& region : {kUs, kEu, kAp}) {
    nlohmann::json entry = regionStatus(status, "www", region);
    EXPECT_EQ(entry.value("state", ""), "down") << region << ": " << entry;
  }
  for (const char* address : {"192.0.2.10", "198.51.100.11", "203.0.113.10", "2001:db8:20::10"}) {
    EXPECT_EQ(endpointStatus(status, "www", address).value("state", ""), "down") << address;
  }
  // ... and the service fails open: the answers every client had, never an empty one.
  for (std::size_t i = 0; i < queries.size(); ++i) {
    SCOPED_TRACE(queries[i].first);
    Response r = server_->askEcs(www, queries[i].second, queries[i].first);
    EXPECT_FALSE(r.answer.empty());
    EXPECT_EQ(r.answer, healthy[i]);
  }

  // A region drained by the operator stays out even then.
  ASSERT_EQ(drain(R"({"service": "www", "region": "eu-west"})").status, 200);
  EXPECT_EQ(regionsOf(server_->askEcs(www, "A", "198.51.100.0/24").answer), (Strings{kUs, kUs}));
}

TEST_F(PolicyHealth, TheTestHookRejectsWhatItCannotApply) {
  EXPECT_EQ(set("db", kUs, "", "sideways"), 400);
  EXPECT_EQ(set("nosuch", "", "", "down"), 404);
  EXPECT_EQ(set("db", "mars", "", "down"), 404);
  EXPECT_EQ(httpPost(http_, "/v1/test/health", "{\"service\": ").status, 400);
  // Nothing of that changed an answer.
  EXPECT_EQ(server_->askEcs("db.gslb.test.", "A", "").answer,
            Strings{"db.gslb.test. 30 IN A 192.0.2.30"});
}

TEST(PolicyTestHooks, AreOffUnlessConfigured) {
  auto server = startGslb(kGslbToken, /*test_hooks=*/false);
  ASSERT_TRUE(server->ready());
  std::uint16_t http = server->httpPort();
  ASSERT_NE(http, 0) << server->process().log();
  EXPECT_EQ(setHealth(http, "db", kUs, "", "down"), 404);
  // Even with the operator's token.
  EXPECT_EQ(httpPost(http, "/v1/test/health",
                     R"({"service": "db", "region": "us-east", "state": "down"})", kGslbToken)
                .status,
            404);
  EXPECT_EQ(server->askEcs("db.gslb.test.", "A", "").answer,
            Strings{"db.gslb.test. 30 IN A 192.0.2.30"});
  // The rest of the API is there.
  EXPECT_EQ(httpGet(http, "/v1/status").status, 200);
}

}  // namespace
}  // namespace nines::integration
