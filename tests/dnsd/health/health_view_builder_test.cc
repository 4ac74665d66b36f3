// HealthViewBuilder: the vote table's verdicts become the endpoint states of every pool that uses
// the checked endpoint (services without a check stay unknown), drains and test overrides win over
// verdicts, a region coming back is ramped in over slow_start, each region's verdict says why,
// and compareViews tells the publication loop what changed. A fake clock drives it.
#include "nines/dnsd/health/health_view_builder.h"

#include <gtest/gtest.h>

#include <string>

#include "health_fixture.h"

namespace nines::dnsd {
namespace {

using namespace test;
using HealthViewBuilderTest = HealthFixture;

TEST_F(HealthViewBuilderTest, VerdictsBecomeEndpointStatesOfCheckedServices) {
  auto before = builder_.build(*services_);
  EXPECT_EQ(endpoints(*before, "www", 0), (States{kUnknown, kUnknown}));
  EXPECT_EQ(note(*before, "www", 0, 0).reason, "no votes yet");
  EXPECT_EQ(note(*before, "www", 0, 0).target, target("127.0.0.11"));

  vote("us-1", "127.0.0.11", true);
  vote("us-1", "127.0.0.12", false);
  auto view = builder_.build(*services_);
  EXPECT_EQ(endpoints(*view, "www", 0), (States{kUp, kDown}));
  EXPECT_EQ(endpoints(*view, "www", 1), (States{kUnknown}));
  EXPECT_EQ(note(*view, "www", 0, 1).reason, "0/1 fresh votes up (quorum > 0.5); us-1: refused");
  EXPECT_TRUE(note(*view, "www", 0, 1).verdict);
  // api has no check: the votes on its endpoint do not apply to it.
  EXPECT_EQ(endpoints(*view, "api", 0), (States{kUnknown}));
  EXPECT_EQ(note(*view, "api", 0, 0).reason, "no check configured");
  EXPECT_TRUE(note(*view, "api", 0, 0).target.empty());
  EXPECT_EQ(compareViews(*before, *view), ViewChange::States);
  EXPECT_EQ(compareViews(*view, *builder_.build(*services_)), ViewChange::None);
}

TEST_F(HealthViewBuilderTest, DrainsAndOverridesWinOverVerdicts) {
  vote("us-1", "127.0.0.11", true);
  vote("us-1", "127.0.0.12", true);
  std::string error;
  ASSERT_EQ(builder_.setState(*services_, {"", "www", "", "127.0.0.11"}, kDown, &error), 1u)
      << error;
  ASSERT_EQ(builder_.setDrained(*services_, {"", "www", "", "127.0.0.12"}, true, &error), 1u)
      << error;
  auto view = builder_.build(*services_);
  EXPECT_EQ(endpoints(*view, "www", 0), (States{kDown, kDrained}));
  EXPECT_EQ(note(*view, "www", 0, 0).reason, "test override");
  EXPECT_FALSE(note(*view, "www", 0, 0).verdict);
  EXPECT_EQ(note(*view, "www", 0, 1).reason, "drained by the API");
  EXPECT_EQ(note(*view, "www", 0, 1).drained_by, policy::DrainedBy::Api);
  EXPECT_EQ(note(*view, "www", 0, 0).drained_by, policy::DrainedBy::None);
  // Cleared, the verdicts show through again.
  ASSERT_EQ(builder_.setState(*services_, {"", "www", "", "127.0.0.11"}, kUnknown, &error), 1u);
  ASSERT_EQ(builder_.setDrained(*services_, {"", "www", "", "127.0.0.12"}, false, &error), 1u);
  EXPECT_EQ(endpoints(*builder_.build(*services_), "www", 0), (States{kUp, kUp}));
}

// Each region's verdict comes with the view: usable or not, who drained it, and why, so that
// /v1/status and explain read fields instead of prose.
TEST_F(HealthViewBuilderTest, RegionVerdictsSayWhoDrainedAndWhy) {
  vote("us-1", "127.0.0.11", false);
  vote("us-1", "127.0.0.12", true);
  std::string error;
  ASSERT_EQ(builder_.setDrained(*services_, {"", "www", "eu-west", ""}, true, &error), 1u);
  auto view = builder_.build(*services_);
  const policy::RegionNote& us = view->notes[slot("www")][0];
  EXPECT_TRUE(us.up);
  EXPECT_EQ(us.drained_by, policy::DrainedBy::None);
  EXPECT_EQ(us.usable_endpoints, 1u);
  EXPECT_EQ(us.reason, "1/2 endpoints up or unknown, min_up 1");
  const policy::RegionNote& eu = view->notes[slot("www")][1];
  EXPECT_FALSE(eu.up);
  EXPECT_EQ(eu.drained_by, policy::DrainedBy::Api);
  EXPECT_EQ(eu.reason, "drained by the API");
  EXPECT_EQ(view->notes[slot("api")][1].drained_by, policy::DrainedBy::None);  // www's only
  vote("us-1", "127.0.0.12", false);
  view = builder_.build(*services_);
  EXPECT_FALSE(view->notes[slot("www")][0].up);
  EXPECT_EQ(view->notes[slot("www")][0].reason, "0/2 endpoints up or unknown, min_up 1");
}

TEST(JudgeRegion, ZoneFileDrainsComeFirstAndRampsAreSaid) {
  policy::RegionPlan region;
  region.name = "eu-west";
  region.endpoints = {*zones::IpAddress::parse("192.0.2.1"), *zones::IpAddress::parse("192.0.2.2")};
  policy::RegionHealth health;
  health.endpoints = {policy::EndpointState::Up, policy::EndpointState::Down};
  struct Case {
    bool zone_drain, api_drain;
    double ramp;
    bool up;
    policy::DrainedBy by;
    const char* reason;
  };
  const Case cases[] = {
      {false, false, 1.0, true, policy::DrainedBy::None, "1/2 endpoints up or unknown, min_up 1"},
      {false, false, 0.4, true, policy::DrainedBy::None,
       "1/2 endpoints up or unknown, min_up 1; slow start at 40% of its share"},
      {false, true, 1.0, false, policy::DrainedBy::Api, "drained by the API"},
      {true, true, 1.0, false, policy::DrainedBy::ZoneFile, "drained in the zone file"},
  };
  for (const Case& c : cases) {
    region.drain = c.zone_drain;
    health.drained = c.api_drain;
    health.ramp = c.ramp;
    policy::RegionNote note;
    judgeRegion(region, health, note);
    EXPECT_EQ(note.up, c.up) << c.reason;
    EXPECT_EQ(note.drained_by, c.by) << c.reason;
    EXPECT_EQ(note.reason, c.reason);
  }
}

TEST_F(HealthViewBuilderTest, EndpointsOutsideAllowNetsAreNotProbed) {
  std::string error;
  allow_nets_ = {*zones::Cidr::parse("10.0.0.0/8", &error)};
  SetUp();
  EXPECT_EQ(refused_, 3u);  // 127.0.0.11, .12 and .21
  vote("us-1", "127.0.0.11", false);
  auto view = builder_.build(*services_);
  EXPECT_EQ(endpoints(*view, "www", 0), (States{kUnknown, kUnknown}));
  EXPECT_EQ(note(*view, "www", 0, 0).reason, "not probed: outside [health] allow_nets");
}

TEST_F(HealthViewBuilderTest, StateChangesAreTimed) {
  const double start = now_;
  auto view = builder_.build(*services_);
  EXPECT_DOUBLE_EQ(note(*view, "www", 0, 0).since, start);
  now_ += 5;
  vote("us-1", "127.0.0.11", true);
  view = builder_.build(*services_);
  EXPECT_DOUBLE_EQ(note(*view, "www", 0, 0).since, start + 5);  // unknown -> up
  EXPECT_DOUBLE_EQ(note(*view, "www", 0, 1).since, start);      // still unknown
  now_ += 5;
  vote("us-1", "127.0.0.11", true);
  EXPECT_DOUBLE_EQ(note(*builder_.build(*services_), "www", 0, 0).since, start + 5);
}

// The slow-start scenario of health_view_builder.h, slow_start = 30 s: eu-west is www's region 1
// and api's (no slow start) region 1.
TEST_F(HealthViewBuilderTest, ARegionThatComesBackIsRampedIn) {
  vote("us-1", "127.0.0.21", false);
  const double down = now_;
  auto view = builder_.build(*services_);  // first seen down: no ramp
  EXPECT_DOUBLE_EQ(view->services[slot("www")].regions[1].ramp, 1.0);
  EXPECT_FALSE(view->notes[slot("www")][1].up);
  now_ += 40;
  vote("us-1", "127.0.0.21", true);
  const double back = now_;
  struct Step {
    double at;  // seconds after it came back
    double ramp;
  };
  for (const Step& step : {Step{0, 0.05}, Step{1, 0.05}, Step{6, 0.2}, Step{15, 0.5},
                           Step{29.7, 0.99}, Step{30, 1.0}, Step{100, 1.0}}) {
    SCOPED_TRACE(step.at);
    now_ = back + step.at;
    view = builder_.build(*services_);
    EXPECT_NEAR(view->services[slot("www")].regions[1].ramp, step.ramp, 1e-9);
    EXPECT_DOUBLE_EQ(view->services[slot("api")].regions[1].ramp, 1.0);  // no slow_start
    EXPECT_TRUE(view->notes[slot("www")][1].up);
    EXPECT_DOUBLE_EQ(view->notes[slot("www")][1].since, back);
  }
  EXPECT_LT(down, back);
  // Down again mid-ramp ends it; back once more starts a new one.
  vote("us-1", "127.0.0.21", false);
  now_ += 1;
  view = builder_.build(*services_);
  vote("us-1", "127.0.0.21", true);
  now_ += 3;
  view = builder_.build(*services_);
  EXPECT_NEAR(view->services[slot("www")].regions[1].ramp, 0.05, 1e-9);
  now_ += 15;
  auto later = builder_.build(*services_);
  EXPECT_NEAR(later->services[slot("www")].regions[1].ramp, 0.5, 1e-9);
  EXPECT_EQ(compareViews(*view, *later), ViewChange::Ramp);
}

TEST_F(HealthViewBuilderTest, AnUndrainedRegionIsRampedInToo) {
  std::string error;
  builder_.build(*services_);
  ASSERT_EQ(builder_.setDrained(*services_, {"", "www", "eu-west", ""}, true, &error), 1u) << error;
  builder_.build(*services_);
  now_ += 10;
  ASSERT_EQ(builder_.setDrained(*services_, {"", "www", "eu-west", ""}, false, &error), 1u)
      << error;
  EXPECT_NEAR(builder_.build(*services_)->services[slot("www")].regions[1].ramp, 0.05, 1e-9);
}

// changesSince() is what the publication loop calls every tick: it must see every change build()
// would publish, and change nothing itself (build() still times what it sees).
TEST_F(HealthViewBuilderTest, ChangesSinceSeesWhatBuildWouldChangeAndRecordsNothing) {
  auto published = builder_.build(*services_);
  EXPECT_EQ(builder_.changesSince(*services_, *published), ViewChange::None);
  now_ += 2;
  vote("us-1", "127.0.0.11", true);
  EXPECT_EQ(builder_.changesSince(*services_, *published), ViewChange::States);
  now_ += 3;
  EXPECT_EQ(builder_.changesSince(*services_, *published),
            ViewChange::States);  // still unpublished
  published = builder_.build(*services_);
  EXPECT_DOUBLE_EQ(note(*published, "www", 0, 0).since, now_);  // when build() saw it
  EXPECT_EQ(builder_.changesSince(*services_, *published), ViewChange::None);
  // A vote repeated changes nothing; a drain does.
  vote("us-1", "127.0.0.11", true);
  EXPECT_EQ(builder_.changesSince(*services_, *published), ViewChange::None);
  std::string error;
  ASSERT_EQ(builder_.setDrained(*services_, {"", "api", "eu-west", ""}, true, &error), 1u) << error;
  EXPECT_EQ(builder_.changesSince(*services_, *published), ViewChange::States);
  published = builder_.build(*services_);
  // eu-west goes down and comes back: changesSince sees the state change, then the ramp moving,
  // and none of its calls starts or moves the ramp (build() does).
  vote("us-1", "127.0.0.21", false);
  published = builder_.build(*services_);
  now_ += 10;
  vote("us-1", "127.0.0.21", true);
  EXPECT_EQ(builder_.changesSince(*services_, *published), ViewChange::States);
  now_ += 20;
  EXPECT_EQ(builder_.changesSince(*services_, *published), ViewChange::States);
  published = builder_.build(*services_);
  EXPECT_NEAR(published->services[slot("www")].regions[1].ramp, 0.05, 1e-9);
  EXPECT_EQ(builder_.changesSince(*services_, *published), ViewChange::None);
  now_ += 6;
  EXPECT_EQ(builder_.changesSince(*services_, *published), ViewChange::Ramp);
  EXPECT_NEAR(builder_.build(*services_)->services[slot("www")].regions[1].ramp, 0.2, 1e-9);
}

// A reload gives new services (and renumbers the vote table's targets): what is still
// served keeps its votes, its state's time and its region's track; what is new starts unknown.
TEST_F(HealthViewBuilderTest, AReloadKeepsWhatIsStillServed) {
  vote("us-1", "127.0.0.11", true);
  vote("us-1", "127.0.0.12", false);
  const double seen = now_;
  auto before = builder_.build(*services_);
  std::string error;
  ASSERT_EQ(builder_.setDrained(*services_, {"", "www", "", "127.0.0.21"}, true, &error), 1u)
      << error;
  now_ += 30;
  // The reloaded zone: us-east loses 127.0.0.12 and gains 127.0.0.13 (listed first, so every
  // endpoint moves), and eu-west keeps its one endpoint.
  std::string text = kZone;
  const std::string old_pool = R"(endpoints = ["127.0.0.11", "127.0.0.12"])";
  text.replace(text.find(old_pool), old_pool.size(), R"(endpoints = ["127.0.0.13", "127.0.0.11"])");
  auto reloaded = load(text, /*renumber=*/true);
  ASSERT_NE(reloaded, nullptr);
  ASSERT_NE(reloaded->id, services_->id);
  auto view = builder_.build(*reloaded);
  const std::size_t www = slot("www");  // the same slots: the same services in the same order
  EXPECT_EQ(view->services[www].regions[0].endpoints, (States{kUnknown, kUp}));
  EXPECT_EQ(view->notes[www][0].endpoints[0].reason, "no votes yet");
  EXPECT_DOUBLE_EQ(view->notes[www][0].endpoints[0].since, now_);           // new
  EXPECT_DOUBLE_EQ(view->notes[www][0].endpoints[1].since, seen);           // up since before
  EXPECT_EQ(view->services[www].regions[1].endpoints, (States{kDrained}));  // by name
  EXPECT_DOUBLE_EQ(view->notes[www][0].since, before->notes[www][0].since);
  // Votes keep landing where they belong after the renumbering.
  vote("us-1", "127.0.0.13", false);
  EXPECT_EQ(builder_.changesSince(*reloaded, *view), ViewChange::States);
  EXPECT_EQ(builder_.build(*reloaded)->services[www].regions[0].endpoints, (States{kDown, kUp}));
}

// A reload in the middle of a slow start neither restarts the ramp nor ends it.
TEST_F(HealthViewBuilderTest, AReloadMidRampKeepsTheRampGoing) {
  vote("us-1", "127.0.0.21", false);
  builder_.build(*services_);
  now_ += 40;
  vote("us-1", "127.0.0.21", true);
  builder_.build(*services_);  // seen back: the ramp starts
  now_ += 6;
  EXPECT_NEAR(builder_.build(*services_)->services[slot("www")].regions[1].ramp, 0.2, 1e-9);
  auto reloaded = load(kZone, /*renumber=*/true);
  ASSERT_NE(reloaded, nullptr);
  ASSERT_NE(reloaded->id, services_->id);
  now_ += 9;
  EXPECT_NEAR(builder_.build(*reloaded)->services[slot("www")].regions[1].ramp, 0.5, 1e-9);
}

TEST_F(HealthViewBuilderTest, RttMatrixComesWithTheView) {
  auto before = builder_.build(*services_);
  EXPECT_TRUE(before->rtt.vantages.empty());
  vote("eu-1", "127.0.0.11", true, 80);
  vote("eu-1", "127.0.0.21", true, 2);
  auto view = builder_.build(*services_);
  ASSERT_EQ(view->rtt.vantages.size(), 1u);
  EXPECT_EQ(view->rtt.vantages[0].region, "eu-west");
  EXPECT_DOUBLE_EQ(view->rtt.vantages[0].location.latitude, 53.3);  // the zone's eu-west
  EXPECT_EQ(view->rtt.regions, (std::vector<std::string>{"eu-west", "us-east"}));
  EXPECT_EQ(view->rtt.rtt_ms, (std::vector<std::vector<double>>{{2, 80}}));
  // The same states with other RTTs: only the matrix changed.
  auto states_view = view;
  vote("eu-1", "127.0.0.11", true, 90);
  EXPECT_EQ(compareViews(*states_view, *builder_.build(*services_)), ViewChange::Rtt);
}

}  // namespace
}  // namespace nines::dnsd
