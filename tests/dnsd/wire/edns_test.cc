// The EDNS Client Subnet codec (RFC 7871) and the OPT record: what the writer writes, the parser
// reads back, and every malformed option of §7.1.1 is refused.
#include "nines/dnsd/wire/edns.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "client_subnet.h"

namespace nines::dnsd {
namespace {

using Bytes = std::vector<std::uint8_t>;
using test::subnet;

// The option data (after code and length) as writeEcsOption writes it.
Bytes optionData(const ClientSubnet& ecs, std::uint8_t scope) {
  std::array<std::uint8_t, 32> buffer{};
  WireWriter writer(buffer.data(), buffer.size());
  writeEcsOption(writer, ecs, scope);
  EXPECT_TRUE(writer.ok());
  EXPECT_EQ(writer.position(), ecsOptionSize(ecs.source_prefix));
  return Bytes(buffer.begin() + 4, buffer.begin() + static_cast<std::ptrdiff_t>(writer.position()));
}

TEST(EdnsCodec, EcsOptionsRoundTrip) {
  const ClientSubnet cases[] = {
      subnet(1, 24, {198, 51, 100}),
      subnet(1, 32, {192, 0, 2, 1}),
      subnet(1, 0, {}),
      subnet(1, 20, {10, 20, 16}),
      subnet(2, 56, {0x20, 0x01, 0x0d, 0xb8, 0, 1, 2}),
      subnet(2, 128, {0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}),
  };
  for (const ClientSubnet& ecs : cases) {
    SCOPED_TRACE(std::to_string(ecs.family) + "/" + std::to_string(ecs.source_prefix));
    const Bytes data = optionData(ecs, 0);
    ClientSubnet parsed;
    ASSERT_TRUE(parseEcsOption(data.data(), data.size(), parsed));
    EXPECT_EQ(parsed.family, ecs.family);
    EXPECT_EQ(parsed.source_prefix, ecs.source_prefix);
    EXPECT_EQ(parsed.address, ecs.address);
  }
}

TEST(EdnsCodec, TheScopeWrittenIsTheOneGiven) {
  const Bytes data = optionData(subnet(1, 24, {198, 51, 100}), 16);
  EXPECT_EQ(data, (Bytes{0, 1, 24, 16, 198, 51, 100}));
}

struct BadOption {
  const char* what;
  Bytes data;
};

TEST(EdnsCodec, MalformedOptionsAreRefused) {
  const BadOption cases[] = {
      {"shorter than its fixed part", {0, 1, 24}},
      {"unknown family", {0, 3, 24, 0, 1, 2, 3}},
      {"IPv4 source prefix over 32", {0, 1, 33, 0, 1, 2, 3, 4, 5}},
      {"IPv6 source prefix over 128", {0, 2, 129, 0}},
      {"non-zero scope in a query", {0, 1, 24, 8, 198, 51, 100}},
      {"address longer than the prefix needs", {0, 1, 24, 0, 198, 51, 100, 7}},
      {"address shorter than the prefix needs", {0, 1, 24, 0, 198, 51}},
      {"bits set beyond the source prefix", {0, 1, 20, 0, 10, 20, 17}},
  };
  for (const BadOption& c : cases) {
    ClientSubnet parsed;
    EXPECT_FALSE(parseEcsOption(c.data.data(), c.data.size(), parsed)) << c.what;
  }
}

TEST(EdnsCodec, AnOptRecordThatDoesNotFitIsNotWritten) {
  std::array<std::uint8_t, 12> buffer{};
  WireWriter writer(buffer.data(), buffer.size());
  const ClientSubnet ecs = subnet(1, 24, {198, 51, 100});
  writeOptRecord(writer, 1232, 0, 0, &ecs, 0);  // 11 + 11 octets
  EXPECT_FALSE(writer.ok());
  EXPECT_EQ(writer.position(), 0u);
}

}  // namespace
}  // namespace nines::dnsd
