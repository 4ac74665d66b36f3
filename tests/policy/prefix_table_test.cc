#include "nines/policy/prefix_table.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
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
  t.compile();
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
      {{"127.0.0.0/8", "0.0.0.0/0"}, "198.51.100.1", 1, 1, 1},
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
      {{"192.0.2.0/24", "192.0.2.0/25"}, "192.0.2.200", 0, 25, 25},
      {{"192.0.2.0/24", "192.0.2.0/25"}, "192.0.2.7", 1, 25, 25},
      // A deeper neighbour: 192.0.2.64/26 diverges from 192.0.2.7 at bit 25.
      {{"192.0.2.0/24", "192.0.2.64/26"}, "192.0.2.7", 0, 26, 26},
      {{"192.0.2.0/24", "192.0.2.64/26"}, "192.0.2.70", 1, 26, 26},
      {{"192.0.2.0/24", "192.0.2.64/26"}, "192.0.2.130", 0, 25, 25},
      // Divergences above the match do not narrow it: 198.51.100.0/24 vs 192.0.2.0/24 differ at
      // bit 5.
      {{"192.0.2.0/24", "198.51.100.0/24"}, "198.51.100.1", 1, 24, 24},
      // Host routes.
      {{"192.0.2.1/32", "192.0.2.0/24"}, "192.0.2.1", 0, 32, 32},
      {{"192.0.2.1/32", "192.0.2.0/24"}, "192.0.2.0", 1, 32, 32},
      // A duplicate keeps the first value.
      {{"192.0.2.0/24", "192.0.2.0/24"}, "192.0.2.5", 0, 24, 24},
      // IPv6.
      {{"2001:db8::/32"}, "2001:db8:1::1", 0, 32, 32},
      {{"2001:db8::/32", "2001:db8:100::/48"}, "2001:db8:100::1", 1, 48, 48},
      // 2001:db8:200:: leaves 2001:db8:100::/48 at bit 38.
      {{"2001:db8::/32", "2001:db8:100::/48"}, "2001:db8:200::1", 0, 39, 39},
      {{"::/0", "2001:db8::/32"}, "2a00::1", 0, 5, 5},  // 0x20 vs 0x2a: bit 4
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
  EXPECT_EQ(t.match(ip("2001:db8::1")).value, -1) << "nothing is in effect before compile()";
  t.compile();
  PrefixTable moved = std::move(t);
  EXPECT_EQ(moved.match(ip("2001:db8::1")).value, 3);
}

TEST(PrefixTable, SameValuesMerge) {
  // A /24 inside a /16 with the /16's value vanishes: the whole /16 answers alike.
  PrefixTable t;
  t.insert(cidr("10.1.0.0/16"), 4);
  t.insert(cidr("10.1.7.0/24"), 4);
  t.insert(cidr("10.1.9.0/24"), 5);
  t.compile();
  EXPECT_EQ(t.match(ip("10.1.7.1")).value, 4);
  EXPECT_EQ(t.match(ip("10.1.7.1")).scope, 21) << "only 10.1.9.0/24 narrows it, at bit 20";
  EXPECT_EQ(t.match(ip("10.1.200.1")).scope, 17);
  EXPECT_EQ(t.match(ip("10.1.9.1")).value, 5);
  EXPECT_EQ(t.match(ip("10.1.9.1")).scope, 24);
  // Adjacent networks of one value join: two /25s make a /24, and the /16 around them with the
  // same value makes them vanish entirely.
  PrefixTable adjacent;
  adjacent.insert(cidr("192.0.2.0/25"), 1);
  adjacent.insert(cidr("192.0.2.128/25"), 1);
  adjacent.compile();
  EXPECT_EQ(adjacent.match(ip("192.0.2.5")).prefix, 24);
  EXPECT_EQ(adjacent.match(ip("192.0.2.200")).scope, 24);
  // Written networks are kept for explain.
  EXPECT_EQ(t.writtenMatch(ip("10.1.7.1")), 1);
  EXPECT_EQ(t.writtenMatch(ip("10.1.200.1")), 0);
  EXPECT_EQ(t.writtenMatch(ip("10.2.0.1")), -1);
}

