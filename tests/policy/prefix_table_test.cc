#include "nines/policy/prefix_table.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "policy_test_support.h"

namespace nines::policy {
namespace {

using testing::cidr;
using testing::ip;

PrefixTable table(const std::vector<std::string>& prefixes) {
  PrefixTable t;
  for (std::size_t i = 0; i < prefixes.size(); ++i) {
    t.insert(cidr(prefixes[i]), static_cast<std::int32_t>(i));
  }
  return t;
}

struct Case {
  std::vector<std::string> prefixes;  // value = index
  std::string address;
  std::int32_t value;
  int prefix;
  int scope;
};

TEST(PrefixTable, MatchesAndScopes) {
  const std::vector<Case> cases = {
      // The example of the contract: /0 matches, but 127/8 sits on the other branch of bit 0.
      {{"127.0.0.0/8", "0.0.0.0/0"}, "198.51.100.1", 1, 0, 1},
      {{"127.0.0.0/8", "0.0.0.0/0"}, "127.0.0.1", 0, 8, 8},
      // Nothing but /0: every address is answered alike.
      {{"0.0.0.0/0"}, "203.0.113.9", 0, 0, 0},
      // Empty table: no match, scope 0.
      {{}, "192.0.2.1", -1, 0, 0},
      // No match: every divergence counts. 10 = 00001010, 192 = 11000000: bit 0.
      {{"192.0.2.0/24"}, "10.0.0.1", -1, 0, 1},
      // 192.0.3.1 leaves 192.0.2.0/24 at bit 23.
      {{"192.0.2.0/24"}, "192.0.3.1", -1, 0, 24},
      {{"192.0.2.0/24"}, "192.0.2.200", 0, 24, 24},
      // Nested: the /25 inside the /24 narrows the /24's scope to /25 for the other half.
      {{"192.0.2.0/24", "192.0.2.0/25"}, "192.0.2.200", 0, 24, 25},
      {{"192.0.2.0/24", "192.0.2.0/25"}, "192.0.2.7", 1, 25, 25},
      // A deeper neighbour: 192.0.2.64/26 diverges from 192.0.2.7 at bit 25.
      {{"192.0.2.0/24", "192.0.2.64/26"}, "192.0.2.7", 0, 24, 26},
      {{"192.0.2.0/24", "192.0.2.64/26"}, "192.0.2.70", 1, 26, 26},
      {{"192.0.2.0/24", "192.0.2.64/26"}, "192.0.2.130", 0, 24, 25},
      // Divergences above the match do not narrow it: 198.51.100.0/24 vs 192.0.2.0/24 differ at
      // bit 5.
      {{"192.0.2.0/24", "198.51.100.0/24"}, "198.51.100.1", 1, 24, 24},
      // Host routes.
      {{"192.0.2.1/32", "192.0.2.0/24"}, "192.0.2.1", 0, 32, 32},
      {{"192.0.2.1/32", "192.0.2.0/24"}, "192.0.2.0", 1, 24, 32},
      // A duplicate keeps the first value.
      {{"192.0.2.0/24", "192.0.2.0/24"}, "192.0.2.5", 0, 24, 24},
      // IPv6.
      {{"2001:db8::/32"}, "2001:db8:1::1", 0, 32, 32},
      {{"2001:db8::/32", "2001:db8:100::/48"}, "2001:db8:100::1", 1, 48, 48},
      // 2001:db8:200:: leaves 2001:db8:100::/48 at bit 38.
      {{"2001:db8::/32", "2001:db8:100::/48"}, "2001:db8:200::1", 0, 32, 39},
      {{"::/0", "2001:db8::/32"}, "2a00::1", 0, 0, 5},  // 0x20 vs 0x2a: bit 4
      {{"2001:db8::1/128"}, "2001:db8::1", 0, 128, 128},
      {{"2001:db8::1/128"}, "2001:db8::", -1, 0, 128},
      // Families do not mix.
      {{"0.0.0.0/0"}, "2001:db8::1", -1, 0, 0},
      {{"::/0"}, "192.0.2.1", -1, 0, 0},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.address);
    const PrefixMatch match = table(c.prefixes).match(ip(c.address));
    EXPECT_EQ(match.value, c.value);
    EXPECT_EQ(match.prefix, c.prefix);
    EXPECT_EQ(match.scope, c.scope);
  }
}

TEST(PrefixTable, ScopeIsSafe) {
  // Every address inside address/scope gets the same result as the address: checked over a
  // small nested table for every IPv4 address in 192.0.2.0/24.
  PrefixTable t =
      table({"192.0.2.0/24", "192.0.2.128/25", "192.0.2.64/27", "192.0.2.100/32", "192.0.0.0/16"});
  for (unsigned last = 0; last < 256; ++last) {
    const auto address = ip("192.0.2." + std::to_string(last));
    const PrefixMatch match = t.match(address);
    ASSERT_GE(match.scope, match.prefix);
    for (unsigned other = 0; other < 256; ++other) {
      const auto neighbour = ip("192.0.2." + std::to_string(other));
      if (!(neighbour.masked(match.scope) == address.masked(match.scope))) continue;
      EXPECT_EQ(t.match(neighbour).value, match.value)
          << address.toString() << " vs " << neighbour.toString();
    }
  }
}

TEST(PrefixTable, EmptyAndMoved) {
  PrefixTable t;
  EXPECT_TRUE(t.empty());
  t.insert(cidr("2001:db8::/32"), 3);
  EXPECT_FALSE(t.empty());
  PrefixTable moved = std::move(t);
  EXPECT_EQ(moved.match(ip("2001:db8::1")).value, 3);
}

}  // namespace
}  // namespace nines::policy
