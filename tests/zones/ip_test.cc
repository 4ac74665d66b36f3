#include "nines/zones/ip.h"

#include <gtest/gtest.h>

#include <random>

namespace nines::zones {
namespace {

// Bit by bit, as RFC 4632 defines a prefix: the reference masked() is checked against.
IpAddress maskedBitByBit(const IpAddress& address, unsigned prefix) {
  IpAddress out = address;
  for (unsigned bit = 0; bit < 128; ++bit) {
    if (bit < prefix) continue;
    out.bytes[bit / 8] &= static_cast<std::uint8_t>(~(0x80u >> (bit % 8)));
  }
  return out;
}

TEST(IpAddress, MaskedClearsEveryBitPastThePrefixAndNoOther) {
  std::mt19937_64 random(7);
  for (int round = 0; round < 200; ++round) {
    IpAddress address;
    address.family = round % 2 == 0 ? 4 : 6;
    for (auto& byte : address.bytes) byte = static_cast<std::uint8_t>(random() | 0x01);
    const unsigned longest = address.family == 4 ? 32 : 128;
    for (unsigned prefix = 0; prefix <= longest; ++prefix) {
      const IpAddress masked = address.masked(static_cast<std::uint8_t>(prefix));
      ASSERT_EQ(masked, maskedBitByBit(address, prefix)) << address.toString() << "/" << prefix;
      EXPECT_EQ(masked.family, address.family);
    }
  }
  // Past the longest prefix nothing more is kept, and nothing is lost.
  IpAddress all_ones;
  all_ones.family = 6;
  all_ones.bytes.fill(0xFF);
  EXPECT_EQ(all_ones.masked(200), all_ones);
  EXPECT_EQ(all_ones.masked(0), IpAddress{.family = 6});
}

TEST(IpAddress, MaskedKeepsTheNetworkOfAWrittenCidr) {
  auto address = IpAddress::parse("198.51.100.77");
  ASSERT_TRUE(address);
  EXPECT_EQ(address->masked(24).toString(), "198.51.100.0");
  EXPECT_EQ(address->masked(20).toString(), "198.51.96.0");
  EXPECT_EQ(address->masked(1).toString(), "128.0.0.0");
  auto v6 = IpAddress::parse("2001:db8:abcd:1234:5678:9abc:def0:1234");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->masked(56).toString(), "2001:db8:abcd:1200::");
  EXPECT_EQ(v6->masked(65).toString(), "2001:db8:abcd:1234::");
  EXPECT_EQ(v6->masked(127).toString(), "2001:db8:abcd:1234:5678:9abc:def0:1234");
  EXPECT_TRUE(Cidr::parse("198.51.96.0/20", nullptr)->contains(*address));
  EXPECT_FALSE(Cidr::parse("198.51.96.0/23", nullptr)->contains(*address));
}

}  // namespace
}  // namespace nines::zones
