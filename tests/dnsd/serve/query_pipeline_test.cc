// The whole query pipeline in-process (parse -> look up -> write), every response decoded by ldns:
// the answer table shared with the integration tests (answer_cases.h), then what only the
// pipeline's caller sees (sizes, compression, truncation, dropped packets).
#include "nines/dnsd/serve/query_pipeline.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "answer_cases.h"
#include "answer_zones_state.h"
#include "dns_client.h"
#include "nines/dnsd/wire/message.h"
#include "nines/zones/loader.h"
#include "process.h"

namespace nines::dnsd {
namespace {

using nines::testing::buildQuery;
using nines::testing::decodeResponse;
using nines::testing::QueryOptions;
using nines::testing::Response;
using Strings = std::vector<std::string>;

class QueryPipeline : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new nines::testing::TempDir();
    state_ = answerZonesState(*dir_);
  }
  static void TearDownTestSuite() {
    delete dir_;
    state_.reset();
  }

  Response ask(const std::string& name, const std::string& type, QueryOptions options = {},
               Transport transport = Transport::Udp) {
    auto wire = buildQuery(name, type, options);
    return send(wire, transport);
  }
  Response send(const std::vector<std::uint8_t>& wire, Transport transport = Transport::Udp) {
    std::vector<std::uint8_t> out(kMaxTcpMessage);
    QueryResult result =
        processQuery(*state_, wire.data(), wire.size(), *zones::IpAddress::parse("127.0.0.1"),
                     transport, kMaxUdpPayload, context_, out.data());
    last_size_ = result.size;
    if (result.size == 0) return Response{};
    out.resize(result.size);
    return decodeResponse(out);
  }

  static inline nines::testing::TempDir* dir_ = nullptr;
  static inline std::shared_ptr<const ServingState> state_;
  QueryContext context_;
  std::size_t last_size_ = 0;
};

// The table tests/integration/answers_test.cc runs over UDP and TCP (answer_cases.h).
TEST_F(QueryPipeline, AnswersTheSharedCaseTable) {
  for (const auto& c : nines::testing::answerCases()) {
    SCOPED_TRACE(c.name + " " + c.type);
    nines::testing::expectAnswer(c, ask(c.name, c.type));
  }
}

TEST_F(QueryPipeline, CnameLoopStopsAfterEightHops) {
  Response r = ask("loop1.example.test.", "A");
  EXPECT_EQ(r.rcode, "NOERROR");
  EXPECT_EQ(r.answer.size(), 8u);
  EXPECT_EQ(r.answer.front(), "loop1.example.test. 3600 IN CNAME loop2.example.test.");
}

TEST_F(QueryPipeline, EchoesQuestionCaseAndCopiesRd) {
  QueryOptions options;
  options.rd = true;
  Response r = ask("WwW.ExAmple.TEST.", "A", options);
  EXPECT_EQ(r.question, Strings{"WwW.ExAmple.TEST. IN A"});
  EXPECT_TRUE(r.rd);
  EXPECT_FALSE(r.ra);  // never a recursive server
  ASSERT_EQ(r.answer.size(), 2u);
}

TEST_F(QueryPipeline, CompressesNames) {
  // Header 12 + question 22 + two A records of 16 octets each (2-octet owner pointer).
  ask("www.example.test.", "A");
  EXPECT_EQ(last_size_, 12u + 22u + 2u * 16u);
  // MX: owner pointer, 2 preference octets, "mail" + pointer to the apex in the question.
  Response r = ask("example.test.", "MX");
  EXPECT_EQ(r.answer, Strings{"example.test. 3600 IN MX 10 mail.example.test."});
  // 12 + 18 + MX (pointer, fixed 10, preference, "mail" label, pointer to the apex) + A ("mail"
  // label, pointer to the apex, fixed 10, address).
  EXPECT_EQ(last_size_, 12u + 18u + (2u + 10u + 2u + 5u + 2u) + (5u + 2u + 10u + 4u));
}

