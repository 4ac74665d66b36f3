// Authoritative answers over the network (RFC 1034, 1035, 2308, 4592, 8482), each case over UDP
// and over TCP against the real dnsd, decoded by ldns.
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

struct LookupCase {
  std::string name, type;
  std::string rcode;
  bool aa;
  Strings answer, authority, additional;  // additional compared as a set
};

const std::string kWwwA[] = {"www.example.test. 300 IN A 192.0.2.10",
                             "www.example.test. 300 IN A 192.0.2.11"};
const Strings kSubNs = {"sub.example.test. 3600 IN NS ns.sub.example.test.",
                        "sub.example.test. 3600 IN NS ns.example.net."};
const Strings kGlue = {"ns.sub.example.test. 3600 IN A 192.0.2.99"};
const Strings kMailA = {"mail.example.test. 3600 IN A 192.0.2.25"};

const LookupCase kLookups[] = {
    // Data, authoritative.
    {"www.example.test.", "A", "NOERROR", true, {kWwwA[0], kWwwA[1]}, {}, {}},
    {"www.example.test.",
     "AAAA",
     "NOERROR",
     true,
     {"www.example.test. 300 IN AAAA 2001:db8::10"},
     {},
     {}},
    // NODATA and NXDOMAIN: SOA in authority with TTL min(SOA TTL 3600, minimum 300).
    {"www.example.test.", "MX", "NOERROR", true, {}, {kExampleSoa}, {}},
    {"nope.example.test.", "A", "NXDOMAIN", true, {}, {kExampleSoa}, {}},
    {"deep.example.test.", "A", "NOERROR", true, {}, {kExampleSoa}, {}},  // empty non-terminal
    // short.test: SOA TTL 120 below minimum 600, so 120.
    {"nope.short.test.", "A", "NXDOMAIN", true, {}, {kShortSoa}, {}},
    {"host.short.test.", "TXT", "NOERROR", true, {}, {kShortSoa}, {}},
    // CNAME followed inside the zone.
    {"alias.example.test.",
     "A",
     "NOERROR",
     true,
     {"alias.example.test. 3600 IN CNAME www.example.test.", kWwwA[0], kWwwA[1]},
     {},
     {}},
    {"alias.example.test.",
     "CNAME",
     "NOERROR",
     true,
     {"alias.example.test. 3600 IN CNAME www.example.test."},
     {},
     {}},
    // Wildcards (RFC 4592): one or more labels below, NODATA for other types, not the parent.
    {"x.wild.example.test.",
     "TXT",
     "NOERROR",
     true,
     {"x.wild.example.test. 60 IN TXT \"wildcard\""},
     {},
     {}},
    {"a.b.wild.example.test.",
     "TXT",
     "NOERROR",
     true,
     {"a.b.wild.example.test. 60 IN TXT \"wildcard\""},
     {},
     {}},
    {"x.wild.example.test.", "A", "NOERROR", true, {}, {kExampleSoa}, {}},
    {"wild.example.test.", "TXT", "NOERROR", true, {}, {kExampleSoa}, {}},
    // Delegation: a referral, AA clear, NS in authority, in-bailiwick glue in additional.
    {"host.sub.example.test.", "A", "NOERROR", false, {}, kSubNs, kGlue},
    {"sub.example.test.", "NS", "NOERROR", false, {}, kSubNs, kGlue},
    {"ns.sub.example.test.", "A", "NOERROR", false, {}, kSubNs, kGlue},
    // Addresses of in-zone NS, MX and SRV targets in additional.
    {"example.test.",
     "NS",
     "NOERROR",
     true,
     {"example.test. 3600 IN NS ns1.example.test.", "example.test. 3600 IN NS ns2.example.test."},
     {},
     {"ns1.example.test. 3600 IN A 192.0.2.53", "ns1.example.test. 3600 IN AAAA 2001:db8::53",
      "ns2.example.test. 3600 IN A 198.51.100.53"}},
    {"example.test.",
     "MX",
     "NOERROR",
     true,
     {"example.test. 3600 IN MX 10 mail.example.test."},
     {},
     kMailA},
    {"_sip._tcp.example.test.",
     "SRV",
     "NOERROR",
     true,
     {"_sip._tcp.example.test. 3600 IN SRV 10 60 5060 mail.example.test."},
     {},
     kMailA},
    {"example.test.",
     "SOA",
     "NOERROR",
     true,
     {"example.test. 3600 IN SOA ns1.example.test. hostmaster.example.test. 7 3600 600 1209600 "
      "300"},
     {},
     {}},
    // An unknown type is NODATA like any other missing type (RFC 3597, RFC 8906 §8.1.3).
    {"www.example.test.", "TYPE1000", "NOERROR", true, {}, {kExampleSoa}, {}},
    // Zone transfers are not offered: REFUSED (RFC 5936 §4.2).
    {"example.test.", "AXFR", "REFUSED", false, {}, {}, {}},
    // Not ours: REFUSED, no AA, nothing in any section.
    {"www.example.org.", "A", "REFUSED", false, {}, {}, {}},
    {"test.", "SOA", "REFUSED", false, {}, {}, {}},
    {"example.test.org.", "A", "REFUSED", false, {}, {}, {}},
};

Strings sorted(Strings values) {
  std::sort(values.begin(), values.end());
  return values;
}

TEST_P(Answers, Table) {
  for (const auto& c : kLookups) {
    SCOPED_TRACE(c.name + " " + c.type);
    Response r = ask(c.name, c.type);
    ASSERT_TRUE(r.parsed);
    EXPECT_TRUE(r.qr);
    EXPECT_EQ(r.id, 0x4242);
    EXPECT_EQ(r.opcode, 0);
    EXPECT_EQ(r.rcode, c.rcode);
    EXPECT_EQ(r.aa, c.aa);
    EXPECT_FALSE(r.tc);
    EXPECT_FALSE(r.ra);
    EXPECT_FALSE(r.ad);
    EXPECT_EQ(r.question, Strings{c.name + " IN " + c.type});
    EXPECT_EQ(r.answer, c.answer);
    EXPECT_EQ(r.authority, c.authority);
    EXPECT_EQ(sorted(r.additional), sorted(c.additional));
    EXPECT_FALSE(r.has_opt);  // no OPT in the query, none in the reply
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

}  // namespace
}  // namespace nines::integration
