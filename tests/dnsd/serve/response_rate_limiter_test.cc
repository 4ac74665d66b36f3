// Response rate limiting in-process: the token bucket's arithmetic on a clock the test turns,
// slip, log_only, exempt networks, client networks by prefix, the response classes as the real
// pipeline makes them (every slipped response decoded by ldns), and the table's bound under a
// million spoofed-looking networks.
#include "nines/dnsd/serve/response_rate_limiter.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "allocation_counter.h"
#include "answer_cases.h"
#include "answer_zones_state.h"
#include "dns_client.h"
#include "nines/dnsd/serve/query_pipeline.h"
#include "nines/dnsd/wire/message.h"
#include "nines/zones/loader.h"
#include "process.h"

namespace nines::dnsd {
namespace {

using Action = RateLimitAction;

zones::IpAddress ip(const char* text) { return *zones::IpAddress::parse(text); }

RateLimitSettings settings(std::uint32_t rate, std::uint32_t window, std::uint32_t slip) {
  RateLimitSettings s;
  s.responses_per_second = rate;
  s.window = window;
  s.slip = slip;
  s.table_size = 1024;
  return s;
}

const ResponseKey kWww{ResponseClass::Answer, 1, 42};

// `n` responses for `key` to `client`, the actions in order.
std::vector<Action> admitMany(ResponseRateLimiter& limiter, const zones::IpAddress& client, int n,
                              const ResponseKey& key = kWww) {
  std::vector<Action> actions;
  for (int i = 0; i < n; ++i) actions.push_back(limiter.admit(client, key));
  return actions;
}

int sent(const std::vector<Action>& actions) {
  int n = 0;
  for (Action a : actions) n += a != Action::Drop && a != Action::Slip;
  return n;
}

TEST(ResponseRateLimiter, OffSendsEverythingAndCountsNothing) {
  ResponseRateLimiter limiter(1);
  limiter.beginBatch(nullptr, 1000);
  EXPECT_EQ(sent(admitMany(limiter, ip("192.0.2.1"), 1000)), 1000);
  RateLimitSettings zero = settings(0, 5, 2);
  limiter.beginBatch(&zero, 1000);
  EXPECT_EQ(sent(admitMany(limiter, ip("192.0.2.1"), 1000)), 1000);
  EXPECT_EQ(limiter.capacity(), 0u);  // no table while off
  EXPECT_EQ(limiter.count(ResponseClass::Answer, Action::Drop), 0u);
}

TEST(ResponseRateLimiter, BucketHoldsRateTimesWindowAndRefillsByTheMillisecond) {
  const RateLimitSettings s = settings(10, 2, 0);
  ResponseRateLimiter limiter(1);
  const auto client = ip("192.0.2.1");
  std::uint64_t now = 5000;
  limiter.beginBatch(&s, now);
  // A new network starts with the whole window's credit: 10/s x 2 s.
  EXPECT_EQ(sent(admitMany(limiter, client, 25)), 20);
  // 100 ms is one response's credit; 1 s is ten.
  struct Step {
    std::uint64_t advance_ms;
    int asked;
    int expected_sent;
  };
  const Step steps[] = {
      {100, 3, 1},    {50, 1, 0},         {50, 1, 1},
      {1000, 15, 10}, {3600'000, 40, 20},  // idle an hour: still only the window's credit
      {0, 1, 0}};
  for (const Step& step : steps) {
    SCOPED_TRACE("after " + std::to_string(step.advance_ms) + " ms");
    now += step.advance_ms;
    limiter.beginBatch(&s, now);
    EXPECT_EQ(sent(admitMany(limiter, client, step.asked)), step.expected_sent);
  }
  EXPECT_EQ(limiter.count(ResponseClass::Answer, Action::Drop), 5u + 2 + 1 + 5 + 20 + 1);
}

TEST(ResponseRateLimiter, AFloodGetsTheRate) {
  // 20/s with 1 s of credit, flooded at 1000/s for 10 s (one batch of 10 every 10 ms): 20 for
  // the first credit and 20 a second after: 220 of 10000.
  const RateLimitSettings s = settings(20, 1, 0);
  ResponseRateLimiter limiter(7);
  int total = 0;
  for (std::uint64_t ms = 0; ms < 10'000; ms += 10) {
    limiter.beginBatch(&s, 1'000'000 + ms);
    total += sent(admitMany(limiter, ip("198.51.100.9"), 10));
  }
  EXPECT_NEAR(total, 220, 2);
}

TEST(ResponseRateLimiter, EverySlipthLimitedResponseSlips) {
  struct Case {
    std::uint32_t slip;
    std::vector<Action> over_limit;
  };
  const Case cases[] = {
      {0, {Action::Drop, Action::Drop, Action::Drop, Action::Drop}},
      {1, {Action::Slip, Action::Slip, Action::Slip, Action::Slip}},
      {2, {Action::Drop, Action::Slip, Action::Drop, Action::Slip}},
      {3, {Action::Drop, Action::Drop, Action::Slip, Action::Drop}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE("slip " + std::to_string(c.slip));
    const RateLimitSettings s = settings(2, 1, c.slip);
    ResponseRateLimiter limiter(3);
    limiter.beginBatch(&s, 1000);
    auto actions = admitMany(limiter, ip("192.0.2.1"), 6);
    EXPECT_EQ(std::vector<Action>(actions.begin(), actions.begin() + 2),
              (std::vector<Action>{Action::Send, Action::Send}));
    EXPECT_EQ(std::vector<Action>(actions.begin() + 2, actions.end()), c.over_limit);
  }
}

TEST(ResponseRateLimiter, LogOnlyLimitsNothingAndCountsWhatItWouldHave) {
  RateLimitSettings s = settings(2, 1, 2);
  s.log_only = true;
  ResponseRateLimiter limiter(3);
  limiter.beginBatch(&s, 1000);
  auto actions = admitMany(limiter, ip("192.0.2.1"), 6);
  EXPECT_EQ(actions,
            (std::vector<Action>{Action::Send, Action::Send, Action::WouldDrop, Action::WouldSlip,
                                 Action::WouldDrop, Action::WouldSlip}));
  EXPECT_EQ(sent(actions), 6);
  EXPECT_EQ(limiter.count(ResponseClass::Answer, Action::WouldDrop), 2u);
  EXPECT_EQ(limiter.count(ResponseClass::Answer, Action::WouldSlip), 2u);
  EXPECT_EQ(limiter.count(ResponseClass::Answer, Action::Drop), 0u);
  EXPECT_EQ(limiter.count(ResponseClass::Answer, Action::Slip), 0u);
}

TEST(ResponseRateLimiter, ExemptNetworksAreNeverLimited) {
  RateLimitSettings s = settings(1, 1, 0);
  s.exempt = {*zones::Cidr::parse("192.0.2.0/25", nullptr),
              *zones::Cidr::parse("2001:db8::/32", nullptr)};
  ResponseRateLimiter limiter(3);
  limiter.beginBatch(&s, 1000);
  for (const char* client : {"192.0.2.1", "192.0.2.127", "2001:db8:ffff::1"}) {
    SCOPED_TRACE(client);
    auto actions = admitMany(limiter, ip(client), 50);
    EXPECT_EQ(actions, std::vector<Action>(50, Action::Exempt));
  }
  // The other half of the /24 is not exempt.
  EXPECT_EQ(sent(admitMany(limiter, ip("192.0.2.128"), 50)), 1);
  EXPECT_EQ(limiter.count(ResponseClass::Answer, Action::Exempt), 150u);
}

TEST(ResponseRateLimiter, ClientsAreAccountedByNetwork) {
  // Two clients share a bucket when their first ipv4_prefix (ipv6_prefix) bits are the same.
  struct Case {
    const char* a;
    const char* b;
    std::uint8_t v4;
    std::uint8_t v6;
    bool shared;
  };
  const Case cases[] = {
      {"192.0.2.1", "192.0.2.254", 24, 56, true},
      {"192.0.2.1", "192.0.3.1", 24, 56, false},
      {"192.0.2.1", "192.0.2.2", 32, 56, false},
      {"192.0.2.1", "192.0.2.2", 31, 56, false},
      {"192.0.2.2", "192.0.2.3", 31, 56, true},
      {"10.1.2.3", "10.200.0.1", 8, 56, true},
      {"10.1.2.3", "11.1.2.3", 0, 56, true},
      {"2001:db8:0:100::1", "2001:db8:0:1ff:ffff::9", 24, 56, true},
      {"2001:db8:0:100::1", "2001:db8:0:200::1", 24, 56, false},
      {"2001:db8:0:100::1", "2001:db8:0:101::1", 24, 56, true},
      {"2001:db8:0:100::1", "2001:db8:0:101::1", 24, 64, false},
      {"2001:db8:0:100::1", "2001:db8:0:100:ffff::1", 24, 64, true},
      {"2001:db8::1:1", "2001:db8::1:2", 24, 120, true},
      {"2001:db8::1:1", "2001:db8::2:1", 24, 120, false},
      {"2001:db8::1", "2001:db8::2", 24, 128, false},
      // 192.0.2.1 and ::ffff:... or ::c000:201 are different families, never one network.
      {"192.0.2.1", "::c000:201", 24, 96, false},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(c.a) + " " + c.b + " /" + std::to_string(c.v4) + " /" +
                 std::to_string(c.v6));
    RateLimitSettings s = settings(5, 1, 0);
    s.ipv4_prefix = c.v4;
    s.ipv6_prefix = c.v6;
    ResponseRateLimiter limiter(11);
    limiter.beginBatch(&s, 1000);
    EXPECT_EQ(sent(admitMany(limiter, ip(c.a), 5)), 5);
    EXPECT_EQ(sent(admitMany(limiter, ip(c.b), 5)), c.shared ? 0 : 5);
  }
}

TEST(ResponseRateLimiter, TableStaysWithinItsBoundUnderAMillionNetworks) {
  // A spoofed flood from 1,000,000 distinct /24s, driven in-process: the table is the size
  // configured when it is made and never grows; old buckets are reused, nothing is allocated.
  RateLimitSettings s = settings(5, 1, 2);
  s.table_size = 4096;
  ResponseRateLimiter limiter(99);
  limiter.beginBatch(&s, 1000);
  const std::size_t bytes = limiter.tableBytes();
  EXPECT_EQ(bytes, 4096 * ResponseRateLimiter::kBucketSize);
  EXPECT_LE(ResponseRateLimiter::kBucketSize, 24u);
  int sent_count = 0;
  const long allocations = nines::testing::allocationsIn([&] {
    for (std::uint32_t i = 0; i < 1'000'000; ++i) {
      if (i % 1000 == 0) limiter.beginBatch(&s, 1000 + i / 1000);
      zones::IpAddress client;
      client.family = 4;
      client.bytes = {std::uint8_t(10 + (i >> 16)), std::uint8_t(i >> 8), std::uint8_t(i), 7};
      sent_count += limiter.admit(client, kWww) == Action::Send;
    }
  });
  if (nines::testing::kCountsAllocations) {
    EXPECT_EQ(allocations, 0);
  }
  EXPECT_EQ(sent_count, 1'000'000);  // each network asked once: all within its credit
  EXPECT_EQ(limiter.capacity(), 4096u);
  EXPECT_EQ(limiter.tableBytes(), bytes);
  EXPECT_EQ(limiter.occupied(), 4096u);
  EXPECT_EQ(limiter.reused(), 1'000'000u - 4096u);
  // A network that floods among them is still limited: its bucket is the freshest in its set.
  int flood_sent = 0;
  for (int i = 0; i < 100; ++i) {
    flood_sent += limiter.admit(ip("192.0.2.1"), kWww) == Action::Send;
    zones::IpAddress spoofed;
    spoofed.family = 4;
    spoofed.bytes = {172, std::uint8_t(i), 0, 1};
    limiter.admit(spoofed, kWww);
  }
  EXPECT_EQ(flood_sent, 5);
}

TEST(ResponseRateLimiter, ReloadedTableSizeTakesEffect) {
  RateLimitSettings s = settings(5, 1, 2);
  ResponseRateLimiter limiter(1);
  limiter.beginBatch(&s, 1000);
  EXPECT_EQ(limiter.capacity(), 1024u);
  s.table_size = 2048;
  limiter.beginBatch(&s, 1000);
  EXPECT_EQ(limiter.capacity(), 2048u);
  EXPECT_EQ(limiter.occupied(), 0u);
}

TEST(EmptyTruncated, KeepsHeaderAndQuestionOnly) {
  auto query = nines::testing::buildQuery("www.example.test.", "A", nines::testing::ednsQuery());
  // A response-looking message: the query (with its OPT) with QR, ANCOUNT 1 and record bytes.
  std::vector<std::uint8_t> message = query;
  message[2] |= 0x80;
  message[7] = 1;
  message.insert(message.end(), 20, 0xAB);
  std::size_t size = emptyTruncated(message.data(), message.size());
  EXPECT_EQ(size, query.size() - 11);  // the OPT (11 octets) is gone too
  message.resize(size);
  auto r = nines::testing::decodeResponse(message);
  ASSERT_TRUE(r.parsed);
  EXPECT_TRUE(r.tc);
  EXPECT_TRUE(r.answer.empty());
  EXPECT_TRUE(r.additional.empty());
  EXPECT_FALSE(r.has_opt);
  ASSERT_EQ(r.question.size(), 1u);
  EXPECT_NE(r.question[0].find("www.example.test."), std::string::npos) << r.question[0];
  // No question (QDCOUNT 0), or one that runs past the end: the header alone.
  std::vector<std::uint8_t> header(query.begin(), query.begin() + 12);
  header[5] = 0;
  EXPECT_EQ(emptyTruncated(header.data(), header.size()), 12u);
  std::vector<std::uint8_t> cut(query.begin(), query.begin() + 16);
  EXPECT_EQ(emptyTruncated(cut.data(), cut.size()), 12u);
  EXPECT_EQ(cut[5], 0);
}

// The classes as the pipeline makes them, against the answer zones (answer_cases.h): with a rate
// of 1 and no window beyond it, a second response in the same bucket is over the limit.
class RateLimitedPipeline : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new nines::testing::TempDir();
    state_ = answerZonesState(*dir_);
  }
  static void TearDownTestSuite() {
    delete dir_;
    state_.reset();
  }
  void SetUp() override {
    settings_ = settings(1, 1, 1);
    limiter_.beginBatch(&settings_, 1000);
    context_.limiter = &limiter_;
  }

