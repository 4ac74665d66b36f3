// select()'s explain text: what `ninesctl explain` shows a person.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "nines/policy/select.h"
#include "policy_test_support.h"

namespace nines::policy {
namespace {

using testing::client;
using Strings = std::vector<std::string>;

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

Trace explain(zones::PolicyKind kind, const Client& who, const std::string& health,
              Family family = Family::V4, void (*tweak)(zones::Zone&) = nullptr,
              const RttMatrix* rtt = nullptr) {
  zones::Zone zone = testing::exampleZone(kind);
  if (tweak) tweak(zone);
  ServicePlan plan = ServicePlan::compile(zone, zone.services[0]);
  Trace trace;
  trace.rule = "stale";  // select() starts from a clean trace
  Decision decision;
  select(plan, testing::health(zone.services[0], health), rtt, who, family, decision, &trace);
  return trace;
}

Client india() { return client("192.0.2.1", 24, "AS", "IN", testing::kMumbai, 24); }
Client dublin() { return client("198.51.100.7", 24, "EU", "IE", testing::kDublin, 24); }

TEST(SelectTrace, Geo) {
  auto drainUsEast = [](zones::Zone& z) { z.regions[0].drain = true; };
  Trace t = explain(zones::PolicyKind::Geo, india(), "|!|dd", Family::V4, drainUsEast);
  EXPECT_EQ(t.policy, "geo");
  EXPECT_EQ(t.location,
            "192.0.2.1 -> nets 192.0.2.0/24: AS/IN (19.1, 72.9), valid for 192.0.2.0/24");
  EXPECT_EQ(t.rule, "geo: country IN -> [ap-south], then nearest by distance from (19.1, 72.9)");
  EXPECT_EQ(t.order, (Strings{"ap-south", "eu-west", "us-east", "lab"}));
  ASSERT_EQ(t.regions.size(), 4u);
  EXPECT_TRUE(contains(t.regions[0], "ap-south: down (0/2 endpoints up, min_up 1)"))
      << t.regions[0];
  EXPECT_TRUE(contains(t.regions[0], "0 km")) << t.regions[0];
  EXPECT_TRUE(contains(t.regions[1], "eu-west: drained (API)")) << t.regions[1];
  EXPECT_TRUE(contains(t.regions[1], "no IPv6")) << t.regions[1];
  EXPECT_TRUE(contains(t.regions[2], "us-east: drained (zone file)")) << t.regions[2];
  EXPECT_TRUE(contains(t.regions[3], "lab: up (1/1 endpoints up, 1 of them unknown, min_up 1)"))
      << t.regions[3];
  EXPECT_EQ(t.answer, Strings{"192.0.2.99"});
  EXPECT_EQ(t.outcome, "answered from lab");
  EXPECT_EQ(t.decision_outcome, "fallback");  // ap-south, first in the order, is down
  EXPECT_TRUE(contains(t.scope_reason, "/24: the client location decided")) << t.scope_reason;
  EXPECT_FALSE(t.fail_open);
}

TEST(SelectTrace, GeoNetAndDistance) {
  Trace net = explain(zones::PolicyKind::Geo, client("203.0.113.5", 32, "", "", std::nullopt), "");
  EXPECT_EQ(net.location,
            "203.0.113.5 -> unknown (no nets entry and no database record), valid for "
            "0.0.0.0/0");
  EXPECT_EQ(net.rule,
            "geo: net 203.0.113.0/24 -> [ap-south], then order [us-east, eu-west, "
            "ap-south] (no client location point)");
  EXPECT_EQ(net.scope_reason, "/24: service geo net 203.0.113.0/24 decided");
  Trace near = explain(zones::PolicyKind::Geo,
                       client("10.0.0.1", 24, "SA", "BR", testing::kSaoPaulo, 16), "");
  EXPECT_EQ(near.rule, "geo: nearest by distance from (-23.5, -46.6)");
}

TEST(SelectTrace, FailOpenAndNoData) {
  Trace open = explain(zones::PolicyKind::Geo, dublin(), "ddd|d|dd|d");
  EXPECT_TRUE(open.fail_open);
  EXPECT_EQ(open.answer, Strings{"198.51.100.10"});
  EXPECT_TRUE(contains(open.outcome, "fail open")) << open.outcome;
  EXPECT_EQ(open.decision_outcome, "fail_open");
  Trace nodata = explain(zones::PolicyKind::Geo, dublin(), "", Family::V6);
  EXPECT_TRUE(nodata.answer.empty());
  EXPECT_TRUE(contains(nodata.outcome, "NODATA: the primary region eu-west has no IPv6"))
      << nodata.outcome;
  auto none = [](zones::Zone& z) { z.services[0].fallback = zones::Fallback::None; };
  Trace down = explain(zones::PolicyKind::Geo, dublin(), "ddd|d|dd|d", Family::V4, none);
  EXPECT_FALSE(down.fail_open);
  EXPECT_TRUE(contains(down.outcome, "fallback is \"none\"")) << down.outcome;
}

TEST(SelectTrace, OtherPolicies) {
  Trace weighted = explain(zones::PolicyKind::Weighted, client("198.51.100.7", 32), "");
  EXPECT_EQ(weighted.policy, "weighted");
  EXPECT_EQ(weighted.rule, "weighted: rendezvous on 198.51.100.0/24");
  for (const std::string& line : weighted.regions) {
    EXPECT_TRUE(contains(line, ", weight ")) << line;
  }
  EXPECT_TRUE(contains(weighted.scope_reason, "/24: weighted hashes the client's /24"));

  Trace failover = explain(zones::PolicyKind::Failover, dublin(), "");
  EXPECT_EQ(failover.rule, "failover: order");
  EXPECT_EQ(failover.order, (Strings{"us-east", "eu-west", "ap-south", "lab"}));
  EXPECT_TRUE(contains(failover.scope_reason, "0: failover")) << failover.scope_reason;

  RttMatrix rtt;
  rtt.vantages = {{"eu-1", testing::kLondon}};
  rtt.regions = {"eu-west"};
  rtt.rtt_ms = {{7.5}};
  Trace latency = explain(zones::PolicyKind::Latency, dublin(), "", Family::V4, nullptr, &rtt);
  EXPECT_TRUE(contains(latency.rule, "latency: RTT from vantage eu-1")) << latency.rule;
  EXPECT_TRUE(contains(latency.regions[0], "rtt 7.5 ms")) << latency.regions[0];
  EXPECT_TRUE(contains(latency.regions[1], "rtt unknown")) << latency.regions[1];
}

TEST(SelectTrace, EcsLimits) {
  Trace no_ecs = explain(zones::PolicyKind::Geo, client("198.51.100.7", -1, "EU", "IE"), "");
  EXPECT_TRUE(contains(no_ecs.scope_reason, "no ECS")) << no_ecs.scope_reason;
  Trace zero = explain(zones::PolicyKind::Geo, client("198.51.100.7", 0, "EU", "IE"), "");
  EXPECT_TRUE(contains(zero.scope_reason, "source prefix 0")) << zero.scope_reason;
  Trace longer =
      explain(zones::PolicyKind::Geo, client("198.51.100.7", 16, "EU", "IE", std::nullopt, 24), "");
  EXPECT_TRUE(contains(longer.scope_reason, "/24: the client location decided"))
      << longer.scope_reason;
  EXPECT_TRUE(contains(longer.scope_reason,
                       "longer than the ECS source prefix /16: it was not specific enough"))
      << longer.scope_reason;
}

}  // namespace
}  // namespace nines::policy
