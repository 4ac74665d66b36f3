// StateChangeLog and viewChanges(): the log keeps the newest changes, in order, within its bound;
// the publication loop records region and endpoint changes with the reason of the new state, also
// across a reload (matched by name) and for drains.
#include "nines/dnsd/health/state_change_log.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "health_fixture.h"
#include "nines/dnsd/health/health_publisher.h"

namespace nines::dnsd {
namespace {

using namespace test;

StateChange named(const std::string& region) {
  StateChange change;
  change.region = region;
  return change;
}

std::vector<std::string> regionsOf(const std::vector<StateChange>& changes) {
  std::vector<std::string> out;
  for (const auto& change : changes) out.push_back(change.region);
  return out;
}

TEST(StateChangeLog, KeepsTheNewestWithinItsCapacityNewestFirst) {
  StateChangeLog log(3);
  for (const char* region : {"a", "b", "c", "d", "e"}) log.record(named(region));
  const auto recent = log.recent();
  EXPECT_EQ(regionsOf(recent), (std::vector<std::string>{"e", "d", "c"}));
  EXPECT_EQ(recent[0].seq, 5u);
  EXPECT_EQ(recent[2].seq, 3u);
  EXPECT_EQ(regionsOf(log.recent(1)), std::vector<std::string>{"e"});
  EXPECT_TRUE(log.recent(0).empty());
}

TEST(StateChangeLog, ABatchOfEndpointChangesKeepsItsNewestAndLeavesRegionChangesAlone) {
  StateChangeLog log(2);
  log.record(named("region"));  // a region change
  std::vector<StateChange> endpoints;
  for (const char* region : {"a", "b", "c", "d"}) {
    endpoints.push_back(named(region));
    endpoints.back().kind = ChangeKind::Endpoint;
  }
  log.record(endpoints);
  const auto recent = log.recent();
  EXPECT_EQ(regionsOf(recent), (std::vector<std::string>{"d", "c", "region"}));
  EXPECT_EQ(recent[0].seq, 5u);  // "a" and "b" were numbered though no longer kept
  EXPECT_EQ(recent[2].seq, 1u);
  log.record(named("next"));
  EXPECT_EQ(regionsOf(log.recent()), (std::vector<std::string>{"next", "d", "c", "region"}));
  EXPECT_EQ(log.recent(1)[0].seq, 6u);
  log.record(named("last"));  // the oldest region change goes, the endpoint changes stay
  EXPECT_EQ(regionsOf(log.recent()), (std::vector<std::string>{"last", "next", "d", "c"}));
}

class StateChangesTest : public HealthFixture {
 protected:
  void SetUp() override {
    HealthFixture::SetUp();
    publisher_.recordChangesIn(&log_);
    for (const char* endpoint : {"127.0.0.11", "127.0.0.12", "127.0.0.21"}) {
      vote("us-1", endpoint, true);
    }
    publisher_.publish(services_, [](HealthPublisher::View) {});
    // The first view has nothing before it: no changes, however many endpoints it has.
    ASSERT_TRUE(log_.recent().empty());
  }
  // The changes since `seq`, oldest first.
  std::vector<StateChange> since(std::uint64_t seq) const {
    std::vector<StateChange> out;
    for (const auto& change : log_.recent()) {
      if (change.seq > seq) out.insert(out.begin(), change);
    }
    return out;
  }