// --- The compiled table against a naive reference -------------------------------------------

struct Reference {
  struct Net {
    zones::Cidr cidr;
    std::int32_t value;
  };
  std::vector<Net> nets;  // deduplicated: the first of a network written twice
  // Every address where the longest match may change (network starts and one past network ends),
  // sorted, with its naive value.
  std::vector<std::pair<zones::IpAddress, std::int32_t>> breaks;

  static bool less(const zones::IpAddress& a, const zones::IpAddress& b) {
    return a.bytes < b.bytes;
  }
  std::int32_t value(const zones::IpAddress& address) const {
    std::int32_t best = -1;
    int best_prefix = -1;
    for (const Net& net : nets) {
      if (net.cidr.contains(address) && net.cidr.prefix > best_prefix) {
        best = net.value;
        best_prefix = net.cidr.prefix;
      }
    }
    return best;
  }
  // Every address of address/s gets one value: the value at the block's first address and at
  // every break inside the block agree.
  bool uniform(const zones::IpAddress& address, unsigned s) const {
    const zones::IpAddress first = address.masked(static_cast<std::uint8_t>(s));
    zones::IpAddress last = first;
    for (unsigned bit = s; bit < address.bitLength(); ++bit) {
      last.bytes[bit / 8] = static_cast<std::uint8_t>(last.bytes[bit / 8] | (0x80u >> (bit % 8)));
    }
    const std::int32_t expected = value(first);
    auto it =
        std::lower_bound(breaks.begin(), breaks.end(), first,
                         [](const auto& a, const zones::IpAddress& b) { return less(a.first, b); });
    for (; it != breaks.end() && !less(last, it->first); ++it) {
      if (it->second != expected) return false;
    }
    return true;
  }
  unsigned scope(const zones::IpAddress& address) const {
    unsigned low = 0, high = address.bitLength();  // uniform(high) always holds
    while (low < high) {
      const unsigned mid = (low + high) / 2;
      if (uniform(address, mid)) {
        high = mid;
      } else {
        low = mid + 1;
      }
    }
    return low;
  }

  Reference(const std::vector<Net>& written, std::uint8_t family) {
    for (const Net& net : written) {
      if (net.cidr.network.family != family) continue;
      if (std::none_of(nets.begin(), nets.end(),
                       [&](const Net& n) { return n.cidr == net.cidr; })) {
        nets.push_back(net);
      }
    }
    for (const Net& net : nets) {
      breaks.emplace_back(net.cidr.network, 0);
      zones::IpAddress after = net.cidr.network;
      // One past the network's last address: add 1 at bit `prefix - 1`, carrying left.
      bool carry = net.cidr.prefix > 0;
      for (int bit = net.cidr.prefix - 1; carry && bit >= 0; --bit) {
        const auto mask = static_cast<std::uint8_t>(0x80u >> (bit % 8));
        carry = (after.bytes[static_cast<std::size_t>(bit / 8)] & mask) != 0;
        after.bytes[static_cast<std::size_t>(bit / 8)] ^= mask;
      }
      if (!carry && net.cidr.prefix > 0) breaks.emplace_back(after, 0);
    }
    for (auto& [address, v] : breaks) v = value(address);
    std::sort(breaks.begin(), breaks.end(),
              [](const auto& a, const auto& b) { return less(a.first, b.first); });
  }
};

// Networks clustered in a few /8s (IPv6: /16s), nested several deep and side by side, with few
// distinct values so that merges happen; addresses inside networks, at their edges and around.
struct RandomTable {
  std::vector<Reference::Net> nets;
  std::vector<zones::IpAddress> addresses;