TEST_F(QueryPipeline, EdnsIsEchoedWithOurPayloadSize) {
  QueryOptions options = nines::testing::ednsQuery(4096);
  options.do_bit = true;
  Response r = ask("www.example.test.", "A", options);
  EXPECT_EQ(r.rcode, "NOERROR");
  ASSERT_TRUE(r.has_opt);
  EXPECT_EQ(r.opt_udp_size, 1232);
  EXPECT_EQ(r.opt_version, 0);
  EXPECT_TRUE(r.opt_do);  // RFC 3225: DO copied
  EXPECT_EQ(r.opt_z, 0);
  EXPECT_EQ(r.answer.size(), 2u);
}

TEST_F(QueryPipeline, EdnsVersionAboveZeroIsBadvers) {
  QueryOptions options = nines::testing::ednsQuery();
  options.edns_version = 1;
  Response r = ask("www.example.test.", "A", options);
  EXPECT_EQ(r.rcode, "BADVERS");
  EXPECT_TRUE(r.answer.empty());
  ASSERT_TRUE(r.has_opt);
  EXPECT_EQ(r.opt_version, 0);
}

TEST_F(QueryPipeline, ClientSubnetEchoedWithScopeZeroForStaticData) {
  Response r = ask("www.example.test.", "A", nines::testing::ecsQuery("198.51.100.0/24"));
  EXPECT_EQ(r.rcode, "NOERROR");
  EXPECT_EQ(r.ecs_option, "198.51.100.0/24/0");
}

TEST_F(QueryPipeline, TruncatesAtRrsetBoundaryWhenTooBigForUdp) {
  Response tcp = ask("big.example.test.", "TXT", {}, Transport::Tcp);
  EXPECT_FALSE(tcp.tc);
  EXPECT_EQ(tcp.answer.size(), 40u);

  Response plain = ask("big.example.test.", "TXT");
  EXPECT_TRUE(plain.tc);
  EXPECT_TRUE(plain.answer.empty());
  EXPECT_EQ(plain.question.size(), 1u);
  EXPECT_LE(plain.size, 512u);
  nines::testing::expectWholeRrsets(plain, tcp);

  Response edns = ask("big.example.test.", "TXT", nines::testing::ednsQuery(65000));
  EXPECT_TRUE(edns.tc);
  EXPECT_TRUE(edns.has_opt);    // the OPT survives truncation
  EXPECT_LE(edns.size, 1232u);  // 65000 asked for, clamped to our 1232
  nines::testing::expectWholeRrsets(edns, tcp);
}

TEST_F(QueryPipeline, TruncationKeepsWholeEarlierRrsets) {
  // The CNAME fits, the big TXT RRset behind it does not: keep the CNAME, set TC.
  Response r = ask("tobig.example.test.", "TXT");
  EXPECT_TRUE(r.tc);
  EXPECT_EQ(r.answer, Strings{"tobig.example.test. 3600 IN CNAME big.example.test."});
  nines::testing::expectWholeRrsets(r, ask("tobig.example.test.", "TXT", {}, Transport::Tcp));
}

TEST_F(QueryPipeline, MalformedAndUnwantedPackets) {
  auto wire = buildQuery("www.example.test.", "A");
  // A response (QR set) is dropped.
  auto response_bit = wire;
  response_bit[2] |= 0x80;
  EXPECT_FALSE(send(response_bit).parsed);
  EXPECT_EQ(last_size_, 0u);
  // Shorter than a header: dropped.
  EXPECT_FALSE(send({1, 2, 3}).parsed);
  // Two questions claimed, one present: FORMERR.
  auto two = wire;
  two[5] = 2;
  Response formerr = send(two);
  EXPECT_EQ(formerr.rcode, "FORMERR");
  EXPECT_EQ(formerr.id, 0x4242);
  // NOTIFY (opcode 4): NOTIMP with the opcode echoed.
  auto notify = wire;
  notify[2] = static_cast<std::uint8_t>((notify[2] & 0x87) | (4 << 3));
  Response notimp = send(notify);
  EXPECT_EQ(notimp.rcode, "NOTIMP");
  EXPECT_EQ(notimp.opcode, 4);
  // Question type OPT: FORMERR.
  Response opt_question = ask("www.example.test.", "OPT");
  EXPECT_EQ(opt_question.rcode, "FORMERR");
  // Class CH: REFUSED.
  QueryOptions chaos;
  chaos.qclass = 3;
  EXPECT_EQ(ask("www.example.test.", "A", chaos).rcode, "REFUSED");
}

}  // namespace
}  // namespace nines::dnsd
