// EDNS (RFC 6891) the way the DNS flag day / ednscomp checks (RFC 8906) probe it, over UDP and
// TCP. Truncation and the UDP payload size are in truncation_test.cc.
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
    QueryOptions options = ednsQuery();
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
    Response r = ask(name, "A", ednsQuery());
    ASSERT_TRUE(r.parsed);
    EXPECT_TRUE(r.has_opt);
  }
}

// ednscomp "edns1": version 1 gets BADVERS, with our version (0) in the OPT and no answer.
TEST_P(Edns, VersionOneIsBadVers) {
  QueryOptions options = ednsQuery();
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
  QueryOptions options = ednsQuery();
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
    QueryOptions options = ednsQuery();
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
      server_->send(withSecondOpt(buildQuery("www.example.test.", "A", ednsQuery())), GetParam());
  ASSERT_TRUE(r.parsed);
  EXPECT_EQ(r.rcode, "FORMERR");
  EXPECT_TRUE(r.answer.empty());
}

// RFC 6891 §6.1.1: "If an OPT record is present in a received request, compliant responders MUST
// include an OPT record in their respective responses" -- NOTIMP for an unknown opcode too.
TEST_P(Edns, UnknownOpcodeWithEdnsKeepsTheOpt) {
  for (int opcode : {4, 5, 15}) {
    SCOPED_TRACE("opcode " + std::to_string(opcode));
    Response r = server_->send(withOpcode(buildQuery("example.test.", "SOA", ednsQuery()), opcode),
                               GetParam());
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
  QueryOptions options = ednsQuery();
  options.edns_options = {{8, {0, 1, 24, 0, 198, 51, 100, 0, 0}}};
  Response bad = ask("www.example.test.", "A", options);
  ASSERT_TRUE(bad.parsed);
  EXPECT_EQ(bad.rcode, "FORMERR");
  EXPECT_TRUE(bad.answer.empty());
}

// RFC 6891 §6.2.5: a payload size below 512 is treated as 512.
TEST_P(Edns, PayloadBelow512CountsAs512) {
  QueryOptions options = ednsQuery();
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

}  // namespace
}  // namespace nines::integration