  QueryResult ask(const std::string& name, const std::string& type,
                  Transport transport = Transport::Udp, const char* source = "192.0.2.1") {
    auto wire = nines::testing::buildQuery(name, type);
    out_.assign(kMaxTcpMessage, 0);
    QueryResult result = processQuery(*state_, wire.data(), wire.size(), ip(source), transport,
                                      kMaxUdpPayload, context_, out_.data());
    out_.resize(result.size);
    return result;
  }

  static inline nines::testing::TempDir* dir_ = nullptr;
  static inline std::shared_ptr<const ServingState> state_;
  RateLimitSettings settings_;
  ResponseRateLimiter limiter_{5};
  QueryContext context_;
  std::vector<std::uint8_t> out_;
};

TEST_F(RateLimitedPipeline, ResponsesShareABucketByClass) {
  // Each pair: the first response takes the bucket's one credit; the second is in the same
  // bucket (limited) or in another (sent).
  struct Case {
    std::string first_name, first_type, second_name, second_type;
    ResponseClass response_class;
    bool shared;
  };
  const Case cases[] = {
      {"www.example.test.", "A", "www.example.test.", "A", ResponseClass::Answer, true},
      {"www.example.test.", "A", "www.example.test.", "AAAA", ResponseClass::Answer, false},
      {"www.example.test.", "A", "WWW.Example.TEST.", "A", ResponseClass::Answer, true},
      {"www.example.test.", "A", "mail.example.test.", "A", ResponseClass::Answer, false},
      // Random names under one wildcard: the wildcard's bucket.
      {"x.wild.example.test.", "TXT", "y.z.wild.example.test.", "TXT", ResponseClass::Answer, true},
      // NXDOMAIN and NODATA: the zone's bucket, one for each.
      {"nope.example.test.", "A", "other.example.test.", "MX", ResponseClass::NxDomain, true},
      {"nope.example.test.", "A", "nope.short.test.", "A", ResponseClass::NxDomain, false},
      {"www.example.test.", "TXT", "mail.example.test.", "CAA", ResponseClass::NoData, true},
      {"www.example.test.", "TXT", "nope.example.test.", "A", ResponseClass::NoData, false},
      // Referrals: the delegation's bucket.
      {"host.sub.example.test.", "A", "other.sub.example.test.", "MX", ResponseClass::Referral,
       true},
      // Errors: the client network's bucket, whatever the name.
      {"www.not-served.", "A", "mail.elsewhere.", "MX", ResponseClass::Error, true},
      {"www.example.test.", "TKEY", "www.not-served.", "A", ResponseClass::Error, true},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.first_name + " " + c.first_type + " then " + c.second_name + " " +
                 c.second_type);
    ResponseRateLimiter limiter(17);
    limiter.beginBatch(&settings_, 1000);
    context_.limiter = &limiter;
    EXPECT_EQ(ask(c.first_name, c.first_type).rate_limit, Action::Send);
    QueryResult second = ask(c.second_name, c.second_type);
    EXPECT_EQ(second.rate_limit, c.shared ? Action::Slip : Action::Send);
    if (c.shared) {
      EXPECT_EQ(limiter.count(c.response_class, Action::Slip), 1u);
    }
  }
}

