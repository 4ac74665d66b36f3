// renderStatus: the /v1/status document from a serving state and its sources. Region verdicts come
// from the health view's notes as structured fields (state, drained_by, usable_endpoints, min_up)
// beside the reason; filters narrow it; keys of probers never appear.
#include "nines/dnsd/control/status.h"

#include <gtest/gtest.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "nines/dnsd/control/metrics.h"
#include "nines/dnsd/health/health_view_builder.h"
#include "nines/zones/loader.h"
#include "process.h"
#include "zone_text.h"

namespace nines::dnsd {
namespace {

using nlohmann::json;

const std::string kZone = nines::testing::zoneHead("status.test.", 1) + R"(
"@" = ["NS ns1.status.test."]
ns1 = ["A 192.0.2.53"]
[regions.us-east]
location = [38.9, -77.0]
[regions.eu-west]
location = [53.3, -6.3]
[regions.ap-south]
drain = true
[services.www]
policy = "failover"
order = ["us-east", "eu-west", "ap-south"]
expected_load = 20000
[services.www.pools.us-east]
min_up = 2
capacity = 30000
endpoints = ["192.0.2.10", "192.0.2.11"]
[services.www.pools.eu-west]
capacity = 12000
endpoints = ["198.51.100.10"]
[services.www.pools.ap-south]
endpoints = ["203.0.113.10"]
)";

class StatusTest : public ::testing::Test {
 protected:
  void SetUp() override {
    zones::LoadResult loaded = zones::loadZones(dir_.write("status.test.toml", kZone));
    ASSERT_TRUE(loaded.errors.empty()) << loaded.errors.front().toString();
    state_.zones = ZoneTable::build(std::move(loaded.zones));
  }
  json render(const StatusFilter& filter = {}, std::vector<StateChange> events = {}) {
    state_.health = builder_.build(state_.zones->services());
    StatusSources sources;
    sources.health = &health_;
    sources.drains = builder_.drains();
    sources.probers = {{"p1", "eu-west", true, 7, now_ - 2, {}}};
    sources.now = now_;
    sources.events = std::move(events);
    return json::parse(renderStatus(state_, sources, filter));
  }
  static json region(const json& status, const std::string& name) {
    for (const auto& entry : status["services"][0]["regions"]) {
      if (entry["name"] == name) return entry;
    }
    return nullptr;
  }

