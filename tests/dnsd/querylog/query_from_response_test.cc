// ninesctl replay rebuilds the query from a logged response when the log has no query_message:
// the ID, opcode, RD and CD, the question, and EDNS with DO and the client's ECS subnet (scope
// cleared) come back; an answer section with compressed names in front of the OPT is skipped.
#include "nines/dnsd/querylog/query_from_response.h"

#include <gtest/gtest.h>

#include <string_view>

#include "nines/dnsd/wire/edns.h"
#include "nines/dnsd/wire/message.h"
#include "nines/dnsd/wire/wire_writer.h"

namespace nines::dnsd::querylog {
namespace {

using Bytes = std::vector<std::uint8_t>;

constexpr std::string_view kQname{"\3www\4gslb\4test\0", 15};

// A query (or, with `response`, dnsd's answer to it: QR and AA set, one A record whose owner is
// a pointer to the question, and the OPT record with the ECS scope) for www.gslb.test A.
Bytes message(std::uint16_t flags, bool edns, std::uint16_t edns_flags, const ClientSubnet* ecs,
              bool response) {
  Bytes out(512);
  WireWriter writer(out.data(), out.size(), kHeaderSize);
  writer.bytes(reinterpret_cast<const std::uint8_t*>(kQname.data()), kQname.size());
  std::uint8_t type_class[4] = {0, 1, 0, 1};
  writer.bytes(type_class, 4);
  if (response) {
    const std::uint8_t record[] = {0xC0, 12, 0, 1, 0, 1, 0, 0, 0, 30, 0, 4, 192, 0, 2, 1};
    writer.bytes(record, sizeof record);
  }
  if (edns) writeOptRecord(writer, 1232, 0, edns_flags, ecs, response ? 24 : 0);
  out.resize(writer.position());
  storeU16(out.data(), 0xBEEF);
  storeU16(out.data() + 2,
           response ? static_cast<std::uint16_t>(flags | flag::QR | flag::AA) : flags);
  storeU16(out.data() + 4, 1);
  storeU16(out.data() + 6, response ? 1 : 0);
  storeU16(out.data() + 10, edns ? 1 : 0);
  return out;
}

ClientSubnet subnet(std::uint16_t family, std::uint8_t prefix, Bytes address) {
  ClientSubnet ecs;
  ecs.family = family;
  ecs.source_prefix = prefix;
  std::copy(address.begin(), address.end(), ecs.address.begin());
  return ecs;
}

TEST(QueryFromResponse, APlainQueryComesBackOctetForOctet) {
  const Bytes query = message(flag::RD, false, 0, nullptr, false);
  const Bytes response = message(flag::RD, false, 0, nullptr, true);
  auto rebuilt = queryFromResponse(response.data(), response.size());
  ASSERT_TRUE(rebuilt);
  EXPECT_EQ(*rebuilt, query);
}

TEST(QueryFromResponse, EdnsWithDoAndAnIpv4SubnetComeBack) {
  const ClientSubnet ecs = subnet(1, 24, {198, 51, 100});
  const Bytes query = message(flag::CD, true, edns::FlagDo, &ecs, false);
  const Bytes response = message(flag::CD, true, edns::FlagDo, &ecs, true);
  auto rebuilt = queryFromResponse(response.data(), response.size());
  ASSERT_TRUE(rebuilt);
  EXPECT_EQ(*rebuilt, query);
}

TEST(QueryFromResponse, AnIpv6SubnetOfAnOddLengthComesBack) {
  const ClientSubnet ecs = subnet(2, 52, {0x20, 0x01, 0x0d, 0xb8, 0x12, 0x34, 0x50});
  const Bytes query = message(0, true, 0, &ecs, false);
  const Bytes response = message(0, true, 0, &ecs, true);
  auto rebuilt = queryFromResponse(response.data(), response.size());
  ASSERT_TRUE(rebuilt);
  EXPECT_EQ(*rebuilt, query);
}

TEST(QueryFromResponse, EdnsWithoutSubnetComesBackWithoutOne) {
  const Bytes query = message(flag::RD, true, 0, nullptr, false);
  const Bytes response = message(flag::RD, true, 0, nullptr, true);
  auto rebuilt = queryFromResponse(response.data(), response.size());
  ASSERT_TRUE(rebuilt);
  EXPECT_EQ(*rebuilt, query);
}

TEST(QueryFromResponse, NoQuestionOrACutMessageIsNotAQuery) {
  Bytes response = message(0, false, 0, nullptr, true);
  storeU16(response.data() + 4, 0);  // a FORMERR to a query without a question
  EXPECT_FALSE(queryFromResponse(response.data(), response.size()));
  const Bytes whole = message(0, true, 0, nullptr, true);
  for (std::size_t size = 0; size < whole.size(); ++size) {
    EXPECT_FALSE(queryFromResponse(whole.data(), size)) << size;
  }
  const Bytes query = message(0, false, 0, nullptr, false);  // QR clear
  EXPECT_FALSE(queryFromResponse(query.data(), query.size()));
}

}  // namespace
}  // namespace nines::dnsd::querylog
