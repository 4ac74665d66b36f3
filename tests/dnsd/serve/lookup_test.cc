// The whole query pipeline in-process (parse -> resolve -> write), every response decoded by ldns.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "dns_client.h"
#include "nines/dnsd/serve/query_pipeline.h"
#include "nines/dnsd/wire/message.h"
#include "nines/zones/loader.h"
#include "process.h"
#include "zone_text.h"

namespace nines::dnsd {
namespace {

using nines::testing::buildQuery;
using nines::testing::decodeResponse;
using nines::testing::QueryOptions;
using nines::testing::Response;
using Strings = std::vector<std::string>;

const std::string kZone = R"(
origin = "example.test."
ttl = 3600
[soa]
mname = "ns1.example.test."
rname = "hostmaster.example.test."
serial = 7
refresh = 3600
retry = 600
expire = 1209600
minimum = 300
[records]
"@" = ["NS ns1.example.test.", "NS ns2.example.net.", "MX 10 mail.example.test."]
ns1 = ["A 192.0.2.53"]
www = ["300 A 192.0.2.10", "300 A 192.0.2.11", "300 AAAA 2001:db8::10"]
alias = ["CNAME www.example.test."]
chain = ["CNAME alias.example.test."]
dangling = ["CNAME nowhere.example.test."]
external = ["CNAME www.example.org."]
loop1 = ["CNAME loop2.example.test."]
loop2 = ["CNAME loop1.example.test."]
mail = ["A 192.0.2.25"]
"*.wild" = ["60 TXT \"wildcard\""]
"exists.wild" = ["A 192.0.2.1"]
"*.cwild" = ["CNAME www.example.test."]
sub = ["NS ns.sub.example.test.", "NS ns.example.net."]
"ns.sub" = ["A 192.0.2.99"]
"a.b.deep" = ["A 192.0.2.77"]
tobig = ["CNAME big.example.test."]
"_sip._tcp" = ["SRV 10 60 5060 mail.example.test."]
big = [)" + nines::testing::txtRecords(40, 60) +
                          R"(]
)";

class Pipeline : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new nines::testing::TempDir();
    dir_->write("zones/example.test.toml", kZone);
    auto loaded = zones::loadZones(dir_->path() + "/zones");
    for (const auto& error : loaded.errors) ADD_FAILURE() << error.toString();
    ASSERT_EQ(loaded.zones.size(), 1u);
    auto state = std::make_shared<ServingState>();
    state->generation = 1;
    state->zones = ZoneTable::build(std::move(loaded.zones));
    std::string error;
    state->locator = policy::ClientLocator::create({}, "", &error);
    state_ = state;
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

struct LookupCase {
  std::string name, type;
  std::string rcode;
  bool aa;
  Strings answer, authority, additional;
};

const std::string kSoa =
    "example.test. 300 IN SOA ns1.example.test. hostmaster.example.test. 7 3600 600 1209600 300";

const LookupCase kLookups[] = {
    {"www.example.test.",
     "A",
     "NOERROR",
     true,
     {"www.example.test. 300 IN A 192.0.2.10", "www.example.test. 300 IN A 192.0.2.11"},
     {},
     {}},
    {"www.example.test.",
     "AAAA",
     "NOERROR",
     true,
     {"www.example.test. 300 IN AAAA 2001:db8::10"},
     {},
     {}},
    {"www.example.test.", "MX", "NOERROR", true, {}, {kSoa}, {}},
    {"nope.example.test.", "A", "NXDOMAIN", true, {}, {kSoa}, {}},
    {"alias.example.test.",
     "A",
     "NOERROR",
     true,
     {"alias.example.test. 3600 IN CNAME www.example.test.",
      "www.example.test. 300 IN A 192.0.2.10", "www.example.test. 300 IN A 192.0.2.11"},
     {},
     {}},
    {"alias.example.test.",
     "CNAME",
     "NOERROR",
     true,
     {"alias.example.test. 3600 IN CNAME www.example.test."},
     {},
     {}},
    {"chain.example.test.",
     "AAAA",
     "NOERROR",
     true,
     {"chain.example.test. 3600 IN CNAME alias.example.test.",
      "alias.example.test. 3600 IN CNAME www.example.test.",
      "www.example.test. 300 IN AAAA 2001:db8::10"},
     {},
     {}},
    {"alias.example.test.",
     "MX",
     "NOERROR",
     true,
     {"alias.example.test. 3600 IN CNAME www.example.test."},
     {kSoa},
     {}},
    {"dangling.example.test.",
     "A",
     "NXDOMAIN",
     true,
     {"dangling.example.test. 3600 IN CNAME nowhere.example.test."},
     {kSoa},
     {}},
    {"external.example.test.",
     "A",
     "NOERROR",
     true,
     {"external.example.test. 3600 IN CNAME www.example.org."},
     {},
     {}},
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
    {"x.wild.example.test.", "A", "NOERROR", true, {}, {kSoa}, {}},
    {"exists.wild.example.test.", "TXT", "NOERROR", true, {}, {kSoa}, {}},
    {"below.exists.wild.example.test.", "TXT", "NXDOMAIN", true, {}, {kSoa}, {}},
    {"wild.example.test.", "TXT", "NOERROR", true, {}, {kSoa}, {}},
    {"x.cwild.example.test.",
     "A",
     "NOERROR",
     true,
     {"x.cwild.example.test. 3600 IN CNAME www.example.test.",
      "www.example.test. 300 IN A 192.0.2.10", "www.example.test. 300 IN A 192.0.2.11"},
     {},
     {}},
    {"host.sub.example.test.",
     "A",
     "NOERROR",
     false,
     {},
     {"sub.example.test. 3600 IN NS ns.sub.example.test.",
      "sub.example.test. 3600 IN NS ns.example.net."},
     {"ns.sub.example.test. 3600 IN A 192.0.2.99"}},
    {"sub.example.test.",
     "NS",
     "NOERROR",
     false,
     {},
     {"sub.example.test. 3600 IN NS ns.sub.example.test.",
      "sub.example.test. 3600 IN NS ns.example.net."},
     {"ns.sub.example.test. 3600 IN A 192.0.2.99"}},
    {"ns.sub.example.test.",
     "A",
     "NOERROR",
     false,
     {},
     {"sub.example.test. 3600 IN NS ns.sub.example.test.",
      "sub.example.test. 3600 IN NS ns.example.net."},
     {"ns.sub.example.test. 3600 IN A 192.0.2.99"}},
    {"sub.example.test.", "DS", "NOERROR", true, {}, {kSoa}, {}},
    {"b.deep.example.test.", "A", "NOERROR", true, {}, {kSoa}, {}},
    {"deep.example.test.", "A", "NOERROR", true, {}, {kSoa}, {}},
    {"a.b.deep.example.test.",
     "A",
     "NOERROR",
     true,
     {"a.b.deep.example.test. 3600 IN A 192.0.2.77"},
     {},
     {}},
    {"example.test.",
     "MX",
     "NOERROR",
     true,
     {"example.test. 3600 IN MX 10 mail.example.test."},
     {},
     {"mail.example.test. 3600 IN A 192.0.2.25"}},
    {"example.test.",
     "NS",
     "NOERROR",
     true,
     {"example.test. 3600 IN NS ns1.example.test.", "example.test. 3600 IN NS ns2.example.net."},
     {},
     {"ns1.example.test. 3600 IN A 192.0.2.53"}},
    {"example.test.",
     "SOA",
     "NOERROR",
     true,
     {"example.test. 3600 IN SOA ns1.example.test. hostmaster.example.test. 7 3600 600 1209600 "
      "300"},
     {},
     {}},
    // RFC 8482: ANY gets one RRset of the name.
    {"example.test.",
     "ANY",
     "NOERROR",
     true,
     {"example.test. 3600 IN NS ns1.example.test.", "example.test. 3600 IN NS ns2.example.net."},
     {},
     {"ns1.example.test. 3600 IN A 192.0.2.53"}},
    {"_sip._tcp.example.test.",
     "SRV",
     "NOERROR",
     true,
     {"_sip._tcp.example.test. 3600 IN SRV 10 60 5060 mail.example.test."},
     {},
     {"mail.example.test. 3600 IN A 192.0.2.25"}},
    {"www.example.org.", "A", "REFUSED", false, {}, {}, {}},
    {"test.", "SOA", "REFUSED", false, {}, {}, {}},
    {"example.test.", "AXFR", "REFUSED", false, {}, {}, {}},
    {"www.example.test.", "MAILA", "NOTIMP", false, {}, {}, {}},
};

TEST_F(Pipeline, AnswersPerRfc1034And2308And4592) {
  for (const auto& c : kLookups) {
    SCOPED_TRACE(c.name + " " + c.type);
    Response r = ask(c.name, c.type);
    ASSERT_TRUE(r.parsed);
    EXPECT_TRUE(r.qr);
    EXPECT_EQ(r.id, 0x4242);
    EXPECT_EQ(r.rcode, c.rcode);
    EXPECT_EQ(r.aa, c.aa);
    EXPECT_FALSE(r.tc);
    EXPECT_FALSE(r.ra);
    EXPECT_FALSE(r.ad);
    EXPECT_EQ(r.question, Strings{c.name + " IN " + c.type});
    EXPECT_EQ(r.answer, c.answer);
    EXPECT_EQ(r.authority, c.authority);
    EXPECT_EQ(r.additional, c.additional);
    EXPECT_FALSE(r.has_opt);
  }
}

TEST_F(Pipeline, CnameLoopStopsAfterEightHops) {
  Response r = ask("loop1.example.test.", "A");
  EXPECT_EQ(r.rcode, "NOERROR");
  EXPECT_EQ(r.answer.size(), 8u);
  EXPECT_EQ(r.answer.front(), "loop1.example.test. 3600 IN CNAME loop2.example.test.");
}

TEST_F(Pipeline, EchoesQuestionCaseAndCopiesRd) {
  QueryOptions options;
  options.rd = true;
  Response r = ask("WwW.ExAmple.TEST.", "A", options);
  EXPECT_EQ(r.question, Strings{"WwW.ExAmple.TEST. IN A"});
  EXPECT_TRUE(r.rd);
  EXPECT_FALSE(r.ra);  // never a recursive server
  ASSERT_EQ(r.answer.size(), 2u);
}

TEST_F(Pipeline, CompressesNames) {
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

TEST_F(Pipeline, EdnsIsEchoedWithOurPayloadSize) {
  QueryOptions options;
  options.edns = true;
  options.udp_size = 4096;
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

TEST_F(Pipeline, EdnsVersionAboveZeroIsBadvers) {
  QueryOptions options;
  options.edns = true;
  options.edns_version = 1;
  Response r = ask("www.example.test.", "A", options);
  EXPECT_EQ(r.rcode, "BADVERS");
  EXPECT_TRUE(r.answer.empty());
  ASSERT_TRUE(r.has_opt);
  EXPECT_EQ(r.opt_version, 0);
}

TEST_F(Pipeline, ClientSubnetEchoedWithScopeZeroForStaticData) {
  Response r = ask("www.example.test.", "A", nines::testing::ecsQuery("198.51.100.0/24"));
  EXPECT_EQ(r.rcode, "NOERROR");
  EXPECT_EQ(r.ecs_option, "198.51.100.0/24/0");
}

TEST_F(Pipeline, TruncatesAtRrsetBoundaryWhenTooBigForUdp) {
  Response plain = ask("big.example.test.", "TXT");
  EXPECT_TRUE(plain.tc);
  EXPECT_TRUE(plain.answer.empty());
  EXPECT_EQ(plain.question.size(), 1u);
  EXPECT_LE(plain.size, 512u);

  QueryOptions options;
  options.edns = true;
  options.udp_size = 65000;  // clamped to our 1232
  Response edns = ask("big.example.test.", "TXT", options);
  EXPECT_TRUE(edns.tc);
  EXPECT_TRUE(edns.has_opt);  // the OPT survives truncation
  EXPECT_LE(edns.size, 1232u);

  Response tcp = ask("big.example.test.", "TXT", {}, Transport::Tcp);
  EXPECT_FALSE(tcp.tc);
  EXPECT_EQ(tcp.answer.size(), 40u);
}

TEST_F(Pipeline, TruncationKeepsWholeEarlierRrsets) {
  // The CNAME fits, the big TXT RRset behind it does not: keep the CNAME, set TC.
  Response r = ask("tobig.example.test.", "TXT");
  EXPECT_TRUE(r.tc);
  EXPECT_EQ(r.answer, Strings{"tobig.example.test. 3600 IN CNAME big.example.test."});
}

TEST_F(Pipeline, MalformedAndUnwantedPackets) {
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
