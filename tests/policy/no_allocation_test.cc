// The query path allocates nothing: select() without a trace, ClientLocator::locate() (nets and
// real MaxMind DBs, through the lookup cache) and PrefixTable::match(). Counted by interposing
// malloc and friends (glibc exports the real ones as __libc_*; tests/support/allocation_counter.h).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstddef>
#include <filesystem>
#include <utility>

#include "allocation_counter.h"
#include "nines/policy/location.h"
#include "nines/policy/select.h"
#include "policy_test_support.h"

namespace nines::policy {
namespace {

using testing::client;

using nines::testing::allocationsIn;
void* volatile sink = nullptr;

class NoAllocation : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!nines::testing::kCountsAllocations) GTEST_SKIP() << "sanitizers own malloc";
    // The counter itself must see an allocation, or the test proves nothing.
    // (Calls to ::operator new, unlike new-expressions, may not be optimised away.)
    ASSERT_GT(allocationsIn([] {
                sink = ::operator new(32);
                ::operator delete(sink);
              }),
              0);
  }
};

TEST_F(NoAllocation, Select) {
  const std::vector<zones::PolicyKind> kinds = {zones::PolicyKind::Geo, zones::PolicyKind::Latency,
                                                zones::PolicyKind::Weighted,
                                                zones::PolicyKind::Failover};
  RttMatrix rtt;
  rtt.vantages = {{"eu-1", testing::kLondon}, {"us-1", testing::kNewYork}};
  rtt.regions = {"eu-west", "us-east", "ap-south"};
  rtt.rtt_ms = {{5, 80, -1}, {75, 3, 210}};
  const std::vector<Client> clients = {
      client("198.51.100.7", 24, "EU", "IE", testing::kDublin, 24),
      client("192.0.2.1", 24, "AS", "IN", testing::kMumbai, 24),
      client("203.0.113.5", 32, "EU", "IE", testing::kDublin, 28),
      client("10.0.0.1", 24, "SA", "BR", testing::kSaoPaulo, 16),
      client("10.0.0.1"),
      client("2001:db8::1", 56, "NA", "US", testing::kWashington, 48),
  };
  const std::vector<std::string> healths = {"", "|d", "ddd|d|dd|d", "!|!|!|!", "xxx|x|xx|x"};
  for (zones::PolicyKind kind : kinds) {
    for (zones::Fallback fallback : {zones::Fallback::All, zones::Fallback::None}) {
      zones::Zone zone = testing::exampleZone(kind);
      zone.services[0].fallback = fallback;
      zone.services[0].answers = 3;
      const ServicePlan plan = ServicePlan::compile(zone, zone.services[0]);
      for (const std::string& spec : healths) {
        const ServiceHealth state = testing::health(zone.services[0], spec);
        for (const Client& who : clients) {
          for (Family family : {Family::V4, Family::V6}) {
            Decision decision;
            for (const RttMatrix* matrix :
                 {static_cast<const RttMatrix*>(nullptr), &std::as_const(rtt)}) {
              EXPECT_EQ(allocationsIn([&] { select(plan, state, matrix, who, family, decision); }),
                        0)
                  << static_cast<int>(kind) << " " << spec << " " << who.address.toString();
            }
          }
        }
      }
    }
  }
}

TEST_F(NoAllocation, Locate) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("nines-policy-alloc-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string database = (dir / "test.mmdb").string();
  testing::writeTestDatabase(database);
  std::string error;
  auto locator = ClientLocator::create(
      {{testing::cidr("198.51.100.0/25"), "NA", "US", testing::kWashington}}, database, &error);
  ASSERT_NE(locator, nullptr) << error;
  for (const char* text : {"198.51.100.7", "198.51.100.200", "203.0.113.5", "203.0.113.200",
                           "100.64.1.1", "10.1.1.1", "2001:db8:100::1", "2001:db8:200::1"}) {
    const zones::IpAddress address = testing::ip(text);
    Location location;
    EXPECT_EQ(allocationsIn([&] { location = locator->locate(address); }), 0) << text;
  }
  locator.reset();
  std::filesystem::remove_all(dir);
}

// Two files (IPv4 and IPv6), operator-named fields with a dotted path, continents from country
// codes, and the lookup cache: each address twice, a miss then a hit.
TEST_F(NoAllocation, LocateAcrossFilesThroughTheCache) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("nines-policy-alloc-flat-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string v4 = (dir / "v4.mmdb").string(), v6 = (dir / "v6.mmdb").string();
  testing::writeFlatDatabases(v4, v6);
  GeoDatabaseOptions options;
  options.files = {v6, v4};
  options.fields.country = "country_code";
  options.fields.latitude = "latitude";
  options.fields.longitude = "longitude";
  options.fields.asn = "as.number";
  std::string error;
  auto locator = ClientLocator::create({}, options, &error);
  ASSERT_NE(locator, nullptr) << error;
  for (const char* text :
       {"10.3.6.20", "10.3.9.1", "10.100.0.1", "2001:db8:3:300::5", "2001:db8:ff::1"}) {
    const zones::IpAddress address = testing::ip(text);
    Location first, second;
    EXPECT_EQ(allocationsIn([&] {
                first = locator->locate(address);
                second = locator->locate(address);
              }),
              0)
        << text;
    EXPECT_EQ(first.scope, second.scope) << text;
  }
  locator.reset();
  std::filesystem::remove_all(dir);
}

TEST_F(NoAllocation, PrefixTableMatch) {
  PrefixTable table;
  table.insert(testing::cidr("192.0.2.0/24"), 0);
  table.insert(testing::cidr("2001:db8::/32"), 1);
  table.compile();
  const zones::IpAddress v4 = testing::ip("192.0.2.1"), v6 = testing::ip("2001:db8::1");
  PrefixMatch a, b;
  EXPECT_EQ(allocationsIn([&] {
              a = table.match(v4);
              b = table.match(v6);
            }),
            0);
  EXPECT_EQ(a.value, 0);
  EXPECT_EQ(b.value, 1);
}

}  // namespace
}  // namespace nines::policy
