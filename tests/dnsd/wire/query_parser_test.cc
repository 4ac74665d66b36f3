#include "nines/dnsd/wire/query_parser.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

namespace nines::dnsd {
namespace {

using Bytes = std::vector<std::uint8_t>;

// www.example.test. A IN, id 0x1234, RD set.
Bytes header(std::uint16_t flags, std::uint16_t qd, std::uint16_t an, std::uint16_t ns,
             std::uint16_t ar) {
  return {0x12,
          0x34,
          static_cast<std::uint8_t>(flags >> 8),
          static_cast<std::uint8_t>(flags),
          0,
          static_cast<std::uint8_t>(qd),
          0,
          static_cast<std::uint8_t>(an),
          0,
          static_cast<std::uint8_t>(ns),
          0,
          static_cast<std::uint8_t>(ar)};
}
Bytes question() {
  return {3,   'W', 'w', 'W', 7,   'e', 'x', 'a', 'm', 'p', 'l',
          'e', 4,   't', 'e', 's', 't', 0,   0,   1,   0,   1};
}
Bytes opt(std::uint16_t udp, std::uint8_t version, std::uint16_t flags, Bytes options = {}) {
  Bytes b = {0,
             0,
             41,
             static_cast<std::uint8_t>(udp >> 8),
             static_cast<std::uint8_t>(udp),
             0,
             version,
             static_cast<std::uint8_t>(flags >> 8),
             static_cast<std::uint8_t>(flags),
             static_cast<std::uint8_t>(options.size() >> 8),
             static_cast<std::uint8_t>(options.size())};
  b.insert(b.end(), options.begin(), options.end());
  return b;
}
Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}
Bytes ecs(std::uint16_t family, std::uint8_t source, std::uint8_t scope, Bytes address) {
  std::uint16_t len = static_cast<std::uint16_t>(4 + address.size());
  Bytes b = {0,
             8,
             static_cast<std::uint8_t>(len >> 8),
             static_cast<std::uint8_t>(len),
             static_cast<std::uint8_t>(family >> 8),
             static_cast<std::uint8_t>(family),
             source,
             scope};
  b.insert(b.end(), address.begin(), address.end());
  return b;
}

struct ParseCase {
  const char* what;
  Bytes packet;
  ParseOutcome expected;
};

class ParseTable : public ::testing::TestWithParam<ParseCase> {};

TEST_P(ParseTable, Outcome) {
  const ParseCase& c = GetParam();
  Query query;
  EXPECT_EQ(parseQuery(c.packet.data(), c.packet.size(), query), c.expected) << c.what;
}

INSTANTIATE_TEST_SUITE_P(
    Packets, ParseTable,
    ::testing::Values(
        ParseCase{"plain query", cat({header(0x0100, 1, 0, 0, 0), question()}), ParseOutcome::Ok},
        ParseCase{"with EDNS", cat({header(0, 1, 0, 0, 1), question(), opt(1232, 0, 0x8000)}),
                  ParseOutcome::Ok},
        ParseCase{"empty", {}, ParseOutcome::Drop},
        ParseCase{"short header", {0x12, 0x34, 0, 0, 0}, ParseOutcome::Drop},
        ParseCase{"a response (QR)", cat({header(0x8000, 1, 0, 0, 0), question()}),
                  ParseOutcome::Drop},
        ParseCase{"no question", header(0, 0, 0, 0, 0), ParseOutcome::FormErr},
        ParseCase{"two questions", cat({header(0, 2, 0, 0, 0), question(), question()}),
                  ParseOutcome::FormErr},
        ParseCase{"qdcount 1 but nothing", header(0, 1, 0, 0, 0), ParseOutcome::FormErr},
        ParseCase{"name runs past end", cat({header(0, 1, 0, 0, 0), {3, 'w', 'w'}}),
                  ParseOutcome::FormErr},
        ParseCase{"missing qtype", cat({header(0, 1, 0, 0, 0), {3, 'w', 'w', 'w', 0, 0}}),
                  ParseOutcome::FormErr},
        ParseCase{"compression pointer in question",
                  cat({header(0, 1, 0, 0, 0), {0xC0, 0x0C, 0, 1, 0, 1}}), ParseOutcome::FormErr},
        ParseCase{"extended label type", cat({header(0, 1, 0, 0, 0), {0x41, 0, 0, 1, 0, 1}}),
                  ParseOutcome::FormErr},
        ParseCase{"answer section in query", cat({header(0, 1, 1, 0, 0), question()}),
                  ParseOutcome::FormErr},
        ParseCase{"trailing garbage", cat({header(0, 1, 0, 0, 0), question(), {0xde, 0xad}}),
                  ParseOutcome::FormErr},
        ParseCase{"two OPT records",
                  cat({header(0, 1, 0, 0, 2), question(), opt(1232, 0, 0), opt(1232, 0, 0)}),
                  ParseOutcome::FormErr},
        ParseCase{
            "OPT with non-root owner",
            cat({header(0, 1, 0, 0, 1), question(), {1, 'x', 0, 0, 41, 4, 0xd0, 0, 0, 0, 0, 0, 0}}),
            ParseOutcome::FormErr},
        ParseCase{"OPT rdlength past end",
                  cat({header(0, 1, 0, 0, 1), question(), {0, 0, 41, 4, 0xd0, 0, 0, 0, 0, 0, 9}}),
                  ParseOutcome::FormErr},
        ParseCase{"option length past rdata",
                  cat({header(0, 1, 0, 0, 1), question(), opt(1232, 0, 0, {0, 99, 0, 8, 1})}),
                  ParseOutcome::FormErr},
        ParseCase{"unknown option ignored",
                  cat({header(0, 1, 0, 0, 1), question(), opt(1232, 0, 0, {0, 99, 0, 1, 7})}),
                  ParseOutcome::Ok},
        ParseCase{"EDNS version 1", cat({header(0, 1, 0, 0, 1), question(), opt(1232, 1, 0)}),
                  ParseOutcome::BadVers},
        ParseCase{"NOTIFY opcode", cat({header(4 << 11, 1, 0, 0, 0), question()}),
                  ParseOutcome::NotImp},
        ParseCase{"UPDATE opcode", cat({header(5 << 11, 1, 0, 0, 0), question()}),
                  ParseOutcome::NotImp},
        ParseCase{"ECS IPv4 /24",
                  cat({header(0, 1, 0, 0, 1), question(),
                       opt(1232, 0, 0, ecs(1, 24, 0, {198, 51, 100}))}),
                  ParseOutcome::Ok},
        ParseCase{"ECS source 0",
                  cat({header(0, 1, 0, 0, 1), question(), opt(1232, 0, 0, ecs(1, 0, 0, {}))}),
                  ParseOutcome::Ok},
        ParseCase{"ECS bits beyond prefix",
                  cat({header(0, 1, 0, 0, 1), question(),
                       opt(1232, 0, 0, ecs(1, 20, 0, {198, 51, 100}))}),
                  ParseOutcome::FormErr},
        ParseCase{
            "ECS address too long",
            cat({header(0, 1, 0, 0, 1), question(), opt(1232, 0, 0, ecs(1, 8, 0, {198, 51}))}),
            ParseOutcome::FormErr},
        ParseCase{"ECS unknown family",
                  cat({header(0, 1, 0, 0, 1), question(), opt(1232, 0, 0, ecs(3, 8, 0, {1}))}),
                  ParseOutcome::FormErr},
        ParseCase{"ECS prefix over 32",
                  cat({header(0, 1, 0, 0, 1), question(),
                       opt(1232, 0, 0, ecs(1, 33, 0, {1, 2, 3, 4, 5}))}),
                  ParseOutcome::FormErr},
        ParseCase{"ECS non-zero scope in query",
                  cat({header(0, 1, 0, 0, 1), question(),
                       opt(1232, 0, 0, ecs(1, 24, 8, {198, 51, 100}))}),
                  ParseOutcome::FormErr}),
    [](const auto& case_info) {
      std::string name;
      for (const char* p = case_info.param.what; *p; ++p)
        name += std::isalnum(static_cast<unsigned char>(*p)) ? *p : '_';
      return name;
    });

TEST(QueryParser, LowercasesNameAndRecordsLabels) {
  Bytes packet = cat({header(0x0100, 1, 0, 0, 0), question()});
  Query query;
  ASSERT_EQ(parseQuery(packet.data(), packet.size(), query), ParseOutcome::Ok);
  EXPECT_EQ(query.id, 0x1234);
  EXPECT_EQ(query.qtype, 1);
  EXPECT_EQ(query.qclass, 1);
  EXPECT_EQ(query.label_count, 3);
  EXPECT_EQ(std::string(query.qnameView()), std::string("\3www\7example\4test\0", 18));
  EXPECT_EQ(std::string(query.qnameSuffix(1)), std::string("\7example\4test\0", 14));
  EXPECT_EQ(std::string(query.qnameSuffix(3)), std::string("\0", 1));
  EXPECT_EQ(query.question_end, packet.size());
}

TEST(QueryParser, ReadsEdnsFields) {
  Bytes packet = cat({header(0, 1, 0, 0, 1), question(),
                      opt(4096, 0, 0x8000, ecs(2, 56, 0, {0x20, 0x01, 0x0d, 0xb8, 0, 1, 0}))});
  Query query;
  ASSERT_EQ(parseQuery(packet.data(), packet.size(), query), ParseOutcome::Ok);
  EXPECT_TRUE(query.has_edns);
  EXPECT_EQ(query.udp_size, 4096);
  EXPECT_EQ(query.edns_flags, 0x8000);
  ASSERT_TRUE(query.has_ecs);
  EXPECT_EQ(query.ecs.family, 2);
  EXPECT_EQ(query.ecs.source_prefix, 56);
  EXPECT_EQ(query.ecs.address[3], 0xb8);
}

TEST(QueryParser, LongestLegalNameParsesAndOneMoreOctetDoesNot) {
  // 255 octets: 3 labels of 63, one of 61, and the root.
  auto build = [](std::size_t last_label) {
    Bytes packet = header(0, 1, 0, 0, 0);
    for (int i = 0; i < 3; ++i) {
      packet.push_back(63);
      packet.insert(packet.end(), 63, 'a');
    }
    packet.push_back(static_cast<std::uint8_t>(last_label));
    packet.insert(packet.end(), last_label, 'b');
    packet.insert(packet.end(), {0, 0, 1, 0, 1});
    return packet;
  };
  Query query;
  Bytes ok = build(61);
  EXPECT_EQ(parseQuery(ok.data(), ok.size(), query), ParseOutcome::Ok);
  EXPECT_EQ(query.qname_size, 255);
  Bytes too_long = build(62);
  EXPECT_EQ(parseQuery(too_long.data(), too_long.size(), query), ParseOutcome::FormErr);
}

}  // namespace
}  // namespace nines::dnsd
