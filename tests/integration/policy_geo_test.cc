// The geo policy over the network (DESIGN.md "Policies"): the real dnsd serving gslb.test with
// [geo.nets] in its dnsd.toml, asked over UDP and TCP with EDNS Client Subnet (RFC 7871) from
// different networks, every response decoded by ldns. Each case says which region each address
// of the answer must come from and which ECS SCOPE PREFIX-LENGTH the reply must carry.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "policy_harness.h"

namespace nines::integration {
namespace {

constexpr const char* kWww = "www.gslb.test.";

class PolicyGeo : public ::testing::TestWithParam<Transport> {
 protected:
  static void SetUpTestSuite() { server_ = startGslb().release(); }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  void SetUp() override { ASSERT_TRUE(server_->ready()); }

  Response ask(const std::string& name, const std::string& type, const std::string& ecs) {
    return server_->askEcs(name, type, ecs, GetParam());
  }

  static inline DnsdServer* server_ = nullptr;
};

struct GeoCase {
  std::string ecs;   // "": EDNS without an ECS option
  std::string type;  // "A" or "AAAA"
  Strings regions;   // the region of each address, in answer order; empty: NODATA
  int scope;         // ECS SCOPE PREFIX-LENGTH of the reply; -1: no ECS option at all
  const char* why;
};

const std::string kUs = "us-east", kEu = "eu-west", kAp = "ap-south";

// The scope is the shortest prefix every address of which gets the same answer (the [geo.nets]
// entry or the service net that decided, narrowed where a more specific entry sits inside it),
// longer than the SOURCE PREFIX-LENGTH sent when that was not specific enough (RFC 7871 §7.2.1):
// never a claim that the answer holds for addresses that would get another.
const GeoCase kGeoCases[] = {
    {"192.0.2.0/24", "A", {kUs, kUs}, 24, "NA/US, no rule: nearest us-east has both addresses"},
    {"192.0.2.77/32", "A", {kUs, kUs}, 24, "the /24 nets entry decided, not the /32 sent"},
    {"198.51.100.0/24", "A", {kEu, kEu}, 25, "EU -> [eu-west]; the AU /26 inside: the /25 holds"},
    {"198.51.100.5/32", "A", {kEu, kEu}, 25, "the AU /26 inside the /24 narrows it to the /25"},
    {"198.51.100.192/26", "A", {kAp, kUs}, 26, "OC/AU: nearest ap-south's one A, then us-east"},
    {"203.0.113.0/24", "A", {kAp, kEu}, 24, "IN -> [ap-south], then nearest"},
    {"203.0.113.0/24", "AAAA", {}, 24, "ap-south leads and has no IPv6: NODATA"},
    {"198.18.0.0/15", "A", {kAp, kEu}, 15, "a point without codes: nearest by distance"},
    {"198.19.255.0/24", "A", {kAp, kEu}, 15, "the /15 nets entry decided"},
    {"233.252.0.0/24", "A", {kEu, kEu}, 24, "service net -> [eu-west], location unknown"},
    {"233.252.0.0/16", "A", {kEu, kEu}, 24, "the /24 service net decided: longer than /16"},
    {"198.51.100.0/16", "A", {kUs, kUs}, 18, "198.51.0.0/18 is not located: plan order"},
    {"10.1.2.0/24", "A", {kUs, kUs}, 2, "nothing in 0.0.0.0/2 is located or has a rule"},
    {"0.0.0.0/0", "A", {kUs, kUs}, 0, "SOURCE 0: located by the packet's 127.0.0.1, scope 0"},
    {"", "A", {kUs, kUs}, -1, "no ECS: 127.0.0.1 (NA) decides, no ECS option back"},
    {"2001:db8:aaaa::/48", "A", {kEu, kEu}, 48, "EU/DE over an IPv6 ECS"},
    {"2001:db8:aaaa::/48", "AAAA", {kEu, kUs}, 48, "eu-west's one AAAA, then us-east's"},
    {"2001:db8:aaaa:1::/64", "AAAA", {kEu, kUs}, 48, "the /48 nets entry decided"},
    {"2001:db8:bbbb::/48", "AAAA", {kUs, kEu}, 48, "BR -> [us-east], then nearest"},
    {"2001:db8:ff::/48", "A", {kAp, kUs}, 48, "service net -> [ap-south, us-east]"},
    {"2001:db8:ff::/48", "AAAA", {}, 48, "service net leads with ap-south: no IPv6, NODATA"},
    {"::/0", "AAAA", {kUs, kEu}, 0, "SOURCE 0 over IPv6 ECS: 127.0.0.1 decides"},
    {"", "AAAA", {kUs, kEu}, -1, "no ECS, AAAA: us-east's one AAAA, then eu-west's"},
};

TEST_P(PolicyGeo, EachClientNetworkGetsItsRegionAndScope) {
  for (const GeoCase& c : kGeoCases) {
    SCOPED_TRACE(c.ecs + " " + c.type + ": " + c.why);
    Response r = ask(kWww, c.type, c.ecs);
    ASSERT_TRUE(r.parsed);
    EXPECT_EQ(r.rcode, "NOERROR");
    EXPECT_TRUE(r.aa);
    EXPECT_EQ(regionsOf(r.answer), c.regions) << ::testing::PrintToString(r.answer);
    for (const auto& record : r.answer) {
      EXPECT_EQ(typeOf(record), c.type) << record;
      EXPECT_EQ(ttlOf(record), "30") << record;
    }
    Strings addresses = addressesOf(r.answer);
    EXPECT_EQ(std::set<std::string>(addresses.begin(), addresses.end()).size(), addresses.size())
        << "an address given twice";
    if (c.regions.empty()) {
      EXPECT_EQ(r.authority, Strings{kGslbSoa}) << "NODATA carries the SOA (RFC 2308 §2.2)";
    } else {
      EXPECT_TRUE(r.authority.empty());
    }
    EXPECT_EQ(ecsScope(r), c.scope) << r.ecs_option;
    // Sticky: the same client network gets the very same answer again.
    Response again = ask(kWww, c.type, c.ecs);
    EXPECT_EQ(again.answer, r.answer);
  }
}

TEST_P(PolicyGeo, TheReplyEchoesTheClientSubnet) {
  // RFC 7871 §7.2.1: FAMILY, SOURCE PREFIX-LENGTH and ADDRESS as sent.
  EXPECT_EQ(ask(kWww, "A", "198.51.100.0/24").ecs_option, "198.51.100.0/24/25");
  EXPECT_EQ(ask(kWww, "A", "192.0.2.77/32").ecs_option, "192.0.2.77/32/24");
  EXPECT_EQ(ask(kWww, "AAAA", "2001:db8:aaaa::/48").ecs_option, "2001:db8:aaaa::/48/48");
  EXPECT_EQ(ask(kWww, "A", "0.0.0.0/0").ecs_option, "0.0.0.0/0/0");
}

TEST_P(PolicyGeo, StaticNamesAnswerWithScopeZero) {
  // RFC 7871 §7.2.1: an answer that does not depend on the client has scope 0.
  Response a = ask("static.gslb.test.", "A", "198.51.100.0/24");
  EXPECT_EQ(a.answer, Strings{"static.gslb.test. 3600 IN A 192.0.2.99"});
  EXPECT_EQ(ecsScope(a), 0) << a.ecs_option;
  Response aaaa = ask("ns1.gslb.test.", "AAAA", "2001:db8:aaaa::/48");
  EXPECT_EQ(aaaa.answer, Strings{"ns1.gslb.test. 3600 IN AAAA 2001:db8::53"});
  EXPECT_EQ(ecsScope(aaaa), 0) << aaaa.ecs_option;
  Response missing = ask("nowhere.gslb.test.", "A", "203.0.113.0/24");
  EXPECT_EQ(missing.rcode, "NXDOMAIN");
  EXPECT_EQ(ecsScope(missing), 0) << missing.ecs_option;
}

TEST_P(PolicyGeo, OtherTypesAtAServiceNameAreNoData) {
  Response r = ask(kWww, "TXT", "198.51.100.0/24");
  EXPECT_EQ(r.rcode, "NOERROR");
  EXPECT_TRUE(r.answer.empty());
  EXPECT_EQ(r.authority, Strings{kGslbSoa});
}

TEST_P(PolicyGeo, ADrainedPoolInTheZoneFileIsNeverAnswered) {
  // cdn's ap-south pool has drain = true: India's nearest region is skipped.
  for (const char* ecs : {"203.0.113.0/24", "198.18.0.0/15", "198.51.100.192/26"}) {
    SCOPED_TRACE(ecs);
    Response r = ask("cdn.gslb.test.", "A", ecs);
    ASSERT_EQ(r.answer.size(), 1u);
    EXPECT_NE(regionOf(addressesOf(r.answer).front()), kAp) << r.answer.front();
  }
  EXPECT_EQ(regionsOf(ask("cdn.gslb.test.", "A", "192.0.2.0/24").answer), Strings{kUs});
  EXPECT_EQ(regionsOf(ask("cdn.gslb.test.", "A", "198.51.100.0/24").answer), Strings{kEu});
}

TEST_P(PolicyGeo, LatencyWithoutMeasurementsOrdersLikeGeo) {
  // No prober has measured anything: the nearest region answers.
  EXPECT_EQ(regionsOf(ask("lat.edge.gslb.test.", "A", "192.0.2.0/24").answer), (Strings{kUs, kUs}));
  EXPECT_EQ(regionsOf(ask("lat.edge.gslb.test.", "A", "198.51.100.0/24").answer),
            (Strings{kEu, kUs}));
  // us-east has no IPv6: NODATA while it leads.
  Response r = ask("lat.edge.gslb.test.", "AAAA", "192.0.2.0/24");
  EXPECT_TRUE(r.answer.empty());
  EXPECT_EQ(r.authority, Strings{kGslbSoa});
  EXPECT_EQ(regionsOf(ask("lat.edge.gslb.test.", "AAAA", "198.51.100.0/24").answer),
            (Strings{kEu}));
}

INSTANTIATE_TEST_SUITE_P(Transports, PolicyGeo, ::testing::Values(Transport::Udp, Transport::Tcp),
                         transportName);

TEST(PolicyGeoIpv6, WithoutEcsTheSourceAddressLocatesTheClient) {
  if (!ipv6LoopbackAvailable()) GTEST_SKIP() << "no IPv6 loopback";
  auto server = startGslb(kGslbToken, true, {"127.0.0.1:0", "[::1]:0"});
  ASSERT_TRUE(server->ready());
  std::uint16_t port6 = server->process().portFor("[::1]");
  ASSERT_NE(port6, 0) << server->process().log();
  auto ask6 = [&](const std::string& type, const std::string& ecs, Transport transport) {
    auto wire = server->exchange(buildQuery(kWww, type, ecsQuery(ecs)), transport,
                                 nines::testing::kAnswerTimeoutMs, true, port6);
    return wire ? decodeResponse(*wire) : Response{};
  };
  for (Transport transport : {Transport::Udp, Transport::Tcp}) {
    SCOPED_TRACE(transport == Transport::Udp ? "udp" : "tcp");
    // ::1 is in Ireland ([geo.nets] "::1/128").
    Response a = ask6("A", "", transport);
    EXPECT_EQ(regionsOf(a.answer), (Strings{kEu, kEu}));
    EXPECT_EQ(ecsScope(a), -1);
    EXPECT_EQ(regionsOf(ask6("AAAA", "", transport).answer), (Strings{kEu, kUs}));
    // ECS beats the source address; SOURCE 0 falls back to it.
    EXPECT_EQ(regionsOf(ask6("A", "203.0.113.0/24", transport).answer), (Strings{kAp, kEu}));
    Response zero = ask6("A", "::/0", transport);
    EXPECT_EQ(regionsOf(zero.answer), (Strings{kEu, kEu}));
    EXPECT_EQ(ecsScope(zero), 0);
  }
}

}  // namespace
}  // namespace nines::integration