  RandomTable(std::uint8_t family, std::size_t count, std::int32_t values, std::uint32_t seed) {
    std::mt19937 engine(seed);
    auto random = [&engine]() -> unsigned { return static_cast<unsigned>(engine()); };
    const unsigned bits = family == 4 ? 32 : 128;
    const unsigned cluster_bits = family == 4 ? 8 : 16;
    auto randomAddress = [&](const zones::IpAddress& base, unsigned keep) {
      zones::IpAddress a = base;
      for (unsigned bit = keep; bit < bits; ++bit) {
        const auto mask = static_cast<std::uint8_t>(0x80u >> (bit % 8));
        if (random() & 1u) {
          a.bytes[bit / 8] |= mask;
        } else {
          a.bytes[bit / 8] = static_cast<std::uint8_t>(a.bytes[bit / 8] & ~mask);
        }
      }
      return a;
    };
    std::vector<zones::IpAddress> clusters;
    for (int i = 0; i < 4; ++i) {
      zones::IpAddress base;
      base.family = family;
      clusters.push_back(randomAddress(base, 0).masked(static_cast<std::uint8_t>(cluster_bits)));
    }
    auto value = [&] {
      return static_cast<std::int32_t>(random() % static_cast<unsigned>(values));
    };
    while (nets.size() < count) {
      const unsigned roll = random() % 10;
      if (roll < 3 || nets.empty()) {  // a new network somewhere in a cluster
        const zones::IpAddress& base = clusters[random() % clusters.size()];
        const auto length =
            static_cast<std::uint8_t>(cluster_bits + random() % (bits - cluster_bits + 1));
        nets.push_back({{randomAddress(base, cluster_bits).masked(length), length}, value()});
      } else if (roll < 7) {  // nested in an existing one
        const zones::Cidr parent = nets[random() % nets.size()].cidr;
        if (parent.prefix >= bits) continue;
        const auto length = static_cast<std::uint8_t>(
            parent.prefix + 1 + random() % std::min(12u, bits - parent.prefix));
        nets.push_back(
            {{randomAddress(parent.network, parent.prefix).masked(length), length}, value()});
      } else {  // the sibling of an existing one
        zones::Cidr sibling = nets[random() % nets.size()].cidr;
        if (sibling.prefix == 0) continue;
        const unsigned bit = sibling.prefix - 1u;
        sibling.network.bytes[bit / 8] ^= static_cast<std::uint8_t>(0x80u >> (bit % 8));
        nets.push_back({sibling, value()});
      }
    }
    for (std::size_t i = 0; i < 100000; ++i) {
      const Reference::Net& net = nets[random() % nets.size()];
      switch (random() % 4) {
        case 0:
          addresses.push_back(randomAddress(clusters[random() % clusters.size()], cluster_bits));
          break;
        case 1:
          addresses.push_back(net.cidr.network);
          break;
        default:
          addresses.push_back(randomAddress(net.cidr.network, net.cidr.prefix));
      }
    }
  }
};

void expectLikeReference(std::uint8_t family, std::uint32_t seed) {
  const RandomTable random(family, family == 4 ? 400 : 300, 4, seed);
  PrefixTable merged, distinct;
  for (std::size_t i = 0; i < random.nets.size(); ++i) {
    merged.insert(random.nets[i].cidr, random.nets[i].value);
    distinct.insert(random.nets[i].cidr, static_cast<std::int32_t>(i));
  }
  merged.compile();
  distinct.compile();
  const Reference reference(random.nets, family);
  std::size_t widened = 0;
  for (const zones::IpAddress& address : random.addresses) {
    const PrefixMatch match = merged.match(address);
    const std::int32_t expected = reference.value(address);
    ASSERT_EQ(match.value, expected) << address.toString();
    ASSERT_EQ(match.scope, reference.scope(address)) << address.toString();
    ASSERT_EQ(match.prefix, expected >= 0 ? match.scope : 0) << address.toString();
    // Without merging: the same answers, never a wider scope.
    const PrefixMatch unmerged = distinct.match(address);
    const std::int32_t unmerged_value =
        unmerged.value < 0 ? -1 : random.nets[static_cast<std::size_t>(unmerged.value)].value;
    ASSERT_EQ(unmerged_value, expected) << address.toString();
    ASSERT_LE(match.scope, unmerged.scope) << address.toString();
    if (match.scope < unmerged.scope) ++widened;
  }
  EXPECT_GT(widened, random.addresses.size() / 100) << "merging widened too few scopes to test it";
}

TEST(PrefixTable, LikeNaiveReferenceIpv4) { expectLikeReference(4, 1); }
TEST(PrefixTable, LikeNaiveReferenceIpv6) { expectLikeReference(6, 2); }

}  // namespace
}  // namespace nines::policy
