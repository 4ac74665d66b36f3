// Slow start in geo, latency and failover: a region ramping in (RegionHealth.ramp < 1) takes a
// client subnet only when the hash of (subnet, region) falls in [0, ramp); the others skip it as
// if it were down, unless that would leave them with nothing. Weighted scales weights instead
// (select_weighted_test.cc). Example zone: us-east, eu-west, ap-south, lab (policy_test_support.h).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "nines/policy/select.h"
#include "policy_test_support.h"

namespace nines::policy {
namespace {

using testing::client;
using Strings = std::vector<std::string>;

constexpr int kSubnets = 10000;

// The i-th of many distinct /24s.
std::string subnetAddress(int i, int host = 1) {
  return std::to_string(11 + i % 200) + "." + std::to_string(i / 200) + "." +
         std::to_string((i * 37) % 256) + "." + std::to_string(host);
}

Client dubliner(int i, int host = 1) {
  return client(subnetAddress(i, host), 32, "EU", "IE", testing::kDublin);
}

struct Service {
  zones::Zone zone;
  ServicePlan plan;
};

Service make(zones::PolicyKind policy) {
  Service s{testing::exampleZone(policy), {}};
  s.plan = ServicePlan::compile(s.zone, s.zone.services[0]);
  return s;
}

// The share of kSubnets clients whose first answer is from `region`.
double shareOf(const ServicePlan& plan, const ServiceHealth& state, const std::string& region,
               const RttMatrix* rtt = nullptr) {
  int count = 0;
  for (int i = 0; i < kSubnets; ++i) {
    testing::Answer a = testing::run(plan, state, dubliner(i), Family::V4, rtt);
    if (!a.regions.empty() && a.regions[0] == region) ++count;
  }
  return count / double(kSubnets);
}

struct ShareCase {
  const char* what;
  zones::PolicyKind policy;
  std::string health;
  std::size_t ramping;  // region slot with the ramp
  double ramp;
  const char* region;  // whose share of first answers is measured
  double share;
};

const ShareCase kShares[] = {
    // geo: a Dubliner's order is eu-west, us-east, ...
    {"geo, ramp 0.05", zones::PolicyKind::Geo, "", 1, 0.05, "eu-west", 0.05},
    {"geo, ramp 0.25", zones::PolicyKind::Geo, "", 1, 0.25, "eu-west", 0.25},
    {"geo, ramp 0.5", zones::PolicyKind::Geo, "", 1, 0.5, "eu-west", 0.5},
    {"geo, full", zones::PolicyKind::Geo, "", 1, 1.0, "eu-west", 1.0},
    {"geo, the rest spill to the next", zones::PolicyKind::Geo, "", 1, 0.25, "us-east", 0.75},
    // A ramping region further down the order changes nothing for clients it does not lead.
    {"geo, ramp of a later region", zones::PolicyKind::Geo, "", 2, 0.05, "eu-west", 1.0},
    // failover: us-east is active; while it ramps, the others go to eu-west.
    {"failover, ramp 0.3", zones::PolicyKind::Failover, "", 0, 0.3, "us-east", 0.3},
    {"failover, ramp 0.3, passive", zones::PolicyKind::Failover, "", 0, 0.3, "eu-west", 0.7},
    // Only the ramping region is up (lab too is down): everybody gets it, not a fail-open answer.
    {"failover, nothing else up", zones::PolicyKind::Failover, "|d|dd|d", 0, 0.05, "us-east", 1.0},
    {"geo, nothing else up", zones::PolicyKind::Geo, "ddd||dd|d", 1, 0.05, "eu-west", 1.0},
};

TEST(SelectSlowStart, ARampingRegionTakesItsShareOfClients) {
  for (const ShareCase& c : kShares) {
    SCOPED_TRACE(c.what);
    Service s = make(c.policy);
    ServiceHealth state = testing::health(s.zone.services[0], c.health);
    state.regions[c.ramping].ramp = c.ramp;
    EXPECT_NEAR(shareOf(s.plan, state, c.region), c.share, 0.02);
  }
}

TEST(SelectSlowStart, NothingElseUpIsNotFailOpen) {
  Service s = make(zones::PolicyKind::Failover);
  ServiceHealth state = testing::health(s.zone.services[0], "|d|dd|d");
  state.regions[0].ramp = 0.05;
  for (int i = 0; i < 100; ++i) {
    testing::Answer a = testing::run(s.plan, state, dubliner(i));
    EXPECT_EQ(a.regions, Strings{"us-east"});
    EXPECT_FALSE(a.decision.fail_open);
  }
}

TEST(SelectSlowStart, LatencyRampsTheFastestRegion) {
  Service s = make(zones::PolicyKind::Latency);
  RttMatrix rtt;
  rtt.vantages = {{"eu-west", testing::kDublin}};
  rtt.regions = {"us-east", "eu-west", "ap-south"};
  rtt.rtt_ms = {{80, 2, 120}};
  ServiceHealth state = testing::health(s.zone.services[0]);
  state.regions[1].ramp = 0.4;
  EXPECT_NEAR(shareOf(s.plan, state, "eu-west", &rtt), 0.4, 0.02);
  EXPECT_NEAR(shareOf(s.plan, state, "us-east", &rtt), 0.6, 0.02);
}

TEST(SelectSlowStart, AdmissionIsStickyAndGrowsWithTheRamp) {
  Service s = make(zones::PolicyKind::Geo);
  ServiceHealth low = testing::health(s.zone.services[0]);
  ServiceHealth high = low;
  low.regions[1].ramp = 0.3;
  high.regions[1].ramp = 0.6;
  int admitted_low = 0;
  for (int i = 0; i < 2000; ++i) {
    testing::Answer first = testing::run(s.plan, low, dubliner(i, 1));
    // Another host of the same /24: the same answer.
    EXPECT_EQ(testing::run(s.plan, low, dubliner(i, 200)).regions, first.regions);
    if (first.regions[0] != "eu-west") continue;
    ++admitted_low;
    // Admitted at 0.3: still admitted at 0.6.
    EXPECT_EQ(testing::run(s.plan, high, dubliner(i, 1)).regions[0], "eu-west") << i;
  }
  EXPECT_GT(admitted_low, 0);
}

TEST(SelectSlowStart, TheEcsScopeCoversTheHashedSubnetWhileARampDecides) {
  Service s = make(zones::PolicyKind::Geo);
  // A client located by a /8 nets entry sends ECS /24.
  Client who = client("198.51.100.7", 24, "EU", "IE", testing::kDublin, 8);
  ServiceHealth state = testing::health(s.zone.services[0]);
  EXPECT_EQ(testing::run(s.plan, state, who).decision.scope, 8);
  state.regions[1].ramp = 0.5;  // eu-west leads this client's order
  EXPECT_EQ(testing::run(s.plan, state, who).decision.scope, 24);
  // Ramping, but behind the region that answered: the location decided alone.
  state.regions[1].ramp = 1.0;
  state.regions[2].ramp = 0.5;
  EXPECT_EQ(testing::run(s.plan, state, who).decision.scope, 8);
}

// explain's trace says, on the ramping region's line, whether this client's subnet is admitted:
// exactly when the answer came from there.
TEST(SelectSlowStart, TheTraceSaysWhetherTheRampAdmitsTheClient) {
  Service s = make(zones::PolicyKind::Geo);
  ServiceHealth state = testing::health(s.zone.services[0]);
  state.regions[1].ramp = 0.3;
  int admitted = 0, skipped = 0;
  for (int i = 0; i < 200; ++i) {
    Trace trace;
    testing::Answer a = testing::run(s.plan, state, dubliner(i), Family::V4, nullptr, &trace);
    std::string line;
    for (const auto& region : trace.regions) {
      if (region.rfind("eu-west:", 0) == 0) line = region;
    }
    SCOPED_TRACE(line);
    ASSERT_NE(line.find("slow start at 30%"), std::string::npos);
    if (a.regions[0] == "eu-west") {
      EXPECT_NE(line.find("admits this client's subnet"), std::string::npos);
      ++admitted;
    } else {
      EXPECT_NE(line.find("skips this client's subnet"), std::string::npos);
      ++skipped;
    }
    // Regions not ramping say nothing of it.
    for (const auto& region : trace.regions) {
      if (region.rfind("eu-west:", 0) != 0) {
        EXPECT_EQ(region.find("slow start"), std::string::npos);
      }
    }
  }
  EXPECT_GT(admitted, 20);
  EXPECT_GT(skipped, 100);
}

TEST(SelectSlowStart, FailOpenIgnoresRamps) {
  Service s = make(zones::PolicyKind::Geo);
  ServiceHealth state = testing::health(s.zone.services[0], "ddd|d|dd|d");
  state.regions[1].ramp = 0.05;
  for (int i = 0; i < 100; ++i) {
    testing::Answer a = testing::run(s.plan, state, dubliner(i));
    EXPECT_TRUE(a.decision.fail_open);
    EXPECT_EQ(a.regions, Strings{"eu-west"});
  }
}

}  // namespace
}  // namespace nines::policy