  nines::testing::TempDir dir_;
  double now_ = 1000;
  HealthViewBuilder builder_{nullptr, [this] { return now_; }};
  HealthConfig health_;
  ServingState state_;
};

TEST_F(StatusTest, RegionsCarryTheirVerdictAsFields) {
  std::string error;
  ASSERT_EQ(
      builder_.setDrained(state_.zones->services(), {"", "www", "", "192.0.2.11"}, true, &error),
      1u);
  ASSERT_EQ(builder_.setDrained(state_.zones->services(), {"", "www", "eu-west", ""}, true, &error),
            1u);
  const json status = render();
  const json us = region(status, "us-east");
  EXPECT_EQ(us["state"], "down") << us.dump(2);  // one of two endpoints usable, min_up 2
  EXPECT_EQ(us["drained_by"], nullptr);
  EXPECT_EQ(us["usable_endpoints"], 1);
  EXPECT_EQ(us["min_up"], 2);
  EXPECT_EQ(us["reason"], "1/2 endpoints up or unknown, min_up 2");
  EXPECT_EQ(us["endpoints"][1]["state"], "drained");
  EXPECT_EQ(us["endpoints"][1]["drained_by"], "api");
  EXPECT_EQ(us["endpoints"][0]["drained_by"], nullptr);
  const json eu = region(status, "eu-west");
  EXPECT_EQ(eu["state"], "drained");
  EXPECT_EQ(eu["drained_by"], "api");
  const json ap = region(status, "ap-south");
  EXPECT_EQ(ap["state"], "drained");
  EXPECT_EQ(ap["drained_by"], "zone_file");
  EXPECT_EQ(ap["reason"], "drained in the zone file");
  EXPECT_EQ(status["drains"].size(), 2u);
}

TEST_F(StatusTest, FiltersNarrowTheDocument) {
  StatusFilter filter;
  filter.pools.region = "eu-west";
  json status = render(filter);
  ASSERT_EQ(status["services"].size(), 1u);
  EXPECT_EQ(status["services"][0]["regions"].size(), 1u);
  filter = {};
  filter.pools.zone = "other.test";
  status = render(filter);
  EXPECT_TRUE(status["zones"].empty());
  EXPECT_TRUE(status["services"].empty());
}

TEST_F(StatusTest, ProbersAreShownWithoutTheirKeys) {
  const json status = render();
  ASSERT_EQ(status["probers"].size(), 1u);
  EXPECT_EQ(status["probers"][0]["id"], "p1");
  EXPECT_EQ(status["probers"][0]["last_seq"], 7);
  EXPECT_EQ(status["probers"][0]["last_report_age"], 2.0);
  EXPECT_FALSE(status["probers"][0].contains("key"));
  EXPECT_EQ(status["health"]["mode"], "probers");
}

// What `ninesctl consistency` compares between nameservers: the health view's digest (the metric's
// value, moving with a verdict) and the probers heard within report_ttl, sorted.
TEST_F(StatusTest, HealthDigestIsTheMetricsAndProbersHeardAreTheFreshOnes) {
  const json before = render();
  EXPECT_EQ(before["health_digest"], healthViewDigest(state_));
  EXPECT_EQ(before["health_digest"].get<std::string>().size(), 16u);
  std::string error;
  ASSERT_EQ(builder_.setDrained(state_.zones->services(), {"", "www", "eu-west", ""}, true, &error),
            1u);
  const json drained = render();
  EXPECT_NE(drained["health_digest"], before["health_digest"]);
  EXPECT_EQ(drained["health_digest"], healthViewDigest(state_));

  StatusSources sources;
  sources.health = &health_;  // report_ttl 10
  sources.now = now_;
  sources.probers = {{"z-fresh", "eu-west", true, 1, now_ - 9.5, {}},
                     {"a-fresh", "us-east", true, 1, now_ - 0.5, {}},
                     {"stale", "us-east", true, 1, now_ - 10.5, {}},
                     {"never", "", false, 0, 0, {}}};
  json status = json::parse(renderStatus(state_, sources));
  EXPECT_EQ(status["probers_heard"], json({"a-fresh", "z-fresh"}));
  sources.probers.clear();
  sources.embedded = true;
  sources.embedded_last_feed = now_ - 1;
  status = json::parse(renderStatus(state_, sources));
  EXPECT_EQ(status["probers_heard"], json({"embedded"}));
}

// Failover with ap-south drained by the zone file: us-east (30000) carries the 20000 expected,
// and losing it leaves eu-west (12000); with us-east drained, eu-west is short now.
TEST_F(StatusTest, ServicesShowTheirCapacityHeadroomWithTheRegionsUpNow) {
  json capacity = render()["services"][0]["capacity"];
  EXPECT_EQ(capacity, json({{"expected_load", 20000.0},
                            {"capacity", 30000.0},
                            {"headroom", 10000.0},
                            {"lost_region", "us-east"},
                            {"lost_capacity", 30000.0},
                            {"n1_capacity", 12000.0},
                            {"n1_headroom", -8000.0},
                            {"without_capacity", json::array()}}));
  std::string error;
  ASSERT_EQ(builder_.setDrained(state_.zones->services(), {"", "www", "us-east", ""}, true, &error),
            1u);
  capacity = render()["services"][0]["capacity"];
  EXPECT_EQ(capacity["lost_region"], "eu-west");
  EXPECT_EQ(capacity["headroom"], -8000.0);
  EXPECT_EQ(capacity["n1_headroom"], -20000.0);
}

TEST_F(StatusTest, EventsAreListedNewestFirstWithEveryFieldAndTheirNumberLimited) {
  StateChangeLog log;
  log.record({0, 990.5, ChangeKind::Reload, "", "", "", "", "", "success", "start-up load", ""});
  log.record({0, 995.25, ChangeKind::Region, "status.test.", "www.status.test.", "eu-west", "",
              "up", "down", "0/1 endpoints up or unknown, min_up 1", ""});
  log.record({0, 995.25, ChangeKind::Endpoint, "status.test.", "www.status.test.", "eu-west",
              "198.51.100.10", "up", "down", "1/1 fresh votes down: refused", ""});
  json status = render({}, log.recent());
  ASSERT_EQ(status["events"].size(), 3u) << status["events"];
  const json& newest = status["events"][0];
  EXPECT_EQ(newest["seq"], 3);
  EXPECT_EQ(newest["kind"], "endpoint");
  EXPECT_EQ(newest["endpoint"], "198.51.100.10");
  EXPECT_EQ(newest["from"], "up");
  EXPECT_EQ(newest["to"], "down");
  EXPECT_EQ(newest["reason"], "1/1 fresh votes down: refused");
  EXPECT_EQ(status["events"][1]["kind"], "region");
  EXPECT_EQ(status["events"][1]["service"], "www.status.test.");
  EXPECT_EQ(status["events"][1]["endpoint"], nullptr);
  const json& oldest = status["events"][2];
  EXPECT_EQ(oldest["kind"], "reload");
  EXPECT_EQ(oldest["time"], 990.5);
  EXPECT_EQ(oldest["service"], nullptr);
  EXPECT_EQ(oldest["from"], nullptr);
  StatusFilter filter;
  filter.events = 1;
  status = render(filter, log.recent());
  ASSERT_EQ(status["events"].size(), 1u);
  EXPECT_EQ(status["events"][0]["seq"], 3);
  filter.events = 0;
  EXPECT_TRUE(render(filter, log.recent())["events"].empty());
}

}  // namespace
}  // namespace nines::dnsd