TEST_F(RateLimitedPipeline, SlippedResponseIsEmptyTruncatedWithTheQuestion) {
  ASSERT_EQ(ask("www.example.test.", "A").rate_limit, Action::Send);
  QueryResult r = ask("www.example.test.", "A");
  EXPECT_EQ(r.rate_limit, Action::Slip);
  EXPECT_TRUE(r.truncated);
  auto response = nines::testing::decodeResponse(out_);
  ASSERT_TRUE(response.parsed);
  EXPECT_TRUE(response.qr);
  EXPECT_TRUE(response.tc);
  EXPECT_EQ(response.rcode, "NOERROR");
  ASSERT_EQ(response.question.size(), 1u);
  EXPECT_NE(response.question[0].find("www.example.test."), std::string::npos);
  EXPECT_TRUE(response.answer.empty());
  EXPECT_TRUE(response.authority.empty());
  EXPECT_TRUE(response.additional.empty());
}

TEST_F(RateLimitedPipeline, DroppedResponseIsNotSent) {
  settings_.slip = 0;
  ASSERT_EQ(ask("www.example.test.", "A").rate_limit, Action::Send);
  QueryResult r = ask("www.example.test.", "A");
  EXPECT_EQ(r.rate_limit, Action::Drop);
  EXPECT_EQ(r.size, 0u);
}