  StateChangeLog log_;
  HealthPublisher publisher_{builder_, [this] { return now_; }, [](HealthPublisher::View) {}};
};

TEST_F(StateChangesTest, ARegionGoingDownIsRecordedWithItsEndpointAndTheReasons) {
  vote("us-1", "127.0.0.21", false);
  now_ += 1;
  ASSERT_TRUE(publisher_.tick());
  const auto changes = since(0);
  // eu-west of www goes down; api's eu-west has no check, so its endpoint stays unknown.
  ASSERT_EQ(changes.size(), 2u);
  const StateChange& region = changes[0];
  EXPECT_EQ(region.kind, ChangeKind::Region);
  EXPECT_EQ(region.zone, "gslb.test.");
  EXPECT_EQ(region.service, "www.gslb.test.");
  EXPECT_EQ(region.region, "eu-west");
  EXPECT_EQ(region.endpoint, "");
  EXPECT_EQ(region.from, "up");
  EXPECT_EQ(region.to, "down");
  EXPECT_EQ(region.reason, "0/1 endpoints up or unknown, min_up 1");
  EXPECT_DOUBLE_EQ(region.time, now_);
  const StateChange& endpoint = changes[1];
  EXPECT_EQ(endpoint.kind, ChangeKind::Endpoint);
  EXPECT_EQ(endpoint.endpoint, "127.0.0.21");
  EXPECT_EQ(endpoint.from, "up");
  EXPECT_EQ(endpoint.to, "down");
  EXPECT_NE(endpoint.reason.find("refused"), std::string::npos) << endpoint.reason;

  // Nothing new, nothing recorded; back up is recorded with the slow start in its reason.
  now_ += 1;
  EXPECT_FALSE(publisher_.tick());
  EXPECT_EQ(log_.recent().size(), 2u);
  vote("us-1", "127.0.0.21", true);
  now_ += 1;
  ASSERT_TRUE(publisher_.tick());
  const auto back = since(2);
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[0].from, "down");
  EXPECT_EQ(back[0].to, "up");
  EXPECT_NE(back[0].reason.find("slow start"), std::string::npos) << back[0].reason;
}

TEST_F(StateChangesTest, ADrainIsRecordedAsDrainedWithWhoDrainedIt) {
  std::string error;
  ASSERT_EQ(builder_.setDrained(*services_, {"", "www", "us-east", ""}, true, &error), 1u) << error;
  publisher_.republish();
  const auto changes = since(0);
  ASSERT_EQ(changes.size(), 1u);  // the pool is drained; its endpoints keep their states
  EXPECT_EQ(changes[0].region, "us-east");
  EXPECT_EQ(changes[0].from, "up");
  EXPECT_EQ(changes[0].to, "drained");
  EXPECT_EQ(changes[0].reason, "drained by the API");
}

TEST_F(StateChangesTest, AReloadMatchesRegionsAndEndpointsByNameAndIgnoresNewOnes) {
  // The reload moves eu-west before us-east, adds an endpoint and a region; 127.0.0.21 is down.
  std::string zone = kZone;
  const std::string www_us =
      "[services.www.pools.us-east]\nendpoints = [\"127.0.0.11\", \"127.0.0.12\"]\n";
  const std::string www_eu = "[services.www.pools.eu-west]\nendpoints = [\"127.0.0.21\"]\n";
  ASSERT_NE(zone.find(www_us), std::string::npos);
  zone.replace(zone.find(www_us), www_us.size(), "");
  zone.replace(zone.find(www_eu), www_eu.size(),
               "[services.www.pools.eu-west]\nendpoints = [\"127.0.0.22\", \"127.0.0.21\"]\n" +
                   www_us +
                   "[regions.ap-south]\n[services.www.pools.ap-south]\n"
                   "endpoints = [\"127.0.0.31\"]\n");
  auto reloaded = load(zone);
  ASSERT_NE(reloaded, nullptr);
  vote("us-1", "127.0.0.21", false);
  vote("us-1", "127.0.0.22", false);
  vote("us-1", "127.0.0.31", false);
  now_ += 1;
  publisher_.publish(reloaded, [](HealthPublisher::View) {});
  const auto changes = since(0);
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_EQ(changes[0].region, "eu-west");
  EXPECT_EQ(changes[0].endpoint, "");
  EXPECT_EQ(changes[0].to, "down");
  EXPECT_EQ(changes[1].endpoint, "127.0.0.21");  // .22 and ap-south are new: not changes
  EXPECT_EQ(changes[1].to, "down");
}

}  // namespace
}  // namespace nines::dnsd
