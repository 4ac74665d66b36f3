// Decision::shared_by_rule: a decision select() marks as its leading geo rule's alone (the
// client's net, else its country or continent rule) must be, ECS scope aside (withRuleScope()),
// exactly what select() gives every other client with the same geoRuleKey(); a worker hands it to
// them without asking select(). Everything that makes a decision client-specific (endpoint
// rotation, slow start, the distance from the client) must clear it.
#include <gtest/gtest.h>

#include <cmath>
#include <algorithm>
#include <random>

#include "policy_test_support.h"

namespace nines::policy::testing {
namespace {

// exampleZone's geo service (continent rules EU and AS, country rule IN) with nets whose lists
// lead to regions of one endpoint (eu-west, ap-south), of two (us-east: the rotation picks one),
// and one that leaves the rest of the order to the client's location once its only region is
// down.
zones::Zone netsZone() {
  zones::Zone zone = exampleZone(zones::PolicyKind::Geo);
  zones::Service& www = zone.services.front();
  www.geo.nets = {{cidr("10.0.0.0/8"), {"eu-west"}},
                  {cidr("10.1.0.0/16"), {"us-east"}},
                  {cidr("10.2.0.0/16"), {"ap-south", "eu-west"}},
                  {cidr("10.2.128.0/17"), {"ap-south", "eu-west"}},
                  {cidr("2001:db8:a::/48"), {"ap-south"}}};
  return zone;
}

Client randomClient(std::mt19937_64& random) {
  Client client;
  if (random() % 4 == 0) {
    // 2001:db8:a::/48 is a net, 2001:db8:b::/48 not.
    client.address = ip(random() % 2 == 0 ? "2001:db8:a::" : "2001:db8:b::");
    for (std::size_t i = 6; i < 16; ++i) client.address.bytes[i] = static_cast<std::uint8_t>(random());
  } else {
    // 10.0 to 10.3 (nets), or 11.0 to 11.3 (none).
    client.address = ip(random() % 3 == 0 ? "11.0.0.0" : "10.0.0.0");
    client.address.bytes[1] = static_cast<std::uint8_t>(random() % 4);
    client.address.bytes[2] = static_cast<std::uint8_t>(random());
    client.address.bytes[3] = static_cast<std::uint8_t>(random());
  }
  switch (random() % 4) {
    case 0:  // no ECS
      client.source_prefix = client.address.bitLength();
      break;
    case 1:  // ECS "do not use my address"
      client.has_ecs = true;
      client.source_prefix = 0;
      break;
    default:
      client.has_ecs = true;
      client.source_prefix = static_cast<std::uint8_t>(8 + random() % (client.address.bitLength() - 7));
  }
  // Some clients have a location (from [geo.nets] or a database), some none; some are in a
  // country or continent with a rule, some not.
  const zones::GeoPoint points[] = {kWashington, kDublin, kMumbai, kSydney};
  const char places[][2][3] = {{"EU", "IE"}, {"EU", "DE"}, {"AS", "IN"}, {"AS", "JP"},
                               {"NA", "US"}, {"OC", "AU"}, {"", ""}};
  if (random() % 3 != 0) {
    const auto& place = places[random() % 7];
    std::copy_n(place[0], 3, client.location.continent);
    std::copy_n(place[1], 3, client.location.country);
    client.location.source = Location::Source::Database;
    client.location.has_point = random() % 2 == 0;
    client.location.point = points[random() % 4];
    client.location.prefix = static_cast<std::uint8_t>(16 + random() % 9);
    client.location.scope = client.location.prefix;
  }
  return client;
}

void expectSameDecision(const Decision& shared_view, const Decision& selected, const Client& who) {
  const std::string where = who.address.toString() + " source " + std::to_string(who.source_prefix);
  ASSERT_EQ(shared_view.count, selected.count) << where;
  for (std::uint8_t i = 0; i < selected.count; ++i) {
    EXPECT_EQ(shared_view.picks[i].region, selected.picks[i].region) << where;
    EXPECT_EQ(shared_view.picks[i].endpoint, selected.picks[i].endpoint) << where;
  }
  EXPECT_EQ(shared_view.scope, selected.scope) << where;
  EXPECT_EQ(shared_view.nodata, selected.nodata) << where;
  EXPECT_EQ(shared_view.fail_open, selected.fail_open) << where;
  EXPECT_EQ(shared_view.outcome, selected.outcome) << where;
  EXPECT_TRUE(selected.shared_by_rule) << where;
}

TEST(SelectSharedByRule, ASharedDecisionIsWhatSelectGivesEveryClientOfTheRule) {
  const zones::Zone zone = netsZone();
  const ServicePlan plan = ServicePlan::compile(zone, zone.services.front());
  ServiceHealth ramping = health(zone.services.front());
  ramping.regions[2].ramp = 0.5;  // ap-south in slow start
  const std::pair<const char*, ServiceHealth> healths[] = {
      {"all unknown", health(zone.services.front())},
      {"eu-west down", health(zone.services.front(), "uuu|d|uu|u")},
      {"ap-south drained", health(zone.services.front(), "uuu|u|!uu|u")},
      {"us-east half down", health(zone.services.front(), "ud|u|uu|u")},
      {"all down", health(zone.services.front(), "ddd|d|dd|d")},
      {"ap-south ramping", ramping},
  };
  std::mt19937_64 random(12);
  std::size_t shared = 0, unshared = 0, compared = 0;
  for (const auto& [name, state] : healths) {
    SCOPED_TRACE(name);
    for (Family family : {Family::V4, Family::V6}) {
      for (int round = 0; round < 400; ++round) {
        const Client first = randomClient(random);
        Decision decision;
        select(plan, state, nullptr, first, family, decision);
        if (!decision.shared_by_rule) {
          ++unshared;
          continue;
        }
        ++shared;
        const std::int32_t rule = geoRuleKey(plan, first, plan.geo_nets.match(first.address));
        ASSERT_GE(rule, 0);
        for (int other_round = 0; other_round < 40; ++other_round) {
          const Client other = randomClient(random);
          const PrefixMatch net = plan.geo_nets.match(other.address);
          if (geoRuleKey(plan, other, net) != rule) continue;
          ++compared;
          Decision selected, reused;
          select(plan, state, nullptr, other, family, selected);
          withRuleScope(decision, other, net, reused);
          expectSameDecision(reused, selected, other);
          EXPECT_EQ(reused.reuse_prefix, other.address.bitLength());
        }
      }
    }
  }
  EXPECT_GT(shared, 1000u);
  EXPECT_GT(unshared, 1000u);
  EXPECT_GT(compared, 10000u);
}

TEST(SelectSharedByRule, AnythingClientSpecificClearsIt) {
  const zones::Zone zone = netsZone();
  const ServicePlan plan = ServicePlan::compile(zone, zone.services.front());
  const ServiceHealth all_up = health(zone.services.front(), "uuu|u|uu|u");
  auto sharedFor = [&](const Client& who, const ServiceHealth& state, Family family) {
    Decision decision;
    select(plan, state, nullptr, who, family, decision);
    return decision.shared_by_rule;
  };
  // eu-west's one address, by the net: shared.
  EXPECT_TRUE(sharedFor(client("10.9.9.9", 24), all_up, Family::V4));
  EXPECT_TRUE(sharedFor(client("10.2.200.1", 24), all_up, Family::V4));
  // The net's region has no IPv6 (NODATA for everyone in it): still shared.
  EXPECT_TRUE(sharedFor(client("10.9.9.9", 24), all_up, Family::V6));
  // us-east has two IPv4 addresses: the client's rotation chose one.
  EXPECT_FALSE(sharedFor(client("10.1.2.3", 24), all_up, Family::V4));
  // ...but one IPv6 address: nothing to rotate.
  EXPECT_TRUE(sharedFor(client("10.1.2.3", 24), all_up, Family::V6));
  // A region of the service in slow start: admission hashes the client's subnet.
  ServiceHealth ramping = all_up;
  ramping.regions[2].ramp = 0.5;
  EXPECT_FALSE(sharedFor(client("10.9.9.9", 24), ramping, Family::V4));
  // The net's only region down: the client's location orders the rest.
  const ServiceHealth eu_down = health(zone.services.front(), "uuu|d|uu|u");
  EXPECT_FALSE(sharedFor(client("10.9.9.9", 24, "", "", kSydney), eu_down, Family::V4));
  // No net matched: a country or continent rule led, with regions of one address each.
  EXPECT_TRUE(sharedFor(client("192.0.2.1", 24, "AS", "IN"), all_up, Family::V4));
  EXPECT_TRUE(sharedFor(client("192.0.2.1", 24, "EU", "FR", kDublin), all_up, Family::V4));
  // ...but eu-west down leaves the EU rule's us-east, of two addresses.
  EXPECT_FALSE(sharedFor(client("192.0.2.1", 24, "EU", "FR"), eu_down, Family::V4));
  // No rule for North America: the distance from the client decided, or the plan's order.
  EXPECT_FALSE(sharedFor(client("192.0.2.1", 24, "NA", "US", kNewYork), all_up, Family::V4));
  EXPECT_FALSE(sharedFor(client("192.0.2.1", 24), all_up, Family::V4));
  // Other policies never share by rule.
  zones::Zone weighted = netsZone();
  weighted.services.front().policy = zones::PolicyKind::Weighted;
  const ServicePlan weighted_plan = ServicePlan::compile(weighted, weighted.services.front());
  Decision decision;
  select(weighted_plan, all_up, nullptr, client("10.9.9.9", 24), Family::V4, decision);
  EXPECT_FALSE(decision.shared_by_rule);
}

}  // namespace
}  // namespace nines::policy::testing