TEST_F(RateLimitedPipeline, TcpIsNeverLimited) {
  for (int i = 0; i < 20; ++i) {
    QueryResult r = ask("www.example.test.", "A", Transport::Tcp);
    EXPECT_EQ(r.rate_limit, Action::Send);
    EXPECT_FALSE(r.truncated);
    EXPECT_GT(r.size, 0u);
  }
  EXPECT_EQ(limiter_.occupied(), 0u);
}

TEST_F(RateLimitedPipeline, SourceAddressNotEcsNamesTheNetwork) {
  // The ECS option says who the resolver's client is, not where the packet came from: the
  // network a reflected flood hits is the source's.
  auto ecs = nines::testing::buildQuery("www.example.test.", "A",
                                        nines::testing::ecsQuery("198.51.100.0/24"));
  auto plain = nines::testing::buildQuery("www.example.test.", "A");
  std::vector<std::uint8_t> out(kMaxTcpMessage);
  QueryResult first = processQuery(*state_, ecs.data(), ecs.size(), ip("192.0.2.1"), Transport::Udp,
                                   kMaxUdpPayload, context_, out.data());
  QueryResult second = processQuery(*state_, plain.data(), plain.size(), ip("192.0.2.1"),
                                    Transport::Udp, kMaxUdpPayload, context_, out.data());
  EXPECT_EQ(first.rate_limit, Action::Send);
  EXPECT_EQ(second.rate_limit, Action::Slip);
}

}  // namespace
}  // namespace nines::dnsd
