// HealthPublisher on a fake clock: what it publishes, and when. States changes go out at once,
// slow-start ramps at most once a second, an RTT change alone at most every five seconds, and a
// tick that finds nothing new publishes nothing. Reloads and drains publish at once.
#include "nines/dnsd/health/health_publisher.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <vector>

#include "health_fixture.h"

namespace nines::dnsd {
namespace {

using namespace test;

class HealthPublisherTest : public HealthFixture {
 protected:
  void SetUp() override {
    HealthFixture::SetUp();
    publisher_.publish(services_, [this](HealthPublisher::View view) {
      ++reloads_;
      served_.push_back(std::move(view));
    });
    ASSERT_EQ(served_.size(), 1u);
  }
  // Ticks at `now_`; whether the tick published.
  bool tickAt(double at) {
    now_ = at;
    const std::size_t before = served_.size();
    const bool published = publisher_.tick();
    EXPECT_EQ(published, served_.size() == before + 1);
    return published;
  }
  const policy::HealthView& last() const { return *served_.back(); }

  std::vector<HealthPublisher::View> served_;
  int reloads_ = 0;
  HealthPublisher publisher_{builder_, [this] { return now_; },
                             [this](HealthPublisher::View view) { served_.push_back(view); }};
};

TEST_F(HealthPublisherTest, AReloadIsServedAtOnceThroughItsOwnSink) {
  EXPECT_EQ(reloads_, 1);
  EXPECT_EQ(last().services.size(), services_->size());
  EXPECT_DOUBLE_EQ(last().built_at, now_);
}

TEST_F(HealthPublisherTest, NothingNewNothingPublished) {
  for (double at : {now_ + 0.25, now_ + 0.5, now_ + 3, now_ + 60}) {
    EXPECT_FALSE(tickAt(at)) << at;
  }
}

TEST_F(HealthPublisherTest, AStateChangeIsPublishedAtTheNextTick) {
  const double start = now_;
  vote("us-1", "127.0.0.11", false);
  EXPECT_TRUE(tickAt(start + 0.01));  // however soon after the last publication
  EXPECT_EQ(last().services[slot("www")].regions[0].endpoints[0], kDown);
  vote("us-1", "127.0.0.11", true);
  EXPECT_TRUE(tickAt(start + 0.02));
  EXPECT_EQ(last().services[slot("www")].regions[0].endpoints[0], kUp);
  EXPECT_FALSE(tickAt(start + 0.03));
}

TEST_F(HealthPublisherTest, ARampIsRepublishedAtMostOnceASecond) {
  // eu-west (www's region 1, slow_start 30 s) goes down, then comes back and ramps in.
  vote("us-1", "127.0.0.21", false);
  ASSERT_TRUE(tickAt(now_ + 0.25));
  vote("us-1", "127.0.0.21", true);
  const double back = now_ + 0.25;
  ASSERT_TRUE(tickAt(back));  // up again: a state change, at once
  const double ramp_at_back = last().services[slot("www")].regions[1].ramp;
  EXPECT_NEAR(ramp_at_back, 0.05, 1e-9);
  // The ramp moves with the clock, but within a second of the last publication nothing goes out.
  EXPECT_FALSE(tickAt(back + 0.25));
  EXPECT_FALSE(tickAt(back + 0.75));
  EXPECT_TRUE(tickAt(back + 3));  // 0.1 of the share by now
  EXPECT_NEAR(last().services[slot("www")].regions[1].ramp, 0.1, 1e-9);
  EXPECT_FALSE(tickAt(back + 3.5));
  EXPECT_TRUE(tickAt(back + 4.0));
}

TEST_F(HealthPublisherTest, AnRttChangeAloneWaitsFiveSeconds) {
  const double start = now_;
  vote("us-1", "127.0.0.11", true, 10);
  ASSERT_TRUE(tickAt(start + 0.25));  // unknown -> up
  EXPECT_FALSE(last().rtt.rtt_ms.empty());
  vote("us-1", "127.0.0.11", true, 80);  // same state, another RTT
  for (double after : {0.5, 1.0, 2.0, 4.0}) {
    EXPECT_FALSE(tickAt(start + 0.25 + after)) << after;
  }
  EXPECT_TRUE(tickAt(start + 0.25 + 5.0));
  EXPECT_FALSE(tickAt(start + 0.25 + 5.5));
}

TEST_F(HealthPublisherTest, RepublishGoesOutAtOnceThroughTheLoopsSink) {
  std::string error;
  ASSERT_EQ(builder_.setDrained(*services_, {"", "www", "eu-west", ""}, true, &error), 1u);
  const std::size_t before = served_.size();
  publisher_.republish();
  ASSERT_EQ(served_.size(), before + 1);
  EXPECT_TRUE(last().services[slot("www")].regions[1].drained);
  EXPECT_EQ(reloads_, 1);
  EXPECT_FALSE(tickAt(now_ + 0.25));  // already published
}

TEST_F(HealthPublisherTest, TheLoopTicksUntilStopped) {
  std::atomic<int> before_ticks{0};
  publisher_.start(std::chrono::milliseconds(5), [&] { ++before_ticks; });
  EXPECT_TRUE(nines::testing::waitUntil([&] { return before_ticks.load() >= 3; }));
  publisher_.stop();
  const int stopped_at = before_ticks.load();
  EXPECT_FALSE(nines::testing::waitUntil([&] { return before_ticks.load() > stopped_at; },
                                         std::chrono::milliseconds(50)));
}

}  // namespace
}  // namespace nines::dnsd
