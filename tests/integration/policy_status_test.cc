// GET /v1/status (DESIGN.md "HTTP API"): the JSON every operator tool reads, parsed here with
// nlohmann-json. It lists the zones, the services with their policies, and per region its state
// and why, with each endpoint's state; it follows health changes and drains at once. GET / is the
// HTML status page.
#include <gtest/gtest.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "policy_harness.h"

namespace nines::integration {
namespace {

using nlohmann::json;

class PolicyStatus : public GslbTest {
 protected:
  json status() {
    json parsed = statusJson(http_);
    EXPECT_TRUE(parsed.is_object()) << "GET /v1/status did not answer 200 with a JSON object";
    return parsed.is_object() ? parsed : json::object();
  }
  // "address state" of each endpoint of a region entry.
  static Strings endpoints(const json& region) {
    Strings out;
    for (const auto& endpoint : region.value("endpoints", json::array())) {
      out.push_back(endpoint.value("address", "?") + " " + endpoint.value("state", "?"));
    }
    return out;
  }
};

TEST_F(PolicyStatus, ListsZonesServicesRegionsAndEndpoints) {
  HttpReply reply = httpGet(http_, "/v1/status");
  EXPECT_EQ(reply.status, 200);
  EXPECT_NE(reply.content_type.find("application/json"), std::string::npos) << reply.content_type;
  json s = status();
  ASSERT_EQ(s["zones"].size(), 1u) << s["zones"];
  EXPECT_EQ(s["zones"][0].value("origin", ""), "gslb.test.");
  EXPECT_EQ(s["zones"][0].value("serial", 0), 11);

  struct Expected {
    const char* name;
    const char* policy;
    Strings regions;
  };
  const Expected expected[] = {
      {"www", "geo", {"us-east", "eu-west", "ap-south"}},
      {"api", "weighted", {"us-east", "eu-west"}},
      {"db", "failover", {"us-east", "eu-west"}},
      {"cdn", "geo", {"us-east", "eu-west", "ap-south"}},
      {"lat.edge", "latency", {"us-east", "eu-west"}},
  };
  ASSERT_EQ(s["services"].size(), std::size(expected)) << s["services"];
  for (const Expected& e : expected) {
    SCOPED_TRACE(e.name);
    json entry = serviceStatus(s, e.name);
    ASSERT_TRUE(entry.is_object());
    EXPECT_EQ(entry.value("zone", ""), "gslb.test.");
    EXPECT_EQ(entry.value("policy", ""), e.policy);
    Strings names;
    for (const auto& r : entry["regions"]) {
      names.push_back(r.value("name", ""));
      EXPECT_FALSE(r.value("reason", "").empty()) << r;
    }
    EXPECT_EQ(names, e.regions);
  }
  // No checks configured: every endpoint is unknown (treated as up), every region up.
  json us = regionStatus(s, "www", "us-east");
  EXPECT_EQ(us.value("state", ""), "up");
  EXPECT_EQ(endpoints(us),
            (Strings{"192.0.2.10 unknown", "192.0.2.11 unknown", "2001:db8:10::10 unknown"}));
  EXPECT_EQ(endpoints(regionStatus(s, "www", "ap-south")), Strings{"203.0.113.10 unknown"});
  EXPECT_EQ(regionStatus(s, "api", "us-east").value("weight", 0), 90);
  EXPECT_EQ(regionStatus(s, "api", "eu-west").value("weight", 0), 10);
  // The zone file's drain, with its reason.
  json drained = regionStatus(s, "cdn", "ap-south");
  EXPECT_EQ(drained.value("state", ""), "drained");
  EXPECT_NE(drained.value("reason", "").find("zone file"), std::string::npos) << drained;
  EXPECT_TRUE(s["drains"].is_array() && s["drains"].empty()) << s["drains"];
}

TEST_F(PolicyStatus, FollowsEndpointHealth) {
  ASSERT_EQ(setHealth(http_, "www", "", "192.0.2.10", "down"), 200);
  json s = status();
  json us = regionStatus(s, "www", "us-east");
  EXPECT_EQ(endpoints(us),
            (Strings{"192.0.2.10 down", "192.0.2.11 unknown", "2001:db8:10::10 unknown"}));
  EXPECT_EQ(us.value("state", ""), "up") << us;  // 2 of 3 still up, min_up 1

  ASSERT_EQ(setHealth(http_, "www", "us-east", "", "down"), 200);
  us = regionStatus(status(), "www", "us-east");
  EXPECT_EQ(us.value("state", ""), "down") << us;
  EXPECT_NE(us.value("reason", "").find("0/3"), std::string::npos) << us;

  ASSERT_EQ(setHealth(http_, "www", "us-east", "", "up"), 200);
  us = regionStatus(status(), "www", "us-east");
  EXPECT_EQ(us.value("state", ""), "up") << us;
  EXPECT_EQ(endpoints(us), (Strings{"192.0.2.10 up", "192.0.2.11 up", "2001:db8:10::10 up"}));
}

TEST_F(PolicyStatus, ReflectsDrainsAtOnce) {
  ASSERT_EQ(drain(R"({"service": "www", "region": "eu-west"})").status, 200);
  ASSERT_EQ(drain(R"({"service": "api", "endpoint": "192.0.2.21"})").status, 200);
  json s = status();
  json eu = regionStatus(s, "www", "eu-west");
  EXPECT_EQ(eu.value("state", ""), "drained") << eu;
  EXPECT_EQ(eu.value("reason", ""), "drained by the API") << eu;
  EXPECT_EQ(regionStatus(s, "api", "eu-west").value("state", ""), "up");  // only www was named
  EXPECT_EQ(endpoints(regionStatus(s, "api", "us-east")),
            (Strings{"192.0.2.20 unknown", "192.0.2.21 drained"}));
  EXPECT_EQ(s["drains"].size(), 2u) << s["drains"];

  ASSERT_EQ(undrain(R"({"service": "www", "region": "eu-west"})").status, 200);
  s = status();
  EXPECT_EQ(regionStatus(s, "www", "eu-west").value("state", ""), "up");
  EXPECT_EQ(s["drains"].size(), 1u) << s["drains"];
}

TEST_F(PolicyStatus, TheStatusPageIsHtml) {
  HttpReply page = httpGet(http_, "/");
  EXPECT_EQ(page.status, 200);
  EXPECT_EQ(page.content_type.rfind("text/html", 0), 0u) << page.content_type;
  EXPECT_NE(page.body.find("<html"), std::string::npos);
  EXPECT_NE(httpGet(http_, "/status.js").body.find("/v1/status"), std::string::npos)
      << "the page reads the JSON";
  EXPECT_EQ(httpGet(http_, "/no/such/page").status, 404);
}

TEST_F(PolicyStatus, NinesctlStatusPrintsEveryRegion) {
  nines::testing::CommandResult result =
      nines::testing::runCommand({nines::testing::binaryPath("ninesctl"), "status", "--server",
                                  "http://127.0.0.1:" + std::to_string(http_)});
  ASSERT_EQ(result.status, 0) << result.err;
  EXPECT_NE(result.out.find("zone gslb.test."), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("service www.gslb.test. (geo)"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("drained"), std::string::npos) << "cdn's ap-south\n" << result.out;
  // The health digest (16 hex digits) and the probers heard, under the services.
  const std::size_t digest = result.out.find("\nhealth digest ");
  ASSERT_NE(digest, std::string::npos) << result.out;
  EXPECT_EQ(result.out.find('\n', digest + 1), digest + 15 + 16) << result.out;
  EXPECT_NE(result.out.find("\nprobers heard: "), std::string::npos) << result.out;
}

}  // namespace
}  // namespace nines::integration
