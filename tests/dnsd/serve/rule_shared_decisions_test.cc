// A worker's decision caches, the per-subnet entries and the per-geo-rule ones (decision_cache.h),
// must never change an answer: responses through them are byte for byte those of a state that is
// never cached (generation 0), for thousands of clients across nets and country and continent
// rules that share their decision and ones that do not (rotation between two addresses, a region
// down so the rest of the order is the client's distance). Responses are decoded by ldns only to
// say what differed.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "dns_client.h"
#include "nines/dnsd/serve/query_pipeline.h"
#include "nines/zones/loader.h"
#include "process.h"

namespace nines::dnsd {
namespace {

constexpr const char* kZone = R"(origin = "example.test."
ttl = 300
[soa]
mname = "ns1.example.test."
rname = "hostmaster.example.test."
serial = 1
refresh = 3600
retry = 900
expire = 604800
minimum = 300
[records]
"@" = ["NS ns1.example.test."]
ns1 = ["A 127.0.0.1"]
[regions.a]
location = [50.0, 8.0]
[regions.b]
location = [40.0, -75.0]
[regions.c]
location = [1.3, 103.8]
[services.www]
policy = "geo"
answers = 1
[services.www.pools.a]
endpoints = ["192.0.2.1"]
[services.www.pools.b]
endpoints = ["192.0.2.2", "192.0.2.3", "2001:db8::2"]
[services.www.pools.c]
endpoints = ["192.0.2.4", "2001:db8::4"]
[services.www.geo]
nets = { "10.0.0.0/8" = ["a"], "10.1.0.0/16" = ["b"], "10.2.0.0/16" = ["c", "a"], "10.2.5.0/24" = ["a", "c"], "2001:db8:a::/48" = ["c"] }
continent = { EU = ["a", "b"] }
country = { IN = ["a"] }
)";

std::shared_ptr<ServingState> stateOf(const nines::testing::TempDir& dir, std::uint64_t generation,
                                      bool a_down) {
  auto loaded = zones::loadZones(dir.path() + "/zones");
  for (const auto& error : loaded.errors) ADD_FAILURE() << error.toString();
  auto state = std::make_shared<ServingState>();
  state->generation = generation;
  state->zones = ZoneTable::build(std::move(loaded.zones));
  // Where [geo.nets] of dnsd.toml puts clients outside the zone's nets: Europe, India, the US
  // (no rule: by distance), and 11.3.0.0/16 nowhere.
  std::vector<policy::NetLocation> places = {
      {*zones::Cidr::parse("11.0.0.0/16", nullptr), "EU", "DE", zones::GeoPoint{50.1, 8.7}},
      {*zones::Cidr::parse("11.0.128.0/20", nullptr), "EU", "FR", std::nullopt},
      {*zones::Cidr::parse("11.1.0.0/16", nullptr), "AS", "IN", zones::GeoPoint{19.1, 72.9}},
      // The same country far from the first: with a down, its distance picks another region.
      {*zones::Cidr::parse("11.1.128.0/17", nullptr), "AS", "IN", zones::GeoPoint{40.0, -75.0}},
      {*zones::Cidr::parse("11.2.0.0/16", nullptr), "NA", "US", zones::GeoPoint{40.7, -74.0}},
      {*zones::Cidr::parse("2001:db8:b::/48", nullptr), "EU", "IE", std::nullopt}};
  std::string error;
  state->locator = policy::ClientLocator::create(std::move(places), "", &error);
  EXPECT_TRUE(state->locator) << error;
  auto view = std::make_shared<policy::HealthView>();
  view->services = state->zones->services().initial_health;
  if (a_down) {
    for (auto& endpoint : view->services.at(0).regions.at(0).endpoints) {
      endpoint = policy::EndpointState::Down;
    }
  }
  state->health = view;
  return state;
}

std::string randomEcs(std::mt19937_64& random) {
  zones::IpAddress address;
  std::uint8_t source;
  if (random() % 4 == 0) {
    address = *zones::IpAddress::parse(random() % 2 == 0 ? "2001:db8:a::" : "2001:db8:b::");
    for (std::size_t i = 6; i < 16; ++i) address.bytes[i] = static_cast<std::uint8_t>(random());
    source = static_cast<std::uint8_t>(32 + random() % 33);  // /32 to /64
  } else {
    address = *zones::IpAddress::parse(random() % 2 == 0 ? "10.0.0.0" : "11.0.0.0");
    address.bytes[1] = static_cast<std::uint8_t>(random() % 4);  // 10.0 to 10.3, 11.0 to 11.3
    address.bytes[2] = static_cast<std::uint8_t>(random());
    address.bytes[3] = static_cast<std::uint8_t>(random());
    source = static_cast<std::uint8_t>(12 + random() % 21);  // /12 to /32
  }
  return address.masked(source).toString() + "/" + std::to_string(source);
}

TEST(RuleSharedDecisions, CachedAnswersAreByteForByteTheUncachedOnes) {
  nines::testing::TempDir dir;
  dir.write("zones/example.test.toml", kZone);
  for (bool a_down : {false, true}) {
    SCOPED_TRACE(a_down ? "region a down" : "all up");
    const auto cached_state = stateOf(dir, 1, a_down);
    const auto uncached_state = stateOf(dir, 0, a_down);  // generation 0: never cached
    // Few per-subnet entries, so that what hits is mostly the per-net ones.
    QueryContext cached(16), uncached(16);
    std::mt19937_64 random(a_down ? 2 : 1);
    std::vector<std::uint8_t> with_caches(kMaxUdpPayload), without(kMaxUdpPayload);
    const zones::IpAddress resolver = *zones::IpAddress::parse("127.0.0.1");
    for (int i = 0; i < 4000; ++i) {
      const std::string ecs = randomEcs(random);
      const char* type = random() % 3 == 0 ? "AAAA" : "A";
      const auto wire = nines::testing::buildQuery("www.example.test.", type,
                                                   nines::testing::ecsQuery(ecs));
      const QueryResult a = processQuery(*cached_state, wire.data(), wire.size(), resolver,
                                         Transport::Udp, kMaxUdpPayload, cached, with_caches.data());
      const QueryResult b = processQuery(*uncached_state, wire.data(), wire.size(), resolver,
                                         Transport::Udp, kMaxUdpPayload, uncached, without.data());
      ASSERT_GT(a.size, 0u) << ecs;
      const std::vector<std::uint8_t> got(with_caches.begin(), with_caches.begin() + a.size);
      const std::vector<std::uint8_t> want(without.begin(), without.begin() + b.size);
      if (got != want) {
        const auto x = nines::testing::decodeResponse(got), y = nines::testing::decodeResponse(want);
        FAIL() << type << " ECS " << ecs << ": cached " << ::testing::PrintToString(x.answer)
               << " scope " << x.ecs_option << ", uncached " << ::testing::PrintToString(y.answer)
               << " scope " << y.ecs_option;
      }
    }
    EXPECT_EQ(uncached.decisions.hits(), 0u);
    // Most clients are led by a rule whose decision is shared; 16 per-subnet entries could not
    // hold the thousands of subnets asked about.
    EXPECT_GT(cached.decisions.hits(), 800u);
  }
}

}  // namespace
}  // namespace nines::dnsd
