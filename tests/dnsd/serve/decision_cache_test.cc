#include "nines/dnsd/serve/decision_cache.h"

#include <gtest/gtest.h>

namespace nines::dnsd {
namespace {

zones::IpAddress ip(const char* text) { return *zones::IpAddress::parse(text); }

policy::Decision decisionWithScope(std::uint8_t scope) {
  policy::Decision decision;
  decision.count = 1;
  decision.scope = scope;
  return decision;
}

TEST(DecisionCache, HitsOnlyInsideTheDecisionPrefix) {
  DecisionCache cache;
  DecisionCache::Key key{7, 0, policy::Family::V4, true, 32};
  cache.store(key, ip("198.51.100.77"), 25, decisionWithScope(25));
  ASSERT_NE(cache.find(key, ip("198.51.100.1")), nullptr);  // same /25
  EXPECT_EQ(cache.find(key, ip("198.51.100.1"))->scope, 25);
  EXPECT_EQ(cache.find(key, ip("198.51.100.200")), nullptr);  // same /24, other /25
  EXPECT_EQ(cache.find(key, ip("2001:db8::1")), nullptr);     // other family
}

TEST(DecisionCache, MissesOnAnyOtherKey) {
  DecisionCache cache;
  DecisionCache::Key key{7, 3, policy::Family::V4, true, 24};
  cache.store(key, ip("192.0.2.0"), 24, decisionWithScope(24));
  ASSERT_NE(cache.find(key, ip("192.0.2.0")), nullptr);
  const DecisionCache::Key others[] = {
      {8, 3, policy::Family::V4, true, 24},   // a newer snapshot (health or zones changed)
      {7, 4, policy::Family::V4, true, 24},   // another service
      {7, 3, policy::Family::V6, true, 24},   // AAAA
      {7, 3, policy::Family::V4, false, 24},  // no ECS
      {7, 3, policy::Family::V4, true, 16},   // another source prefix
  };
  for (const auto& other : others) EXPECT_EQ(cache.find(other, ip("192.0.2.0")), nullptr);
}

}  // namespace
}  // namespace nines::dnsd
