// decisionPrefix(): the client prefix a cached decision may be reused for. It must never be
// shorter than anything select() looked at, or a worker's cache would hand one client's answer to
// a client the policy would answer otherwise.
#include <gtest/gtest.h>

#include "policy_test_support.h"

namespace nines::policy::testing {
namespace {

Client clientAt(const std::string& address, std::uint8_t location_scope) {
  Client client;
  client.address = ip(address);
  client.source_prefix = client.address.bitLength();
  client.location.scope = location_scope;
  return client;
}

struct PrefixCase {
  zones::PolicyKind policy;
  std::string address;
  std::uint8_t location_scope;
  std::uint8_t expected;
};

TEST(DecisionPrefix, CoversEverythingTheDecisionDependsOn) {
  const PrefixCase cases[] = {
      // The hashed client subnet (/24) is the floor for every policy.
      {zones::PolicyKind::Failover, "192.0.2.7", 0, 24},
      {zones::PolicyKind::Weighted, "192.0.2.7", 30, 24},  // location unused by weighted
      // geo and latency also depend on the location's network.
      {zones::PolicyKind::Geo, "192.0.2.7", 28, 28},
      {zones::PolicyKind::Latency, "192.0.2.7", 26, 26},
      {zones::PolicyKind::Geo, "192.0.2.7", 8, 24},
      // Inside the service's geo net 203.0.113.0/24.
      {zones::PolicyKind::Geo, "203.0.113.9", 0, 24},
      // IPv6: the /56 subnet.
      {zones::PolicyKind::Failover, "2001:db8::1", 0, 56},
      {zones::PolicyKind::Geo, "2001:db8::1", 64, 64},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.address + " location scope " + std::to_string(c.location_scope));
    zones::Zone zone = exampleZone(c.policy);
    ServicePlan plan = ServicePlan::compile(zone, zone.services.front());
    const Client client = clientAt(c.address, c.location_scope);
    EXPECT_EQ(decisionPrefix(plan, client), c.expected);
    // What select() hands the decision cache, from the lookups it made anyway, is the same.
    Decision decision;
    select(plan, health(zone.services.front()), nullptr, client,
           client.address.family == 4 ? Family::V4 : Family::V6, decision);
    EXPECT_EQ(decision.reuse_prefix, c.expected);
  }
}

TEST(DecisionPrefix, SameDecisionForEveryClientInsideThePrefix) {
  zones::Zone zone = exampleZone(zones::PolicyKind::Weighted);
  ServicePlan plan = ServicePlan::compile(zone, zone.services.front());
  ServiceHealth all_up = health(zone.services.front());
  Client first = clientAt("198.51.100.1", 0);
  Decision a, b;
  select(plan, all_up, nullptr, first, Family::V4, a);
  std::uint8_t prefix = decisionPrefix(plan, first);
  for (int host : {2, 77, 254}) {
    Client other = clientAt("198.51.100." + std::to_string(host), 0);
    ASSERT_EQ(other.address.masked(prefix), first.address.masked(prefix));
    select(plan, all_up, nullptr, other, Family::V4, b);
    ASSERT_EQ(a.count, b.count);
    for (std::uint8_t i = 0; i < a.count; ++i) {
      EXPECT_EQ(a.picks[i].region, b.picks[i].region);
      EXPECT_EQ(a.picks[i].endpoint, b.picks[i].endpoint);
    }
    EXPECT_EQ(a.scope, b.scope);
  }
}

}  // namespace
}  // namespace nines::policy::testing
