// select(): the geo policy, the health rules every policy shares (drain, min_up, spill, family
// NODATA, fallback) and the ECS scope. Weighted and latency have their own files.
#include "nines/policy/select.h"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "policy_test_support.h"

namespace nines::policy {
namespace {

using testing::client;
using testing::kDublin;
using testing::kMumbai;
using testing::kSaoPaulo;
using testing::kSydney;
using Set = std::set<std::string>;
using Strings = std::vector<std::string>;

using Tweak = void (*)(zones::Zone&, zones::Service&);

struct Example {
  zones::Zone zone;
  ServicePlan plan;
};

Example example(zones::PolicyKind kind, Tweak tweak = nullptr) {
  Example s{testing::exampleZone(kind), {}};
  if (tweak != nullptr) tweak(s.zone, s.zone.services[0]);
  s.plan = ServicePlan::compile(s.zone, s.zone.services[0]);
  return s;
}

struct Case {
  const char* what;
  Tweak tweak;  // changes to the example zone; nullptr: as is
  Client who;
  std::string health;  // see testing::health()
  Family family;
  Strings regions;  // regions answering, in order
  Set allowed;      // every address answered is one of these
  int count;
  int scope;
  bool fail_open = false;
  bool nodata = false;
};

void check(zones::PolicyKind kind, const Case& c) {
  SCOPED_TRACE(c.what);
  Example s = example(kind, c.tweak);
  Trace trace;
  testing::Answer got = testing::run(s.plan, testing::health(s.zone.services[0], c.health), c.who,
                                     c.family, nullptr, &trace);
  EXPECT_EQ(got.regions, c.regions) << trace.rule;
  for (const std::string& address : got.addresses) {
    EXPECT_EQ(c.allowed.count(address), 1u) << address;
  }
  EXPECT_EQ(got.decision.count, c.count);
  EXPECT_EQ(got.decision.scope, c.scope) << trace.scope_reason;
  EXPECT_EQ(got.decision.fail_open, c.fail_open);
  EXPECT_EQ(got.decision.nodata, c.nodata);
  // The same call without a trace decides the same.
  testing::Answer quiet =
      testing::run(s.plan, testing::health(s.zone.services[0], c.health), c.who, c.family);
  EXPECT_EQ(quiet.in_order, got.in_order);
  EXPECT_EQ(quiet.decision.scope, got.decision.scope);
}

// Clients. The service's geo nets are {203.0.113.0/24}; 198.51.100.x and 192.0.2.x leave it at
// bit 4 (scope 5), 10.x at bit 0 (scope 1).
Client dublin(int ecs = 24) { return client("198.51.100.7", ecs, "EU", "IE", kDublin, 24); }
Client india() { return client("192.0.2.1", 24, "AS", "IN", kMumbai, 24); }
Client tokyo() { return client("192.0.2.1", 24, "AS", "JP", zones::GeoPoint{35.7, 139.7}, 24); }
Client inNet() { return client("203.0.113.5", 32, "EU", "IE", kDublin, 28); }
Client saoPaulo() { return client("10.0.0.1", 24, "SA", "BR", kSaoPaulo, 16); }
Client sydney() { return client("10.0.0.1", 24, "OC", "AU", kSydney, 16); }
Client nowhere() { return client("10.0.0.1", 24); }

const Set kUsEast4 = {"192.0.2.10", "192.0.2.11"};
const Set kEuWest4 = {"198.51.100.10"};
const Set kApSouth4 = {"203.0.113.10"};

constexpr auto V4 = Family::V4;
constexpr auto V6 = Family::V6;

TEST(SelectGeo, Table) {
  const std::vector<Case> cases = {
      // Rule order: continent EU = [eu-west, us-east]; scope = max(nets 5, location 24).
      {"EU rule", nullptr, dublin(), "", V4, {"eu-west"}, kEuWest4, 1, 24, false, false},
      {"ECS /32: the location's /24", nullptr, dublin(32), "", V4, {"eu-west"}, kEuWest4, 1, 24},
      // Not capped at the source: the /24 that decided is longer than what was sent (RFC 7871
      // 7.2.1, the source prefix was not specific enough).
      {"ECS /16: the scope says /24 decided",
       nullptr,
       dublin(16),
       "",
       V4,
       {"eu-west"},
       kEuWest4,
       1,
       24},
      {"no ECS: scope 0", nullptr, dublin(-1), "", V4, {"eu-west"}, kEuWest4, 1, 0},
      {"ECS source 0: scope 0", nullptr, dublin(0), "", V4, {"eu-west"}, kEuWest4, 1, 0},
      {"rule's second region", nullptr, dublin(), "|d", V4, {"us-east"}, kUsEast4, 1, 24},
      {"API drain", nullptr, dublin(), "|!u", V4, {"us-east"}, kUsEast4, 1, 24},
      {"rule exhausted: nearest of the rest",
       nullptr,
       dublin(),
       "ddd|d",
       V4,
       {"ap-south"},
       kApSouth4,
       1,
       24},
      {"country beats continent", nullptr, india(), "", V4, {"ap-south"}, kApSouth4, 1, 24},
      {"continent AS", nullptr, tokyo(), "", V4, {"ap-south"}, kApSouth4, 1, 24},
      // A service geo net beats the client's location, and its own /24 is the scope (not the
      // location's /28): the net decided.
      {"geo net", nullptr, inNet(), "", V4, {"ap-south"}, kApSouth4, 1, 24},
      // Its region down: the rest go by distance from the client, so the location decides too.
      {"geo net region down", nullptr, inNet(), "||dd", V4, {"eu-west"}, kEuWest4, 1, 28},
      // No rule: nearest by great-circle distance.
      {"Sao Paulo -> us-east", nullptr, saoPaulo(), "", V4, {"us-east"}, kUsEast4, 1, 16},
      {"Sydney -> ap-south", nullptr, sydney(), "", V4, {"ap-south"}, kApSouth4, 1, 16},
      // No location at all: `order` (us-east first).
      {"no location: order", nullptr, nowhere(), "", V4, {"us-east"}, kUsEast4, 1, 1},
      {"no location, first down", nullptr, nowhere(), "ddd", V4, {"eu-west"}, kEuWest4, 1, 1},
  };
  for (const Case& c : cases) check(zones::PolicyKind::Geo, c);
}

void drainEuPool(zones::Zone&, zones::Service& s) { s.pools[1].drain = true; }
void drainEuRegion(zones::Zone& z, zones::Service&) { z.regions[1].drain = true; }
void usMinUp2(zones::Zone&, zones::Service& s) { s.pools[0].min_up = 2; }
void usMinUp0(zones::Zone&, zones::Service& s) { s.pools[0].min_up = 0; }
void answers3(zones::Zone&, zones::Service& s) { s.answers = 3; }
void fallbackNone(zones::Zone&, zones::Service& s) { s.fallback = zones::Fallback::None; }

TEST(SelectHealth, Table) {
  const Set all4 = {"192.0.2.10", "192.0.2.11", "198.51.100.10", "203.0.113.10", "192.0.2.99"};
  const std::vector<Case> cases = {
      // Drains in the zone file, on the pool or on the region.
      {"pool drain", drainEuPool, dublin(), "", V4, {"us-east"}, kUsEast4, 1, 24},
      {"region drain", drainEuRegion, dublin(), "", V4, {"us-east"}, kUsEast4, 1, 24},
      // min_up counts Up and Unknown endpoints of both families; Down and Drained do not.
      {"min_up 2 met", usMinUp2, nowhere(), "du?", V4, {"us-east"}, {"192.0.2.11"}, 1, 1},
      {"min_up 2, drained", usMinUp2, nowhere(), "xud", V4, {"eu-west"}, kEuWest4, 1, 1},
      {"min_up 2, down", usMinUp2, nowhere(), "dud", V4, {"eu-west"}, kEuWest4, 1, 1},
      // min_up 0: usable while not drained, but nothing up in it, so the next region answers.
      {"min_up 0", usMinUp0, nowhere(), "ddd", V4, {"eu-west"}, kEuWest4, 1, 1},
      // answers = 3: spill from the primary to the next usable regions.
      {"spill",
       answers3,
       nowhere(),
       "",
       V4,
       {"us-east", "eu-west"},
       {"192.0.2.10", "192.0.2.11", "198.51.100.10"},
       3,
       1},
      {"spill over a down region",
       answers3,
       nowhere(),
       "ud|d",
       V4,
       {"us-east", "ap-south", "lab"},
       {"192.0.2.10", "203.0.113.10", "192.0.2.99"},
       3,
       1},
      // us-east is up on IPv6 only: it is the primary, its IPv4 is down, the rest spill in.
      {"primary up on the other family",
       answers3,
       nowhere(),
       "ddu|d",
       V4,
       {"ap-south", "lab"},
       {"203.0.113.10", "192.0.2.99"},
       2,
       1},
      // Family NODATA: the primary (eu-west) has no IPv6; never a silent fallback to us-east's.
      {"AAAA from a v4-only primary", nullptr, dublin(), "", V6, {}, {}, 0, 24, false, true},
      {"AAAA when it is down", nullptr, dublin(), "|d", V6, {"us-east"}, {"2001:db8:1::10"}, 1, 24},
      {"AAAA spill",
       answers3,
       nowhere(),
       "",
       V6,
       {"us-east", "ap-south"},
       {"2001:db8:1::10", "2001:db8:3::10"},
       2,
       1},
      // Everything down: fallback "all" answers anyway (fail open), in the policy's order.
      {"fail open", nullptr, dublin(), "ddd|d|dd|d", V4, {"eu-west"}, kEuWest4, 1, 24, true},
      {"fail open skips drained",
       nullptr,
       dublin(),
       "ddd|!d|dd|d",
       V4,
       {"us-east"},
       kUsEast4,
       1,
       24,
       true},
      {"fail open, AAAA, v4-only primary",
       nullptr,
       dublin(),
       "ddd|d|dd|d",
       V6,
       {},
       {},
       0,
       24,
       false,
       true},
      // Drained everything: still an answer while anything is configured.
      {"all regions drained", nullptr, dublin(), "!|!|!|!", V4, {"eu-west"}, kEuWest4, 1, 24, true},
      {"all endpoints drained",
       nullptr,
       dublin(),
       "xxx|x|xx|x",
       V4,
       {"eu-west"},
       kEuWest4,
       1,
       24,
       true},
      {"fail open, answers 3",
       answers3,
       nowhere(),
       "ddd|d|dd|d",
       V4,
       {"us-east", "eu-west"},
       all4,
       3,
       1,
       true},
      // fallback "none": nothing up, nothing answered.
      {"fallback none", fallbackNone, dublin(), "ddd|d|dd|d", V4, {}, {}, 0, 24, false, true},
      {"fallback none, one up",
       fallbackNone,
       dublin(),
       "ddd|d|dd|u",
       V4,
       {"lab"},
       {"192.0.2.99"},
       1,
       24},
  };
  for (const Case& c : cases) check(zones::PolicyKind::Geo, c);
}

void failoverApFirst(zones::Zone&, zones::Service& s) { s.order = {"ap-south"}; }

TEST(SelectFailover, Table) {
  const std::vector<Case> cases = {
      // The order is the same for every client: scope 0 even with ECS.
      {"active", nullptr, dublin(), "", V4, {"us-east"}, kUsEast4, 1, 0},
      {"active in a geo net", nullptr, inNet(), "", V4, {"us-east"}, kUsEast4, 1, 0},
      {"passive", nullptr, dublin(), "dd", V4, {"eu-west"}, kEuWest4, 1, 0},
      {"second passive", nullptr, dublin(), "dd|d", V4, {"ap-south"}, kApSouth4, 1, 0},
      {"order, then plan order", failoverApFirst, dublin(), "||d", V4, {"us-east"}, kUsEast4, 1, 0},
      {"AAAA", nullptr, dublin(), "", V6, {"us-east"}, {"2001:db8:1::10"}, 1, 0},
      {"passive AAAA: NODATA", nullptr, dublin(), "ddd", V6, {}, {}, 0, 0, false, true},
  };
  for (const Case& c : cases) check(zones::PolicyKind::Failover, c);
}

TEST(SelectGeo, OneRegionHasScopeZero) {
  zones::Zone zone = testing::exampleZone(zones::PolicyKind::Geo);
  zones::Service& www = zone.services[0];
  www.pools = {www.pools[1]};
  ServicePlan plan = ServicePlan::compile(zone, www);
  testing::Answer got = testing::run(plan, testing::health(www), dublin(32));
  EXPECT_EQ(got.regions, Strings{"eu-west"});
  EXPECT_EQ(got.decision.scope, 0);
}

void usEastThirdV4(zones::Zone&, zones::Service& s) {
  s.pools[0].endpoints.push_back(testing::ip("192.0.2.12"));
}

// Sticky rotation: inside a region, different subnets start at different endpoints, and one
// subnet keeps its endpoint.
TEST(SelectGeo, RotationIsStickyPerSubnet) {
  Example s = example(zones::PolicyKind::Geo);
  const ServiceHealth state = testing::health(s.zone.services[0]);
  std::map<std::string, int> first;
  for (int i = 0; i < 2000; ++i) {
    const std::string subnet = "10." + std::to_string(i / 256) + "." + std::to_string(i % 256);
    testing::Answer a = testing::run(s.plan, state, client(subnet + ".1", 32));
    testing::Answer b = testing::run(s.plan, state, client(subnet + ".200", 32));
    ASSERT_EQ(a.in_order.size(), 1u);
    EXPECT_EQ(a.in_order, b.in_order) << subnet;
    ++first[a.in_order[0]];
  }
  ASSERT_EQ(first.size(), 2u);  // both us-east addresses lead for some subnets
  EXPECT_NEAR(first["192.0.2.10"], 1000, 150);
  // One endpoint down: only the subnets it led move, each to the next endpoint of the list. With
  // two endpoints this could not fail (every subnet ends on the one left), so us-east gets a third.
  Example three = example(zones::PolicyKind::Geo, usEastThirdV4);
  const ServiceHealth all_up = testing::health(three.zone.services[0]);
  const ServiceHealth first_down = testing::health(three.zone.services[0], "d");
  int moved = 0;
  for (int i = 0; i < 1500; ++i) {
    const std::string address =
        "10." + std::to_string(10 + i / 256) + "." + std::to_string(i % 256) + ".1";
    const testing::Answer before = testing::run(three.plan, all_up, client(address, 32));
    const testing::Answer after = testing::run(three.plan, first_down, client(address, 32));
    if (before.in_order == Strings{"192.0.2.10"}) {
      EXPECT_EQ(after.in_order, Strings{"192.0.2.11"}) << address;
      ++moved;
    } else {
      EXPECT_EQ(after.in_order, before.in_order) << address;
    }
  }
  EXPECT_NEAR(moved, 500, 100);
}

TEST(SelectGeo, ShortHealthViewCountsAsUnknown) {
  Example s = example(zones::PolicyKind::Geo);
  testing::Answer got = testing::run(s.plan, ServiceHealth{}, dublin());
  EXPECT_EQ(got.regions, Strings{"eu-west"});
}

TEST(SelectGeo, AnswersAreCappedAtKMaxAnswers) {
  zones::Zone zone = testing::exampleZone(zones::PolicyKind::Geo);
  zones::Service& www = zone.services[0];
  www.answers = 100;
  for (int i = 0; i < 40; ++i) {
    www.pools[0].endpoints.push_back(testing::ip("192.0.2." + std::to_string(100 + i)));
  }
  ServicePlan plan = ServicePlan::compile(zone, www);
  testing::Answer got = testing::run(plan, testing::health(www), nowhere());
  EXPECT_EQ(got.decision.count, kMaxAnswers);
  EXPECT_EQ(got.addresses.size(), kMaxAnswers);  // no endpoint twice
}

TEST(Distance, GreatCircle) {
  EXPECT_NEAR(distanceKm(kDublin, kDublin), 0, 1e-9);
  EXPECT_NEAR(distanceKm(testing::kLondon, testing::kNewYork), 5570, 20);
  EXPECT_NEAR(distanceKm(kSydney, kMumbai), 10160, 60);
  EXPECT_NEAR(distanceKm({0, 0}, {0, 180}), 3.14159265 * 6371, 1);
}

// Regions are ordered by the dot product of unit vectors (no trigonometry per region): it must
// order them exactly as the great-circle distance does, wherever the two distances differ by
// more than rounding.
TEST(Distance, UnitVectorsOrderAsTheGreatCircle) {
  std::mt19937 engine(5);
  std::uniform_real_distribution<double> latitude(-90, 90), longitude(-180, 180);
  auto dot = [](const std::array<double, 3>& a, const std::array<double, 3>& b) {
    return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
  };
  int compared = 0;
  for (int i = 0; i < 20000; ++i) {
    const zones::GeoPoint client{latitude(engine), longitude(engine)};
    const zones::GeoPoint a{latitude(engine), longitude(engine)};
    const zones::GeoPoint b{latitude(engine), longitude(engine)};
    const double da = distanceKm(client, a), db = distanceKm(client, b);
    if (std::abs(da - db) < 0.01) continue;
    ++compared;
    const auto c = unitVector(client);
    ASSERT_EQ(da<db, dot(c, unitVector(a))> dot(c, unitVector(b)))
        << da << " km vs " << db << " km";
  }
  EXPECT_GT(compared, 19000);
}

}  // namespace
}  // namespace nines::policy
