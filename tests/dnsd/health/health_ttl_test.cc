// TTLs that follow health, as the view builder and the publication loop carry them: which changes
// of a region make its service unstable (policy/answer_ttl.h), that a service without ttl_unstable
// never is, and that the loop publishes a new view when a service turns steady again, so a query
// only ever reads the view.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "health_fixture.h"
#include "nines/dnsd/health/health_publisher.h"
#include "nines/policy/answer_ttl.h"

namespace nines::dnsd {
namespace {

using namespace test;

constexpr double kCalm = 100;

class TtlFollowsHealthTest : public HealthFixture {
 protected:
  void SetUp() override {
    HealthFixture::SetUp();
    // www (slow start 30 s) with ttl 60, ttl_unstable 5 and ttl_calm 100; api as before.
    std::string zone = kZone;
    const std::string slow_start = "slow_start = 30.0\n";
    zone.replace(zone.find(slow_start), slow_start.size(),
                 slow_start + "ttl = 60\nttl_unstable = 5\nttl_calm = 100\n");
    services_ = load(zone);
    ASSERT_NE(services_, nullptr);
  }
  const policy::ServiceStability& stability(const policy::HealthView& view,
                                            const std::string& service) {
    return view.services[slot(service)].stability;
  }
  std::uint32_t ttl(const policy::HealthView& view, const std::string& service) {
    return policy::answerTtl(services_->plans[slot(service)], view.services[slot(service)]);
  }
};

TEST_F(TtlFollowsHealthTest, FirstSeenIsSteady) {
  vote("us-1", "127.0.0.21", false);  // down from the start: nothing changed
  auto view = builder_.build(*services_);
  EXPECT_FALSE(stability(*view, "www").unstable);
  EXPECT_EQ(ttl(*view, "www"), 60u);
}

TEST_F(TtlFollowsHealthTest, AnEndpointGoingDownUnsettlesItsRegionForTtlCalm) {
  builder_.build(*services_);
  now_ += 1;
  const double changed = now_;
  vote("us-1", "127.0.0.11", false);  // us-east keeps 127.0.0.12: still up, one endpoint less
  auto view = builder_.build(*services_);
  EXPECT_TRUE(stability(*view, "www").unstable);
  EXPECT_EQ(stability(*view, "www").region, 0u);
  EXPECT_EQ(stability(*view, "www").cause, policy::Unrest::Endpoints);
  EXPECT_DOUBLE_EQ(stability(*view, "www").calm_at, changed + kCalm);
  EXPECT_EQ(ttl(*view, "www"), 5u);
  EXPECT_FALSE(stability(*view, "api").unstable);  // no ttl_unstable
  EXPECT_EQ(ttl(*view, "api"), 30u);
  // The same state a while later: nothing to publish; past ttl_calm: steady, a change to publish.
  now_ = changed + kCalm - 1;
  EXPECT_EQ(builder_.changesSince(*services_, *view), ViewChange::None);
  now_ = changed + kCalm;
  EXPECT_EQ(builder_.changesSince(*services_, *view), ViewChange::States);
  view = builder_.build(*services_);
  EXPECT_FALSE(stability(*view, "www").unstable);
  EXPECT_EQ(ttl(*view, "www"), 60u);
}

TEST_F(TtlFollowsHealthTest, ARegionThatComesBackIsUnstableWhileItRampsAndForTtlCalm) {
  builder_.build(*services_);
  vote("us-1", "127.0.0.21", false);
  auto view = builder_.build(*services_);
  EXPECT_EQ(stability(*view, "www").cause, policy::Unrest::WentDown);
  EXPECT_EQ(stability(*view, "www").region, 1u);
  now_ += 10;
  const double back = now_;
  vote("us-1", "127.0.0.21", true);
  view = builder_.build(*services_);
  EXPECT_EQ(stability(*view, "www").cause, policy::Unrest::CameBack);
  EXPECT_DOUBLE_EQ(stability(*view, "www").calm_at, back + kCalm);  // ttl_calm > slow_start
  now_ = back + 50;  // the ramp is over, the calm is not
  view = builder_.build(*services_);
  EXPECT_TRUE(stability(*view, "www").unstable);
  now_ = back + kCalm;
  EXPECT_FALSE(builder_.build(*services_)->services[slot("www")].stability.unstable);
}

TEST_F(TtlFollowsHealthTest, DrainsAndUndrainsUnsettleTheRegion) {
  builder_.build(*services_);
  std::string error;
  ASSERT_EQ(builder_.setDrained(*services_, {"", "www", "eu-west", ""}, true, &error), 1u) << error;
  auto view = builder_.build(*services_);
  EXPECT_EQ(stability(*view, "www").cause, policy::Unrest::Drained);
  now_ += kCalm + 1;
  EXPECT_FALSE(builder_.build(*services_)->services[slot("www")].stability.unstable);
  ASSERT_EQ(builder_.setDrained(*services_, {"", "www", "eu-west", ""}, false, &error), 1u)
      << error;
  view = builder_.build(*services_);
  EXPECT_EQ(stability(*view, "www").cause, policy::Unrest::Undrained);
  EXPECT_EQ(ttl(*view, "www"), 5u);
}

TEST_F(TtlFollowsHealthTest, ThePublicationLoopPublishesWhenAServiceTurnsSteady) {
  std::vector<HealthPublisher::View> served;
  HealthPublisher publisher(
      builder_, [this] { return now_; },
      [&](HealthPublisher::View view) { served.push_back(view); });
  publisher.publish(services_, [&](HealthPublisher::View view) { served.push_back(view); });
  const double start = now_;
  vote("us-1", "127.0.0.11", false);
  now_ = start + 0.25;
  ASSERT_TRUE(publisher.tick());
  EXPECT_EQ(ttl(*served.back(), "www"), 5u);
  for (double at : {1.0, 30.0, kCalm - 0.25}) {
    now_ = start + at;
    EXPECT_FALSE(publisher.tick()) << at;
  }
  now_ = start + 0.25 + kCalm;
  ASSERT_TRUE(publisher.tick());
  EXPECT_EQ(ttl(*served.back(), "www"), 60u);
  now_ += 1;
  EXPECT_FALSE(publisher.tick());
}

}  // namespace
}  // namespace nines::dnsd
