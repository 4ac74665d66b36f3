// Decision outcomes (select.h DecisionOutcome): why an answer came from where it did, one line a
// case. Example zone (policy_test_support.h), policy failover, order us-east, eu-west, ap-south,
// then lab; us-east has two IPv4 endpoints and one IPv6, eu-west one IPv4 and no IPv6.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "nines/policy/select.h"
#include "policy_test_support.h"

namespace nines::policy {
namespace {

struct OutcomeCase {
  const char* what;
  std::string health;  // policy_test_support.h health()
  std::uint32_t answers;
  zones::Fallback fallback;
  bool zone_file_drains_us_east;
  double us_east_ramp;
  Family family;
  DecisionOutcome outcome;
  std::vector<std::string> regions;  // of the picks, consecutive repeats once
};

const std::vector<OutcomeCase>& cases() {
  using enum DecisionOutcome;
  using F = zones::Fallback;
  static const std::vector<OutcomeCase> kCases = {
      {"all unknown: the first region answers",
       "",
       1,
       F::All,
       false,
       1,
       Family::V4,
       Primary,
       {"us-east"}},
      {"two of two from the first region",
       "uu",
       2,
       F::All,
       false,
       1,
       Family::V4,
       Primary,
       {"us-east"}},
      {"the first region has two, three wanted",
       "",
       3,
       F::All,
       false,
       1,
       Family::V4,
       Spillover,
       {"us-east", "eu-west"}},
      {"one of us-east's two down, two wanted",
       "ud",
       2,
       F::All,
       false,
       1,
       Family::V4,
       Spillover,
       {"us-east", "eu-west"}},
      {"the first region down", "ddd", 1, F::All, false, 1, Family::V4, Fallback, {"eu-west"}},
      {"the first two down", "ddd|d", 1, F::All, false, 1, Family::V4, Fallback, {"ap-south"}},
      {"the first region drained by the API",
       "!",
       1,
       F::All,
       false,
       1,
       Family::V4,
       DrainedSkip,
       {"eu-west"}},
      {"the first region drained by the zone file",
       "",
       1,
       F::All,
       true,
       1,
       Family::V4,
       DrainedSkip,
       {"eu-west"}},
      {"drained first, down second: the first decides",
       "!|d",
       1,
       F::All,
       false,
       1,
       Family::V4,
       DrainedSkip,
       {"ap-south"}},
      {"the first region ramping, this client not admitted",
       "",
       1,
       F::All,
       false,
       1e-12,
       Family::V4,
       SlowStartSkip,
       {"eu-west"}},
      {"everything down, fallback all",
       "ddd|d|dd|d",
       1,
       F::All,
       false,
       1,
       Family::V4,
       FailOpen,
       {"us-east"}},
      {"everything down, fallback none",
       "ddd|d|dd|d",
       1,
       F::None,
       false,
       1,
       Family::V4,
       Unanswered,
       {}},
      {"AAAA from the first region", "", 1, F::All, false, 1, Family::V6, Primary, {"us-east"}},
      {"AAAA, first down, eu-west has no IPv6: NODATA",
       "ddd",
       1,
       F::All,
       false,
       1,
       Family::V6,
       Fallback,
       {}},
  };
  return kCases;
}

TEST(SelectOutcomeTest, EachCaseHasItsOutcome) {
  for (const OutcomeCase& c : cases()) {
    SCOPED_TRACE(c.what);
    zones::Zone zone = testing::exampleZone(zones::PolicyKind::Failover);
    zones::Service& www = zone.services[0];
    www.answers = c.answers;
    www.fallback = c.fallback;
    www.pools[0].drain = c.zone_file_drains_us_east;
    const ServicePlan plan = ServicePlan::compile(zone, www);
    ServiceHealth state = testing::health(www, c.health);
    state.regions[0].ramp = c.us_east_ramp;
    const testing::Answer answer =
        testing::run(plan, state, testing::client("192.0.2.1"), c.family);
    EXPECT_EQ(std::string(decisionOutcomeName(answer.decision.outcome)),
              decisionOutcomeName(c.outcome));
    EXPECT_EQ(answer.regions, c.regions);
    EXPECT_EQ(answer.decision.fail_open, c.outcome == DecisionOutcome::FailOpen);
  }
}

// A ramp admits a share of subnets: those get primary, the others slow_start_skip, and nothing
// else happens while every region is up.
TEST(SelectOutcomeTest, RampSplitsPrimaryAndSlowStartSkip) {
  zones::Zone zone = testing::exampleZone(zones::PolicyKind::Failover);
  const ServicePlan plan = ServicePlan::compile(zone, zone.services[0]);
  ServiceHealth state = testing::health(zone.services[0]);
  state.regions[0].ramp = 0.5;
  int primary = 0, skipped = 0;
  constexpr int kSubnets = 2000;
  for (int i = 0; i < kSubnets; ++i) {
    const std::string address =
        std::to_string(11 + i % 200) + "." + std::to_string(i / 200) + ".7.1";
    const Decision decision = testing::run(plan, state, testing::client(address)).decision;
    if (decision.outcome == DecisionOutcome::Primary) ++primary;
    if (decision.outcome == DecisionOutcome::SlowStartSkip) ++skipped;
  }
  EXPECT_EQ(primary + skipped, kSubnets);
  EXPECT_NEAR(primary / double(kSubnets), 0.5, 0.05);
}

// Weighted: the head of the order is the subnet's hashed region; its being down is a fallback.
TEST(SelectOutcomeTest, WeightedFirstRegionDownIsFallback) {
  zones::Zone zone = testing::exampleZone(zones::PolicyKind::Weighted);
  const ServicePlan plan = ServicePlan::compile(zone, zone.services[0]);
  const Client who = testing::client("198.51.100.1");
  const Decision healthy = testing::run(plan, testing::health(zone.services[0]), who).decision;
  ASSERT_EQ(healthy.outcome, DecisionOutcome::Primary);
  std::string spec;
  for (std::size_t r = 0; r < plan.regions.size(); ++r) {
    if (r > 0) spec += "|";
    if (r == healthy.picks[0].region) spec += "ddd";
  }
  const Decision moved = testing::run(plan, testing::health(zone.services[0], spec), who).decision;
  EXPECT_EQ(moved.outcome, DecisionOutcome::Fallback);
  EXPECT_NE(moved.picks[0].region, healthy.picks[0].region);
}

TEST(SelectOutcomeTest, NamesAreTheMetricLabels) {
  const std::vector<std::string> expected = {"primary",   "spillover",    "fallback",
                                             "fail_open", "drained_skip", "slow_start_skip",
                                             "unanswered"};
  ASSERT_EQ(expected.size(), kDecisionOutcomes);
  for (std::size_t i = 0; i < kDecisionOutcomes; ++i) {
    EXPECT_EQ(std::string(decisionOutcomeName(static_cast<DecisionOutcome>(i))), expected[i]);
  }
}

}  // namespace
}  // namespace nines::policy
