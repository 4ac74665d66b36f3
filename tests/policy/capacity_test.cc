// capacityHeadroom(): the N-1 rule per policy, as a table. Regions are written "name:capacity"
// ("name:-" without a capacity), with "!" for one out of service (drained by the zone file, or
// down in the health given).
#include "nines/policy/capacity.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace nines::policy {
namespace {

struct Case {
  const char* what;
  zones::PolicyKind policy;
  std::vector<std::string> regions;  // "us-east:15000", "ap-south:-", "!eu-west:15000"
  std::vector<std::uint16_t> order;  // failover's, as slots
  double capacity, n1_capacity;
  const char* lost;
  std::vector<std::string> without_capacity;
};

ServicePlan planOf(const Case& c, bool drain_by_zone_file) {
  ServicePlan plan;
  plan.policy = c.policy;
  plan.expected_load = 20000;
  plan.order = c.order;
  for (std::string text : c.regions) {
    RegionPlan region;
    const bool out = text.front() == '!';
    if (out) text.erase(0, 1);
    region.name = text.substr(0, text.find(':'));
    const std::string capacity = text.substr(text.find(':') + 1);
    if (capacity != "-") region.capacity = static_cast<std::uint32_t>(std::stoul(capacity));
    region.drain = out && drain_by_zone_file;
    region.endpoints = {zones::IpAddress::parse("192.0.2.1").value()};
    plan.regions.push_back(region);
  }
  return plan;
}

// The same plan with nothing drained and the regions marked "!" down by health.
ServiceHealth healthOf(const Case& c) {
  ServiceHealth health;
  for (const std::string& text : c.regions) {
    health.regions.push_back(
        {false, {text.front() == '!' ? EndpointState::Down : EndpointState::Up}, 1.0});
  }
  return health;
}

using enum zones::PolicyKind;

const std::vector<Case> kCases = {
    {"geo, all in service: the largest (first of equals) is lost",
     Geo,
     {"us-east:15000", "eu-west:15000", "ap-south:10000"},
     {},
     40000,
     25000,
     "us-east",
     {}},
    {"weighted, one out: the sum of the rest",
     Weighted,
     {"us-east:15000", "eu-west:15000", "!ap-south:10000"},
     {},
     30000,
     15000,
     "us-east",
     {}},
    {"latency, the largest last",
     Latency,
     {"a:5000", "b:8000", "c:30000"},
     {},
     43000,
     13000,
     "c",
     {}},
    {"a pool without capacity counts as nothing, and is named",
     Geo,
     {"us-east:15000", "eu-west:-", "ap-south:10000"},
     {},
     25000,
     10000,
     "us-east",
     {"eu-west"}},
    {"one region: nothing is left", Geo, {"us-east:30000"}, {}, 30000, 0, "us-east", {}},
    {"none in service", Geo, {"!us-east:30000"}, {}, 0, 0, "", {}},
    {"failover: the active alone, then the next in order",
     Failover,
     {"us-east:30000", "eu-west:12000", "ap-south:25000"},
     {2, 0},
     25000,
     30000,
     "ap-south",
     {}},
    {"failover: the active out, the next takes over; regions order leaves out come last",
     Failover,
     {"us-east:30000", "eu-west:12000", "!ap-south:25000"},
     {2, 0},
     30000,
     12000,
     "us-east",
     {}},
};

TEST(CapacityTest, TheNMinusOneRulePerPolicyFromTheZoneFileAndFromHealth) {
  for (const Case& c : kCases) {
    for (bool from_health : {false, true}) {
      SCOPED_TRACE(std::string(c.what) + (from_health ? " (health)" : " (zone file)"));
      const ServicePlan plan = planOf(c, !from_health);
      const ServiceHealth health = healthOf(c);
      const auto headroom = capacityHeadroom(plan, from_health ? &health : nullptr);
      ASSERT_TRUE(headroom.has_value());
      EXPECT_EQ(headroom->expected_load, 20000);
      EXPECT_EQ(headroom->capacity, c.capacity);
      EXPECT_EQ(headroom->headroom, c.capacity - 20000);
      EXPECT_EQ(headroom->n1_capacity, c.n1_capacity);
      EXPECT_EQ(headroom->n1_headroom, c.n1_capacity - 20000);
      EXPECT_EQ(headroom->lost_region, c.lost);
      EXPECT_EQ(headroom->lost_capacity,
                c.policy == Failover ? c.capacity : c.capacity - c.n1_capacity);
      EXPECT_EQ(headroom->without_capacity, c.without_capacity);
    }
  }
}

TEST(CapacityTest, NoExpectedLoadNoHeadroom) {
  ServicePlan plan;
  plan.regions.push_back({});
  plan.regions.back().capacity = 100;
  EXPECT_FALSE(capacityHeadroom(plan, nullptr).has_value());
}

}  // namespace
}  // namespace nines::policy
