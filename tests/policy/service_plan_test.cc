#include "nines/policy/service_plan.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "nines/policy/health.h"
#include "policy_test_support.h"

namespace nines::policy {
namespace {

using Slots = std::vector<std::uint16_t>;

TEST(ServicePlan, Compile) {
  zones::Zone zone = testing::exampleZone(zones::PolicyKind::Weighted);
  zones::Service& www = zone.services[0];
  zone.regions[2].drain = true;  // ap-south drained by region
  www.pools[0].drain = true;     // us-east drained by pool
  www.pools[1].min_up = 0;
  www.ttl = 45;
  www.answers = 2;
  www.fallback = zones::Fallback::None;
  www.slow_start = 30;
  www.order = {"eu-west", "nowhere", "eu-west", "us-east"};  // unknown and repeated names dropped
  www.geo.country = {{"IN", {"ap-south", "eu-west"}}};
  www.geo.continent = {{"EU", {"eu-west"}}, {"NA", {"us-east", "lab"}}};
  www.geo.nets = {{testing::cidr("203.0.113.0/24"), {"ap-south"}},
                  {testing::cidr("2001:db8::/32"), {"lab", "us-east"}}};

  const ServicePlan plan = ServicePlan::compile(zone, www);
  EXPECT_EQ(plan.zone, "example.test.");
  EXPECT_EQ(plan.name, "www");
  EXPECT_EQ(plan.owner.toText(), "www.example.test.");
  EXPECT_EQ(plan.policy, zones::PolicyKind::Weighted);
  EXPECT_EQ(plan.ttl, 45u);
  EXPECT_EQ(plan.answers, 2u);
  EXPECT_EQ(plan.fallback, zones::Fallback::None);
  EXPECT_EQ(plan.slow_start, 30);

  struct Expected {
    std::string name;
    bool located;
    std::uint32_t weight, min_up;
    bool drain;
    Slots v4, v6;
  };
  const std::vector<Expected> regions = {
      {"us-east", true, 100, 1, true, {0, 1}, {2}},
      {"eu-west", true, 100, 0, false, {0}, {}},
      {"ap-south", true, 50, 1, true, {0}, {1}},
      {"lab", false, 0, 1, false, {0}, {}},
  };
  ASSERT_EQ(plan.regions.size(), regions.size());
  for (std::size_t i = 0; i < regions.size(); ++i) {
    SCOPED_TRACE(regions[i].name);
    const RegionPlan& r = plan.regions[i];
    EXPECT_EQ(r.name, regions[i].name);
    EXPECT_EQ(r.location.has_value(), regions[i].located);
    EXPECT_EQ(r.weight, regions[i].weight);
    EXPECT_EQ(r.min_up, regions[i].min_up);
    EXPECT_EQ(r.drain, regions[i].drain);
    EXPECT_EQ(r.v4, regions[i].v4);
    EXPECT_EQ(r.v6, regions[i].v6);
    EXPECT_EQ(r.endpoints, www.pools[i].endpoints);
  }
  EXPECT_DOUBLE_EQ(plan.regions[1].location->latitude, 53.3);

  EXPECT_EQ(plan.order, (Slots{1, 0}));
  ASSERT_EQ(plan.geo_net_lists.size(), 2u);
  EXPECT_EQ(plan.geo_net_lists[0], Slots{2});
  EXPECT_EQ(plan.geo_net_lists[1], (Slots{3, 0}));
  ASSERT_EQ(plan.geo_nets.size(), 2u);
  EXPECT_EQ(plan.geo_nets.written(0).toString(), "203.0.113.0/24");
  EXPECT_EQ(plan.geo_nets.written(1).toString(), "2001:db8::/32");
  EXPECT_EQ(plan.geo_nets.match(testing::ip("2001:db8:5::1")).value, 1);
  EXPECT_EQ(plan.geo_nets.match(testing::ip("203.0.113.1")).value, 0);
  ASSERT_EQ(plan.geo_country.size(), 1u);
  EXPECT_EQ(plan.geo_country[0].first, "IN");
  EXPECT_EQ(plan.geo_country[0].second, (Slots{2, 1}));
  ASSERT_EQ(plan.geo_continent.size(), 2u);
  EXPECT_EQ(plan.geo_continent[1].first, "NA");
  EXPECT_EQ(plan.geo_continent[1].second, (Slots{0, 3}));
}

TEST(ServicePlan, AllUnknown) {
  zones::Zone zone = testing::exampleZone(zones::PolicyKind::Geo);
  const ServiceHealth health = allUnknown(zone.services[0]);
  ASSERT_EQ(health.regions.size(), 4u);
  const std::vector<std::size_t> sizes = {3, 1, 2, 1};
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    EXPECT_FALSE(health.regions[i].drained);
    EXPECT_EQ(health.regions[i].ramp, 1.0);
    EXPECT_EQ(health.regions[i].endpoints,
              std::vector<EndpointState>(sizes[i], EndpointState::Unknown));
  }
}

}  // namespace
}  // namespace nines::policy
