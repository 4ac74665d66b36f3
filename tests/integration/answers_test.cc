// Authoritative answers over the network (RFC 1034, 1035, 2308, 4592, 8482), each case over UDP
// and over TCP against the real dnsd, decoded by ldns: the shared answer table (answer_cases.h),
// then what only a network client sees (RD and the question's case echoed, IDs, ANY), and the same
// answers on [::1].
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>

#include "integration_harness.h"

namespace nines::integration {
namespace {

class Answers : public SharedServerTest<::testing::TestWithParam<Transport>> {
 protected:
  Response ask(const std::string& name, const std::string& type, QueryOptions options = {}) {
    return server_->ask(name, type, GetParam(), options);
  }
};

// The table tests/dnsd/serve/query_pipeline_test.cc runs in-process (answer_cases.h).
TEST_P(Answers, AnswersTheSharedCaseTable) {
  for (const auto& c : nines::testing::answerCases()) {
    SCOPED_TRACE(c.name + " " + c.type);
    nines::testing::expectAnswer(c, ask(c.name, c.type));
  }
}

TEST_P(Answers, NegativeTtlIsMinOfSoaTtlAndMinimum) {
  // RFC 2308 §3 and §5: the authority SOA's TTL is what resolvers cache the negative answer for.
  EXPECT_EQ(ttlOf(ask("nope.example.test.", "A").authority.at(0)), "300");
  EXPECT_EQ(ttlOf(ask("www.example.test.", "TXT").authority.at(0)), "300");
  EXPECT_EQ(ttlOf(ask("nope.short.test.", "A").authority.at(0)), "120");
  EXPECT_EQ(ttlOf(ask("host.short.test.", "MX").authority.at(0)), "120");
}

TEST_P(Answers, RdIsCopiedAndRaNeverSet) {
  for (bool rd : {false, true}) {
    SCOPED_TRACE(rd ? "RD set" : "RD clear");
    QueryOptions options;
    options.rd = rd;
    for (const char* name : {"www.example.test.", "nope.example.test.", "www.example.org."}) {
      Response r = ask(name, "A", options);
      ASSERT_TRUE(r.parsed) << name;
      EXPECT_EQ(r.rd, rd) << name;
      EXPECT_FALSE(r.ra) << name;  // an authoritative-only server never offers recursion
    }
  }
}

TEST_P(Answers, QuestionEchoedWithItsCase) {
  // DNS 0x20: resolvers randomise the case and check it comes back unchanged.
  QueryOptions options;
  options.id = 0x2020;
  Response r = ask("wWw.ExAmPlE.tEsT.", "A", options);
  ASSERT_TRUE(r.parsed);
  EXPECT_EQ(r.id, 0x2020);
  EXPECT_EQ(r.rcode, "NOERROR");
  EXPECT_TRUE(r.aa);
  EXPECT_EQ(r.question, Strings{"wWw.ExAmPlE.tEsT. IN A"});
  ASSERT_EQ(r.answer.size(), 2u);
  for (const auto& record : r.answer) {
    std::string lower = record;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    EXPECT_EQ(lower.rfind("www.example.test. 300 in a 192.0.2.1", 0), 0u) << record;
  }
  // Case-insensitive lookup of a name that does not exist, too.
  Response nx = ask("NOPE.Example.Test.", "A");
  EXPECT_EQ(nx.rcode, "NXDOMAIN");
  EXPECT_EQ(nx.question, Strings{"NOPE.Example.Test. IN A"});
}

TEST_P(Answers, AnyIsAnsweredMinimally) {
  // RFC 8482 §4.2: one RRset of the name (here: www has A and AAAA, the apex NS, MX and SOA).
  for (const char* name : {"www.example.test.", "example.test."}) {
    SCOPED_TRACE(name);
    Response r = ask(name, "ANY");
    ASSERT_TRUE(r.parsed);
    EXPECT_EQ(r.rcode, "NOERROR");
    EXPECT_TRUE(r.aa);
    EXPECT_FALSE(r.tc);
    ASSERT_FALSE(r.answer.empty());
    for (const auto& record : r.answer) EXPECT_EQ(typeOf(record), typeOf(r.answer.front()));
  }
  // ANY for a name that does not exist is still NXDOMAIN.
  EXPECT_EQ(ask("nope.example.test.", "ANY").rcode, "NXDOMAIN");
}

INSTANTIATE_TEST_SUITE_P(Transports, Answers, ::testing::Values(Transport::Udp, Transport::Tcp),
                         transportName);

// IPv6: [::1] gets its own port and the same answers.
TEST(Ipv6, SameAnswersOnIpv6Loopback) {
  if (!ipv6LoopbackAvailable()) GTEST_SKIP() << "::1 is not configured on this machine";
  DnsdServer server({{"example.test.toml", exampleZone()}},
                    DnsdServer::Options{{"127.0.0.1:0", "[::1]:0"}, ""});
  ASSERT_TRUE(server.ready());
  std::uint16_t v6_port = server.process().portFor("[::1]");
  ASSERT_NE(v6_port, 0) << server.process().log();
  for (Transport transport : {Transport::Udp, Transport::Tcp}) {
    for (const char* name : {"www.example.test.", "nope.example.test.", "host.sub.example.test."}) {
      SCOPED_TRACE(std::string(name) + (transport == Transport::Udp ? " udp" : " tcp"));
      Bytes query = buildQuery(name, "A");
      auto v4 = server.exchange(query, transport);
      auto v6 = server.exchange(query, transport, nines::testing::kAnswerTimeoutMs, /*ipv6=*/true,
                                v6_port);
      ASSERT_TRUE(v4);
      ASSERT_TRUE(v6);
      EXPECT_EQ(*v4, *v6);  // byte for byte
      EXPECT_TRUE(decodeResponse(*v6).parsed);
    }
  }
  Response r =
      decodeResponse(*server.exchange(buildQuery("www.example.test.", "AAAA"), Transport::Udp,
                                      nines::testing::kAnswerTimeoutMs, true, v6_port));
  EXPECT_EQ(r.answer, Strings{"www.example.test. 300 IN AAAA 2001:db8::10"});
}

}  // namespace
}  // namespace nines::integration
