// EDNS (RFC 6891) the way the DNS flag day / ednscomp checks (RFC 8906) probe it, over UDP and TCP,
// and truncation (RFC 1035 §4.2.1, RFC 2181 §9): TC only when an RRset is cut, never a partial
// RRset, and the same query over TCP gets everything.
#include <gtest/gtest.h>

#include <string>

#include "integration_harness.h"

namespace nines::integration {
namespace {

class Edns : public SharedServerTest<::testing::TestWithParam<Transport>> {
 protected:
  Response ask(const std::string& name, const std::string& type, const QueryOptions& options) {
    return server_->ask(name, type, GetParam(), options);
  }
};

QueryOptions edns() {
  return with([](auto& o) { o.edns = true; });
}

void expectWwwAnswer(const Response& r) {
  ASSERT_TRUE(r.parsed);
  EXPECT_EQ(r.rcode, "NOERROR");
  EXPECT_TRUE(r.aa);
  EXPECT_FALSE(r.tc);
  EXPECT_EQ(r.answer, (Strings{"www.example.test. 300 IN A 192.0.2.10",
                               "www.example.test. 300 IN A 192.0.2.11"}));
}

// ednscomp "plain": no OPT in, no OPT out.
TEST_P(Edns, PlainQueryGetsNoOpt) {
  Response r = ask("www.example.test.", "A", {});
  expectWwwAnswer(r);
  EXPECT_FALSE(r.has_opt);
}

// ednscomp "edns": the OPT is echoed with version 0 and our payload size.
TEST_P(Edns, OptIsEchoedWithVersionZeroAndOurPayload) {
  for (std::uint16_t size : std::initializer_list<std::uint16_t>{512, 1232, 4096}) {
    SCOPED_TRACE("client payload " + std::to_string(size));
    QueryOptions options = edns();
    options.udp_size = size;
    Response r = ask("www.example.test.", "A", options);
    expectWwwAnswer(r);
    ASSERT_TRUE(r.has_opt);
    EXPECT_EQ(r.opt_version, 0);
    EXPECT_EQ(r.opt_udp_size, 1232);
    EXPECT_FALSE(r.opt_do);
    EXPECT_EQ(r.opt_z, 0);
    EXPECT_TRUE(r.opt_option_codes.empty());
  }
  // Negative answers and referrals carry the OPT too.
  for (const char* name : {"nope.example.test.", "host.sub.example.test.", "www.example.org."}) {
    SCOPED_TRACE(name);
    Response r = ask(name, "A", edns());
    ASSERT_TRUE(r.parsed);
    EXPECT_TRUE(r.has_opt);
  }
}

// ednscomp "edns1": version 1 gets BADVERS, with our version (0) in the OPT and no answer.
TEST_P(Edns, VersionOneIsBadVers) {
  QueryOptions options = edns();
  options.edns_version = 1;
  for (bool with_option : {false, true}) {  // "edns1" and "edns1opt"
    SCOPED_TRACE(with_option ? "edns1opt" : "edns1");
    if (with_option) options.edns_options = {{100, {1, 2, 3, 4}}};
    Response r = ask("www.example.test.", "A", options);
    ASSERT_TRUE(r.parsed);
    EXPECT_EQ(r.rcode, "BADVERS");
    ASSERT_TRUE(r.has_opt);
    EXPECT_EQ(r.opt_version, 0);
    EXPECT_TRUE(r.answer.empty());
    EXPECT_TRUE(r.opt_option_codes.empty());
  }
}

// ednscomp "ednsopt": an unknown option is ignored (answered normally) and not echoed.
TEST_P(Edns, UnknownOptionIsIgnoredAndNotEchoed) {
  QueryOptions options = edns();
  options.edns_options = {{100, {0xde, 0xad}}, {65001, {}}};
  Response r = ask("www.example.test.", "A", options);
  expectWwwAnswer(r);
  ASSERT_TRUE(r.has_opt);
  EXPECT_EQ(r.opt_version, 0);
  EXPECT_TRUE(r.opt_option_codes.empty());
}

// ednscomp "ednsflags" and "do": unknown flag bits are ignored and cleared, DO is copied.
TEST_P(Edns, UnknownFlagsAreClearedAndDoIsCopied) {
  for (bool do_bit : {false, true}) {
    SCOPED_TRACE(do_bit ? "DO set" : "DO clear");
    QueryOptions options = edns();
    options.do_bit = do_bit;
    options.edns_z = 0x4000 | 0x0080 | 0x0001;  // bits RFC 6891 §6.1.4 says to ignore
    Response r = ask("www.example.test.", "A", options);
    expectWwwAnswer(r);
    ASSERT_TRUE(r.has_opt);
    EXPECT_EQ(r.opt_z, 0);
    EXPECT_EQ(r.opt_do, do_bit);
  }
}

// RFC 6891 §6.1.1: more than one OPT is FORMERR.
TEST_P(Edns, TwoOptRecordsAreFormErr) {
  Response r =
      server_->send(withSecondOpt(buildQuery("www.example.test.", "A", edns())), GetParam());
  ASSERT_TRUE(r.parsed);
  EXPECT_EQ(r.rcode, "FORMERR");
  EXPECT_TRUE(r.answer.empty());
}

// RFC 6891 §6.1.1: "If an OPT record is present in a received request, compliant responders MUST
// include an OPT record in their respective responses" -- NOTIMP for an unknown opcode too.
TEST_P(Edns, UnknownOpcodeWithEdnsKeepsTheOpt) {
  for (int opcode : {4, 5, 15}) {
    SCOPED_TRACE("opcode " + std::to_string(opcode));
    Response r =
        server_->send(withOpcode(buildQuery("example.test.", "SOA", edns()), opcode), GetParam());
    ASSERT_TRUE(r.parsed);
    EXPECT_EQ(r.rcode, "NOTIMP");
    EXPECT_EQ(r.opcode, opcode);
    EXPECT_TRUE(r.has_opt) << "NOTIMP reply to an EDNS query has no OPT";
    EXPECT_EQ(r.opt_version, 0);
  }
}

// RFC 7871: a client subnet is echoed with SCOPE 0 for data that does not depend on it; a
// malformed one is FORMERR.
TEST_P(Edns, ClientSubnetEchoedAndMalformedOneIsFormErr) {
  Response r = ask("www.example.test.", "A", ecsQuery("198.51.100.0/24"));
  expectWwwAnswer(r);
  EXPECT_EQ(r.ecs_option, "198.51.100.0/24/0");

  // Family 1, source prefix 24, but five address octets instead of three (RFC 7871 §6).
  QueryOptions options = edns();
  options.edns_options = {{8, {0, 1, 24, 0, 198, 51, 100, 0, 0}}};
  Response bad = ask("www.example.test.", "A", options);
  ASSERT_TRUE(bad.parsed);
  EXPECT_EQ(bad.rcode, "FORMERR");
  EXPECT_TRUE(bad.answer.empty());
}

// RFC 6891 §6.2.5: a payload size below 512 is treated as 512.
TEST_P(Edns, PayloadBelow512CountsAs512) {
  QueryOptions options = edns();
  options.udp_size = 100;
  Response r = ask("example.test.", "NS", options);  // about 170 octets with the additional data
  ASSERT_TRUE(r.parsed);
  EXPECT_FALSE(r.tc);
  EXPECT_EQ(r.answer.size(), 2u);
  EXPECT_EQ(r.additional.size(), 3u);
  EXPECT_GT(r.size, 100u);
}

INSTANTIATE_TEST_SUITE_P(Transports, Edns, ::testing::Values(Transport::Udp, Transport::Tcp),
                         transportName);

// Truncation is a UDP matter; TCP is the way to get the rest.
class Truncation : public SharedServerTest<> {};

// Every record of a response is whole: ldns parsed it, and the RRset is complete or absent.
void expectTruncatedWithoutPartialRrset(const Response& r, std::size_t limit) {
  ASSERT_TRUE(r.parsed) << "a truncated response must still be a valid message";
  EXPECT_TRUE(r.tc);
  EXPECT_LE(r.size, limit);
  EXPECT_EQ(r.rcode, "NOERROR");
  EXPECT_EQ(r.question.size(), 1u);
}

TEST_F(Truncation, LargeRrsetSetsTcAndTcpGetsItAll) {
  struct Case {
    std::string what;
    std::string name;
    QueryOptions options;
    std::size_t limit;
    std::size_t full_count;  // records in the complete answer
  };
  QueryOptions edns512 = edns();
  edns512.udp_size = 512;
  QueryOptions edns1232 = edns();
  edns1232.udp_size = 1232;
  QueryOptions edns4096 = edns();
  edns4096.udp_size = 4096;
  const Case cases[] = {
      {"no EDNS, mid (~900 octets)", "mid.example.test.", {}, 512, 12},
      {"EDNS 512, mid", "mid.example.test.", edns512, 512, 12},
      {"no EDNS, big (~2900 octets)", "big.example.test.", {}, 512, 40},
      {"EDNS 1232, big", "big.example.test.", edns1232, 1232, 40},
      {"EDNS 4096, big: our 1232 caps it", "big.example.test.", edns4096, 1232, 40},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    Response udp = server_->ask(c.name, "TXT", Transport::Udp, c.options);
    expectTruncatedWithoutPartialRrset(udp, c.limit);
    // The one RRset did not fit whole, so none of it is there.
    EXPECT_TRUE(udp.answer.empty());
    EXPECT_EQ(udp.has_opt, c.options.edns);  // the OPT survives truncation
    Response tcp = server_->ask(c.name, "TXT", Transport::Tcp, c.options);
    ASSERT_TRUE(tcp.parsed);
    EXPECT_FALSE(tcp.tc);
    EXPECT_EQ(tcp.rcode, "NOERROR");
    EXPECT_TRUE(tcp.aa);
    EXPECT_EQ(tcp.answer.size(), c.full_count);
  }
}

TEST_F(Truncation, MidSizedRrsetFitsWithEdns) {
  Response r = server_->ask("mid.example.test.", "TXT", Transport::Udp, edns());
  ASSERT_TRUE(r.parsed);
  EXPECT_FALSE(r.tc);
  EXPECT_EQ(r.answer.size(), 12u);
  EXPECT_GT(r.size, 512u);
  EXPECT_LE(r.size, 1232u);
}

TEST_F(Truncation, CutHappensAtAnRrsetBoundary) {
  // tobig is a CNAME to big: the CNAME RRset fits, the TXT RRset behind it does not. The reply
  // keeps the whole CNAME and sets TC; TCP has the CNAME and all 40 TXT records.
  Response udp = server_->ask("tobig.example.test.", "TXT", Transport::Udp, {});
  expectTruncatedWithoutPartialRrset(udp, 512);
  EXPECT_EQ(udp.answer, Strings{"tobig.example.test. 3600 IN CNAME big.example.test."});
  Response tcp = server_->ask("tobig.example.test.", "TXT", Transport::Tcp, {});
  ASSERT_TRUE(tcp.parsed);
  EXPECT_FALSE(tcp.tc);
  ASSERT_EQ(tcp.answer.size(), 41u);
  EXPECT_EQ(tcp.answer.front(), "tobig.example.test. 3600 IN CNAME big.example.test.");
}

TEST_F(Truncation, SmallAnswersAreNotTruncated) {
  Response r = server_->ask("www.example.test.", "A", Transport::Udp, {});
  expectWwwAnswer(r);
  EXPECT_LE(r.size, 512u);
}

// udp_payload in [server] bounds UDP responses and is what the OPT advertises.
TEST(EdnsPayloadConfig, ConfiguredUdpPayloadBoundsResponsesAndIsAdvertised) {
  DnsdServer server({{"example.test.toml", exampleZone()}},
                    DnsdServer::Options{{"127.0.0.1:0"}, "udp_payload = 512\n"});
  ASSERT_TRUE(server.ready());
  QueryOptions options = edns();
  options.udp_size = 4096;
  Response r = server.ask("mid.example.test.", "TXT", Transport::Udp, options);
  ASSERT_TRUE(r.parsed);
  EXPECT_TRUE(r.tc);
  EXPECT_LE(r.size, 512u);
  ASSERT_TRUE(r.has_opt);
  EXPECT_EQ(r.opt_udp_size, 512) << "the OPT should advertise the configured udp_payload";
  // Over TCP: everything, and the OPT still advertises the UDP payload size.
  Response tcp = server.ask("mid.example.test.", "TXT", Transport::Tcp, options);
  ASSERT_TRUE(tcp.parsed);
  EXPECT_FALSE(tcp.tc);
  EXPECT_EQ(tcp.answer.size(), 12u);
  ASSERT_TRUE(tcp.has_opt);
  EXPECT_EQ(tcp.opt_udp_size, 512);
}

}  // namespace
}  // namespace nines::integration
