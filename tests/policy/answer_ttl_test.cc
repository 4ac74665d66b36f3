// TTLs that follow health (policy/answer_ttl.h): which regions make a service unstable and until
// when, the TTL its answers carry, and how explain tells it.

#include "nines/policy/answer_ttl.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "policy_test_support.h"

namespace nines::policy {
namespace {

using testing::exampleZone;

// www of the example zone (regions us-east, eu-west, ap-south, lab) with ttl 60, ttl_unstable 5
// and ttl_calm 300.
ServicePlan plan(std::optional<std::uint32_t> ttl_unstable = 5) {
  zones::Zone zone = exampleZone(zones::PolicyKind::Geo);
  zones::Service service = zone.services[0];
  service.ttl = 60;
  service.ttl_unstable = ttl_unstable;
  service.ttl_calm = 300;
  return ServicePlan::compile(zone, service);
}

ServiceStability judge(const ServicePlan& plan, const std::vector<RegionUnrest>& regions,
                       double now) {
  return judgeStability(plan, regions.data(), regions.size(), now);
}

TEST(AnswerTtlTest, SteadyWhenNothingChanged) {
  const ServicePlan www = plan();
  const ServiceStability stability = judge(www, std::vector<RegionUnrest>(4), 1000);
  EXPECT_FALSE(stability.unstable);
  ServiceHealth health;
  health.stability = stability;
  EXPECT_EQ(answerTtl(www, health), 60u);
}

TEST(AnswerTtlTest, UnstableForTtlCalmAfterAChange) {
  const ServicePlan www = plan();
  std::vector<RegionUnrest> regions(4);
  regions[1] = {Unrest::WentDown, 1000, 0};
  for (double now : {1000.0, 1001.0, 1299.9}) {
    const ServiceStability stability = judge(www, regions, now);
    EXPECT_TRUE(stability.unstable) << now;
    EXPECT_EQ(stability.region, 1u);
    EXPECT_EQ(stability.cause, Unrest::WentDown);
    EXPECT_EQ(stability.changed_at, 1000);
    EXPECT_EQ(stability.calm_at, 1300);
    ServiceHealth health;
    health.stability = stability;
    EXPECT_EQ(answerTtl(www, health), 5u);
  }
  EXPECT_FALSE(judge(www, regions, 1300).unstable);
  EXPECT_FALSE(judge(www, regions, 5000).unstable);
}

TEST(AnswerTtlTest, EveryKindOfChangeCounts) {
  const ServicePlan www = plan();
  for (Unrest cause : {Unrest::WentDown, Unrest::CameBack, Unrest::Endpoints, Unrest::Drained,
                       Unrest::Undrained}) {
    std::vector<RegionUnrest> regions(4);
    regions[2] = {cause, 1000, 0};
    const ServiceStability stability = judge(www, regions, 1100);
    EXPECT_TRUE(stability.unstable) << unrestName(cause);
    EXPECT_EQ(stability.cause, cause);
    EXPECT_EQ(unrestFromName(unrestName(cause)), cause);
  }
}

TEST(AnswerTtlTest, ARampLongerThanTtlCalmKeepsItUnstable) {
  const ServicePlan www = plan();
  std::vector<RegionUnrest> regions(4);
  regions[0] = {Unrest::CameBack, 1000, 1000 + 600};  // slow_start 600 > ttl_calm 300
  ServiceStability stability = judge(www, regions, 1400);
  EXPECT_TRUE(stability.unstable);
  EXPECT_EQ(stability.cause, Unrest::Ramping);
  EXPECT_EQ(stability.calm_at, 1600);
  EXPECT_FALSE(judge(www, regions, 1600).unstable);
  // A ramp shorter than ttl_calm: the change itself decides.
  regions[0] = {Unrest::CameBack, 1000, 1000 + 30};
  stability = judge(www, regions, 1100);
  EXPECT_EQ(stability.cause, Unrest::CameBack);
  EXPECT_EQ(stability.calm_at, 1300);
}

TEST(AnswerTtlTest, TheRegionThatKeepsItUnstableLongestExplainsIt) {
  const ServicePlan www = plan();
  std::vector<RegionUnrest> regions(4);
  regions[0] = {Unrest::WentDown, 1000, 0};
  regions[3] = {Unrest::Drained, 1100, 0};
  regions[1] = {Unrest::Endpoints, 1050, 0};
  const ServiceStability stability = judge(www, regions, 1200);
  EXPECT_EQ(stability.region, 3u);
  EXPECT_EQ(stability.cause, Unrest::Drained);
  EXPECT_EQ(stability.calm_at, 1400);
  // Once the latest change is calm, an older one is long calm too.
  EXPECT_FALSE(judge(www, regions, 1400).unstable);
}

TEST(AnswerTtlTest, WithoutTtlUnstableAlwaysSteadyAndTtl) {
  const ServicePlan www = plan(std::nullopt);
  std::vector<RegionUnrest> regions(4);
  regions[1] = {Unrest::WentDown, 1000, 1000 + 600};
  EXPECT_FALSE(judge(www, regions, 1001).unstable);
  ServiceHealth health;
  health.stability.unstable = true;  // whatever a view says
  EXPECT_EQ(answerTtl(www, health), 60u);
  EXPECT_EQ(describeTtl(www, health, 1001), "ttl 60 (configured; no ttl_unstable)");
}

TEST(AnswerTtlTest, ExplainSaysWhichTtlAndWhy) {
  const ServicePlan www = plan();
  ServiceHealth health;
  EXPECT_EQ(describeTtl(www, health, 1000),
            "ttl 60 (steady: no region changed, ramped or was drained in the last 300 s; "
            "ttl_unstable 5)");
  std::vector<RegionUnrest> regions(4);
  regions[1] = {Unrest::WentDown, 1000, 0};
  health.stability = judge(www, regions, 1040);
  EXPECT_EQ(describeTtl(www, health, 1040),
            "ttl 5 (unstable: region eu-west went down 40 s ago; steady in 260 s, ttl_calm 300), "
            "configured 60");
  regions[1] = {Unrest::CameBack, 1000, 1000 + 900};
  health.stability = judge(www, regions, 1040);
  EXPECT_EQ(describeTtl(www, health, 1040),
            "ttl 5 (unstable: region eu-west is ramping in (slow start) until 860 s from now), "
            "configured 60");
}

}  // namespace
}  // namespace nines::policy
