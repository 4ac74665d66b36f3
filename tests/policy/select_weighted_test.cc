// The weighted policy: rendezvous hashing on the client subnet. Weights in the example zone:
// us-east 100, eu-west 100, ap-south 50, lab 0.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "nines/policy/select.h"
#include "policy_test_support.h"

namespace nines::policy {
namespace {

using testing::client;
using Strings = std::vector<std::string>;

struct Weighted {
  zones::Zone zone = testing::exampleZone(zones::PolicyKind::Weighted);
  ServicePlan plan = ServicePlan::compile(zone, zone.services[0]);
  ServiceHealth health(const std::string& spec = "") const {
    return testing::health(zone.services[0], spec);
  }
};

// The i-th of many distinct /24s (first two octets unique per i), spread over the IPv4 space.
std::string subnetAddress(int i, int host = 1) {
  return std::to_string(11 + i % 200) + "." + std::to_string(i / 200) + "." +
         std::to_string((i * 37) % 256) + "." + std::to_string(host);
}

constexpr int kSubnets = 10000;

// Share of first choices per region over kSubnets distinct /24s.
std::map<std::string, double> shares(const ServicePlan& plan, const ServiceHealth& state) {
  std::map<std::string, double> out;
  std::map<std::string, int> seen;
  for (int i = 0; i < kSubnets; ++i) {
    testing::Answer a = testing::run(plan, state, client(subnetAddress(i), 32));
    if (a.regions.empty()) {
      ADD_FAILURE() << "no answer for " << subnetAddress(i);
      continue;
    }
    seen[a.regions[0]]++;
  }
  for (const auto& [region, count] : seen) out[region] = count / double(kSubnets);
  return out;
}

struct ShareCase {
  const char* what;
  std::string health;
  double ramp_ap_south;
  std::map<std::string, double> expected;  // share of first choices
};

TEST(SelectWeighted, SharesFollowWeights) {
  Weighted w;
  const std::vector<ShareCase> cases = {
      {"100/100/50", "", 1.0, {{"us-east", 0.4}, {"eu-west", 0.4}, {"ap-south", 0.2}}},
      // Slow start: ap-south at half of its weight (25 of 225).
      {"ramp 0.5",
       "",
       0.5,
       {{"us-east", 100 / 225.}, {"eu-west", 100 / 225.}, {"ap-south", 25 / 225.}}},
      {"ramp 0.1",
       "",
       0.1,
       {{"us-east", 100 / 205.}, {"eu-west", 100 / 205.}, {"ap-south", 5 / 205.}}},
      // eu-west down: its clients spread over the others by weight (100:50).
      {"eu-west down", "|d", 1.0, {{"us-east", 2 / 3.}, {"ap-south", 1 / 3.}}},
  };
  for (const ShareCase& c : cases) {
    SCOPED_TRACE(c.what);
    ServiceHealth state = w.health(c.health);
    state.regions[2].ramp = c.ramp_ap_south;
    const auto got = shares(w.plan, state);
    for (const auto& [region, share] : c.expected) {
      EXPECT_NEAR(got.count(region) ? got.at(region) : 0.0, share, 0.02) << region;
    }
    EXPECT_EQ(got.count("lab"), 0u);  // weight 0: never a first choice while others are up
    for (const auto& [region, share] : got) EXPECT_TRUE(c.expected.count(region)) << region;
  }
}

// The unit of stickiness is the client's /24, or the ECS source prefix when that is shorter. Each
// half is checked against a control that would fail were the unit something else: hosts agree
// inside a /24 while /24s differ, and /24s agree inside an ECS /20 while the same /24s sent as
// /32 clients differ.
TEST(SelectWeighted, StickyPerSubnet) {
  Weighted w;
  const ServiceHealth state = w.health();
  std::set<Strings> by_subnet;
  for (int i = 0; i < 2000; ++i) {
    testing::Answer a = testing::run(w.plan, state, client(subnetAddress(i, 1), 32));
    testing::Answer neighbour = testing::run(w.plan, state, client(subnetAddress(i, 254), 32));
    EXPECT_EQ(a.in_order, neighbour.in_order) << subnetAddress(i);
    by_subnet.insert(a.in_order);
  }
  // Every A record of a weighted region leads for some /24 (us-east has two).
  EXPECT_EQ(by_subnet, (std::set<Strings>{
                           {"192.0.2.10"}, {"192.0.2.11"}, {"198.51.100.10"}, {"203.0.113.10"}}));

  // ECS /20: every /24 inside 10.20.16.0/20 gets the /20's answer...
  const testing::Answer whole = testing::run(w.plan, state, client("10.20.16.0", 20));
  std::set<Strings> as_hosts;
  for (int third = 16; third < 32; ++third) {
    const std::string subnet = "10.20." + std::to_string(third) + ".";
    EXPECT_EQ(testing::run(w.plan, state, client(subnet + "0", 20)).in_order, whole.in_order)
        << subnet;
    as_hosts.insert(testing::run(w.plan, state, client(subnet + "1", 32)).in_order);
  }
  // ...while the same /24s sent as /32 clients do not all agree: the /20 really is the unit.
  EXPECT_GT(as_hosts.size(), 1u);
}

TEST(SelectWeighted, OnlyTheClientsOfADownRegionMove) {
  Weighted w;
  const ServiceHealth all_up = w.health();
  const ServiceHealth eu_down = w.health("|d");
  int moved = 0;
  for (int i = 0; i < kSubnets; ++i) {
    const Client who = client(subnetAddress(i), 32);
    testing::Answer before = testing::run(w.plan, all_up, who);
    testing::Answer after = testing::run(w.plan, eu_down, who);
    ASSERT_EQ(before.regions.size(), 1u);
    ASSERT_EQ(after.regions.size(), 1u);
    if (before.regions[0] == "eu-west") {
      EXPECT_NE(after.regions[0], "eu-west");
      ++moved;
    } else {
      EXPECT_EQ(after.in_order, before.in_order) << subnetAddress(i);
    }
  }
  EXPECT_NEAR(moved, kSubnets * 0.4, kSubnets * 0.02);
}

// ECS source prefix 0 comes with the resolver's own address (dnsd's ecsClient): resolvers are
// spread over the regions by their own /24, not all sent to one region.
TEST(SelectWeighted, SourcePrefixZeroHashesTheResolver) {
  Weighted w;
  const ServiceHealth state = w.health();
  std::map<std::string, int> first;
  for (int i = 0; i < 1000; ++i) {
    testing::Answer a = testing::run(w.plan, state, client(subnetAddress(i), 0));
    ASSERT_EQ(a.regions.size(), 1u);
    EXPECT_EQ(a.decision.scope, 0);
    ++first[a.regions[0]];
  }
  EXPECT_NEAR(first["us-east"], 400, 60);
  EXPECT_NEAR(first["ap-south"], 200, 60);
}

TEST(SelectWeighted, ZeroWeightLast) {
  Weighted w;
  // lab (weight 0) answers only when every weighted region is down; not a fail-open.
  testing::Answer a = testing::run(w.plan, w.health("ddd|d|dd|"), client("192.0.2.1", 24));
  EXPECT_EQ(a.regions, Strings{"lab"});
  EXPECT_FALSE(a.decision.fail_open);
  // A ramp of 0 (a region that has just come back) is a weight of 0 too.
  ServiceHealth state = w.health("ddd|d");
  state.regions[2].ramp = 0;
  EXPECT_EQ(testing::run(w.plan, state, client("192.0.2.1", 24)).regions, Strings{"ap-south"});
}

void narrowNet(zones::Zone&, zones::Service& s) {
  s.geo.nets = {{testing::cidr("198.51.100.0/28"), {"ap-south"}}};
}

struct ScopeCase {
  const char* what;
  void (*tweak)(zones::Zone&, zones::Service&);
  Client who;
  int scope;
};

TEST(SelectWeighted, Scope) {
  const std::vector<ScopeCase> cases = {
      {"IPv4 ECS /32: the hashed /24", nullptr, client("192.0.2.1", 32), 24},
      {"IPv4 ECS /24", nullptr, client("192.0.2.1", 24), 24},
      // The hash read the /24: a /20 source was not specific enough (RFC 7871 7.2.1).
      {"IPv4 ECS /20: the hashed /24, longer than the source", nullptr, client("192.0.2.1", 20),
       24},
      {"IPv6 ECS /64: the hashed /56", nullptr, client("2001:db8:1:2::1", 64), 56},
      {"IPv6 ECS /48: the hashed /56", nullptr, client("2001:db8:1:2::1", 48), 56},
      {"no ECS", nullptr, client("192.0.2.1"), 0},
      {"ECS source 0", nullptr, client("192.0.2.1", 0), 0},
      // A service geo net inside the /24: the scope must not cover it (198.51.100.20 leaves
      // 198.51.100.0/28 at bit 27).
      {"service net inside the /24", narrowNet, client("198.51.100.20", 32), 28},
  };
  for (const ScopeCase& c : cases) {
    SCOPED_TRACE(c.what);
    zones::Zone zone = testing::exampleZone(zones::PolicyKind::Weighted);
    if (c.tweak) c.tweak(zone, zone.services[0]);
    ServicePlan plan = ServicePlan::compile(zone, zone.services[0]);
    testing::Answer a = testing::run(plan, testing::health(zone.services[0]), c.who,
                                     c.who.address.family == 4 ? Family::V4 : Family::V6);
    EXPECT_EQ(a.decision.scope, c.scope);
  }
}

}  // namespace
}  // namespace nines::policy
