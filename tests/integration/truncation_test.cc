// Truncation over UDP (RFC 1035 §4.2.1, RFC 2181 §9, RFC 6891 §6.2.5): TC only when an RRset does
// not fit, the cut made between RRsets and never inside one, within the payload size the client
// and dnsd.toml allow, and the same query over TCP gets everything.
#include <gtest/gtest.h>

#include <string>

#include "integration_harness.h"

namespace nines::integration {
namespace {

// A truncated UDP response as RFC 2181 §9 wants it: still a valid message (ldns parsed it), TC
// set, within `limit` octets, and every RRset in it whole next to `tcp`, the full response to the
// same query over TCP.
void expectTruncatedWithoutPartialRrset(const Response& udp, const Response& tcp,
                                        std::size_t limit) {
  ASSERT_TRUE(udp.parsed) << "a truncated response must still be a valid message";
  EXPECT_TRUE(udp.tc);
  EXPECT_LE(udp.size, limit);
  EXPECT_EQ(udp.rcode, "NOERROR");
  EXPECT_EQ(udp.question.size(), 1u);
  ASSERT_TRUE(tcp.parsed);
  EXPECT_FALSE(tcp.tc);
  EXPECT_EQ(tcp.rcode, "NOERROR");
  nines::testing::expectWholeRrsets(udp, tcp);
}

class Truncation : public SharedServerTest<> {};

TEST_F(Truncation, LargeRrsetSetsTcAndTcpGetsItAll) {
  struct Case {
    std::string what;
    std::string name;
    QueryOptions options;
    std::size_t limit;
    std::size_t full_count;  // records in the complete answer
  };
  const Case cases[] = {
      {"no EDNS, mid (~900 octets)", "mid.example.test.", {}, 512, 12},
      {"EDNS 512, mid", "mid.example.test.", ednsQuery(512), 512, 12},
      {"no EDNS, big (~2900 octets)", "big.example.test.", {}, 512, 40},
      {"EDNS 1232, big", "big.example.test.", ednsQuery(1232), 1232, 40},
      {"EDNS 4096, big: our 1232 caps it", "big.example.test.", ednsQuery(4096), 1232, 40},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    Response udp = server_->ask(c.name, "TXT", Transport::Udp, c.options);
    Response tcp = server_->ask(c.name, "TXT", Transport::Tcp, c.options);
    expectTruncatedWithoutPartialRrset(udp, tcp, c.limit);
    // The one RRset did not fit whole, so none of it is there.
    EXPECT_TRUE(udp.answer.empty());
    EXPECT_EQ(udp.has_opt, c.options.edns);  // the OPT survives truncation
    EXPECT_TRUE(tcp.aa);
    EXPECT_EQ(tcp.answer.size(), c.full_count);
  }
}

TEST_F(Truncation, MidSizedRrsetFitsWithEdns) {
  Response r = server_->ask("mid.example.test.", "TXT", Transport::Udp, ednsQuery());
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
  Response tcp = server_->ask("tobig.example.test.", "TXT", Transport::Tcp, {});
  expectTruncatedWithoutPartialRrset(udp, tcp, 512);
  EXPECT_EQ(udp.answer, Strings{"tobig.example.test. 3600 IN CNAME big.example.test."});
  ASSERT_EQ(tcp.answer.size(), 41u);
  EXPECT_EQ(tcp.answer.front(), "tobig.example.test. 3600 IN CNAME big.example.test.");
}

TEST_F(Truncation, SmallAnswersAreNotTruncated) {
  Response r = server_->ask("www.example.test.", "A", Transport::Udp, {});
  ASSERT_TRUE(r.parsed);
  EXPECT_FALSE(r.tc);
  EXPECT_TRUE(r.aa);
  EXPECT_EQ(r.answer, (Strings{"www.example.test. 300 IN A 192.0.2.10",
                               "www.example.test. 300 IN A 192.0.2.11"}));
  EXPECT_LE(r.size, 512u);
}

// udp_payload in [server] bounds UDP responses and is what the OPT advertises.
TEST(TruncationPayloadConfig, ConfiguredUdpPayloadBoundsResponsesAndIsAdvertised) {
  DnsdServer server({{"example.test.toml", exampleZone()}},
                    DnsdServer::Options{{"127.0.0.1:0"}, "udp_payload = 512\n"});
  ASSERT_TRUE(server.ready());
  Response r = server.ask("mid.example.test.", "TXT", Transport::Udp, ednsQuery(4096));
  // Over TCP: everything, and the OPT still advertises the UDP payload size.
  Response tcp = server.ask("mid.example.test.", "TXT", Transport::Tcp, ednsQuery(4096));
  expectTruncatedWithoutPartialRrset(r, tcp, 512);
  ASSERT_TRUE(r.has_opt);
  EXPECT_EQ(r.opt_udp_size, 512) << "the OPT should advertise the configured udp_payload";
  EXPECT_EQ(tcp.answer.size(), 12u);
  ASSERT_TRUE(tcp.has_opt);
  EXPECT_EQ(tcp.opt_udp_size, 512);
}

}  // namespace
}  // namespace nines::integration
