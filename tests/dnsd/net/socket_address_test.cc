// SocketAddress: "ADDR:PORT" and "[ADDR]:PORT" as dnsd.toml writes them, and back.
#include "nines/dnsd/net/socket_address.h"

#include <gtest/gtest.h>

#include <string>

namespace nines::dnsd {
namespace {

struct ParseCase {
  std::string text;
  bool ok;
  std::string shown;  // toString() when ok, the error otherwise
};

TEST(SocketAddress, ParsesWhatDnsdTomlWrites) {
  const ParseCase cases[] = {
      {"127.0.0.1:5300", true, "127.0.0.1:5300"},
      {"0.0.0.0:53", true, "0.0.0.0:53"},
      {"[::1]:5300", true, "[::1]:5300"},
      {"[2001:db8::1]:0", true, "[2001:db8::1]:0"},
      {"127.0.0.1", false, "expected \"ADDRESS:PORT\""},
      {"127.0.0.1:65536", false, "port must be a number from 0 to 65535"},
      {"127.0.0.1:", false, "port must be a number from 0 to 65535"},
      {"::1:53", false, "not an IPv4 address (IPv6 goes in brackets: \"[::1]:53\")"},
      {"[::1]53", false, "expected \"[IPv6]:PORT\""},
      {"[192.0.2.1]:53", false, "not an IPv6 address"},
      {"localhost:53", false, "not an IPv4 address (IPv6 goes in brackets: \"[::1]:53\")"},
  };
  for (const ParseCase& c : cases) {
    std::string error;
    auto address = SocketAddress::parse(c.text, &error);
    EXPECT_EQ(address.has_value(), c.ok) << c.text;
    EXPECT_EQ(address ? address->toString() : error, c.shown) << c.text;
  }
}

TEST(SocketAddress, KnowsWildcardsAndPorts) {
  std::string error;
  auto any4 = SocketAddress::parse("0.0.0.0:53", &error);
  auto any6 = SocketAddress::parse("[::]:53", &error);
  auto loopback = SocketAddress::parse("127.0.0.1:53", &error);
  ASSERT_TRUE(any4 && any6 && loopback);
  EXPECT_TRUE(any4->isWildcard());
  EXPECT_TRUE(any6->isWildcard());
  EXPECT_FALSE(loopback->isWildcard());
  loopback->setPort(5353);
  EXPECT_EQ(loopback->port(), 5353);
  EXPECT_EQ(ipAddressOf(loopback->storage).toString(), "127.0.0.1");
}

}  // namespace
}  // namespace nines::dnsd
