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

namespace nines::dnsd {
namespace {

TEST(DecisionCache, IsSizedToAPowerOfTwoAndCountsHitsAndMisses) {
  EXPECT_EQ(DecisionCache().entries(), DecisionCache::kDefaultEntries);
  EXPECT_EQ(DecisionCache(5000).entries(), 8192u);
  EXPECT_EQ(DecisionCache(1).entries(), 16u);
  DecisionCache cache(1 << 16);
  DecisionCache::Key key{7, 0, policy::Family::V4, true, 24};
  EXPECT_EQ(cache.find(key, ip("192.0.2.0")), nullptr);
  cache.store(key, ip("192.0.2.0"), 24, decisionWithScope(24));
  EXPECT_NE(cache.find(key, ip("192.0.2.9")), nullptr);
  EXPECT_NE(cache.find(key, ip("192.0.2.200")), nullptr);
  EXPECT_EQ(cache.hits(), 2u);
  EXPECT_EQ(cache.misses(), 1u);
}

// A larger cache keeps decisions for more client networks: 20,000 /24s fit in 65,536 entries
// far better than in 2,048.
TEST(DecisionCache, ALargerCacheHoldsMoreNetworks) {
  auto hitsAfterTwoPasses = [](std::size_t entries) {
    DecisionCache cache(entries);
    DecisionCache::Key key{7, 0, policy::Family::V4, true, 24};
    for (int pass = 0; pass < 2; ++pass) {
      for (int n = 0; n < 20000; ++n) {
        const std::string text =
            "10." + std::to_string(n / 256) + "." + std::to_string(n % 256) + ".0";
        const zones::IpAddress address = ip(text.c_str());
        if (!cache.find(key, address)) cache.store(key, address, 24, decisionWithScope(24));
      }
    }
    return cache.hits();
  };
  const std::uint64_t small = hitsAfterTwoPasses(2048);
  const std::uint64_t large = hitsAfterTwoPasses(65536);
  // The second pass over 20,000 networks: most find their decision in 65,536 entries (the hash is
  // fixed: 74% expected without collisions' luck), few in 2,048.
  EXPECT_LT(small, 2000u) << large;
  EXPECT_GT(large, 12000u) << small;
}

}  // namespace
}  // namespace nines::dnsd

namespace nines::dnsd {
namespace {

TEST(DecisionCache, NetEntriesAnswerOnlyTheirNetAndSayWhenTheNetDoesNotShare) {
  DecisionCache cache;
  const DecisionCache::RuleKey key{7, 3, policy::Family::V4, 12};
  const policy::Decision* shared = nullptr;
  EXPECT_EQ(cache.findByRule(key, &shared), DecisionCache::RuleLookup::Unknown);
  policy::Decision decision = decisionWithScope(16);
  decision.shared_by_rule = true;
  cache.storeByRule(key, decision);
  ASSERT_EQ(cache.findByRule(key, &shared), DecisionCache::RuleLookup::Shared);
  EXPECT_EQ(shared->scope, 16);
  EXPECT_EQ(cache.hits(), 1u);
  const DecisionCache::RuleKey others[] = {
      {8, 3, policy::Family::V4, 12},  // a newer snapshot
      {7, 4, policy::Family::V4, 12},  // another service
      {7, 3, policy::Family::V6, 12},  // AAAA
      {7, 3, policy::Family::V4, 13},  // another region list
  };
  for (const auto& other : others) {
    EXPECT_EQ(cache.findByRule(other, &shared), DecisionCache::RuleLookup::Unknown);
  }
  decision.shared_by_rule = false;  // e.g. a health change brought rotation into it
  cache.storeByRule(key, decision);
  EXPECT_EQ(cache.findByRule(key, &shared), DecisionCache::RuleLookup::Unshared);
  EXPECT_EQ(cache.hits(), 1u);
  EXPECT_EQ(cache.misses(), 0u);  // the per-subnet find() counts those lookups
}

}  // namespace
}  // namespace nines::dnsd
