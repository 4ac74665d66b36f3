// GeoDatabase and ClientLocator over several database files with operator-named fields
// (make_flat_mmdb.pl: ip-location-db's flat layout, IPv4 and IPv6 in separate files), continents
// from country codes, and the lookup cache against the trees on many random addresses.
#include "nines/policy/geo_database.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <random>
#include <string>
#include <thread>

#include "nines/policy/location.h"
#include "policy_test_support.h"

namespace nines::policy {
namespace {

namespace fs = std::filesystem;
using testing::cidr;
using testing::ip;

class GeoFiles : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::string pattern = (fs::temp_directory_path() / "nines-geo-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    v4_ = (fs::path(dir_) / "flat-ipv4.mmdb").string();
    v6_ = (fs::path(dir_) / "flat-ipv6.mmdb").string();
    city_ = (fs::path(dir_) / "city.mmdb").string();
    testing::writeFlatDatabases(v4_, v6_);
    testing::writeTestDatabase(city_);
  }
  static void TearDownTestSuite() {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  // ip-location-db's field names, and a dotted path for the AS number.
  static GeoDatabaseOptions flat(std::vector<std::string> files, std::size_t cache = 65536) {
    GeoDatabaseOptions options;
    options.files = std::move(files);
    options.fields.country = "country_code";
    options.fields.latitude = "latitude";
    options.fields.longitude = "longitude";
    options.fields.asn = "as.number";
    options.cache_entries = cache;
    return options;
  }

  static std::string dir_, v4_, v6_, city_;
};
std::string GeoFiles::dir_, GeoFiles::v4_, GeoFiles::v6_, GeoFiles::city_;

struct Case {
  std::string address;
  bool found;
  std::string continent, country;
  std::uint32_t asn;
  int prefix;
};

void check(const GeoDatabase& db, const Case& c) {
  SCOPED_TRACE(c.address);
  for (const GeoRecord& r :
       {db.locateUncached(ip(c.address)), db.locate(ip(c.address)), db.locate(ip(c.address))}) {
    EXPECT_EQ(r.found, c.found);
    EXPECT_EQ(std::string(r.continent), c.continent);
    EXPECT_EQ(std::string(r.country), c.country);
    EXPECT_EQ(r.has_point, !c.country.empty());
    EXPECT_EQ(r.asn, c.asn);
    EXPECT_EQ(r.prefix, c.prefix);
  }
}

// The continents come from the country codes: the files have none.
const std::vector<Case> kFlatCases = {
    {"10.0.0.1", true, "EU", "IE", 64500, 22},  // in 10.0.0.0/16, clear of its nested networks
    {"10.3.6.20", true, "AS", "JP", 65203, 28},
    {"10.3.5.10", true, "OC", "AU", 65003, 26},
    {"10.3.5.200", true, "AF", "ZA", 65103, 25},
    {"10.3.7.2", true, "EU", "DE", 65303, 30},
    {"10.3.201.1", true, "EU", "FR", 65403, 21},
    {"10.3.9.1", true, "", "", 65503, 24},  // an entry with only an AS number
    {"10.100.0.1", false, "", "", 0, 10},   // empty 10.64.0.0/10
    {"2001:db8:3:300::5", true, "NA", "CA", 64903, 120},
    {"2001:db8:3:200::1", true, "OC", "NZ", 64803, 64},
    {"2001:db8:3:1ff::1", true, "SA", "AR", 64703, 56},
    {"2001:db8:3:ffff::1", true, "AF", "KE", 64603, 49},
    {"2001:db8:ff::1", false, "", "", 0, 41},
};

TEST_F(GeoFiles, SeparateIpv4AndIpv6FilesWithTheirOwnFieldNamesInEitherOrder) {
  for (const auto& files :
       {std::vector<std::string>{v4_, v6_}, std::vector<std::string>{v6_, v4_}}) {
    SCOPED_TRACE(files.front());
    std::string error;
    auto db = GeoDatabase::open(flat(files), &error);
    ASSERT_NE(db, nullptr) << error;
    for (const Case& c : kFlatCases) check(*db, c);
  }
}

// An IPv6 address asks only the IPv6 file: the IPv4-only file does not hold its family.
TEST_F(GeoFiles, AFileWithoutTheFamilyIsSkipped) {
  std::string error;
  auto v4_only = GeoDatabase::open(flat({v4_}), &error);
  ASSERT_NE(v4_only, nullptr) << error;
  check(*v4_only, {"2001:db8:3:300::5", false, "", "", 0, 0});
  check(*v4_only, {"10.3.7.2", true, "EU", "DE", 65303, 30});
  auto v6_only = GeoDatabase::open(flat({v6_}), &error);
  ASSERT_NE(v6_only, nullptr) << error;
  // The IPv6 file has no IPv4 data: 10.3.7.2 is ::a03:702, in its empty ::/41 or so.
  EXPECT_FALSE(v6_only->locate(ip("10.3.7.2")).found);
}

// The first file with an entry decides; a file without one narrows the network the answer holds
// for (the GeoIP2-layout file knows nothing of 10.3.6.20's neighbourhood but 0.0.0.0/2's emptiness:
// the answer still holds for the flat file's /28 alone).
TEST_F(GeoFiles, TheFirstFileWithAnEntryDecides) {
  std::string error;
  GeoDatabaseOptions options;
  options.files = {city_, v4_};
  options.fields.latitude = "location.latitude";
  auto mixed = GeoDatabase::open(options, &error);
  ASSERT_NE(mixed, nullptr) << error;
  // GeoIP2 City layout first: its entry decides, continent from its own field.
  GeoRecord r = mixed->locate(ip("198.51.100.7"));
  EXPECT_TRUE(r.found);
  EXPECT_STREQ(r.continent, "EU");
  EXPECT_EQ(r.asn, 64500u);
  // Not in the City file: the flat file's entry, read with the City field names, has none of
  // them (an entry, so the flat file decides, with nothing in it).
  r = mixed->locate(ip("10.3.6.20"));
  EXPECT_TRUE(r.found);
  EXPECT_STREQ(r.country, "");
  EXPECT_EQ(r.prefix, 28);
}

TEST_F(GeoFiles, ContinentFromTheCountryWhenNotRead) {
  GeoDatabaseOptions options;
  options.files = {city_};
  options.fields.continent = "";  // not read: every continent comes from the country
  std::string error;
  auto db = GeoDatabase::open(options, &error);
  ASSERT_NE(db, nullptr) << error;
  EXPECT_STREQ(db->locate(ip("198.51.100.7")).continent, "EU");  // IE
  EXPECT_STREQ(db->locate(ip("203.0.113.5")).continent, "AS");   // IN
  EXPECT_STREQ(db->locate(ip("2001:db8:100::1")).continent, "NA");
  EXPECT_STREQ(db->locate(ip("100.64.1.1")).continent, "");  // no country either
}

TEST_F(GeoFiles, OpenErrorsNameTheFile) {
  std::string error;
  std::size_t failed = 99;
  EXPECT_EQ(GeoDatabase::open(flat({v4_, dir_ + "/nope.mmdb"}), &error, &failed), nullptr);
  EXPECT_EQ(failed, 1u);
  EXPECT_NE(error.find("nope.mmdb"), std::string::npos) << error;
  GeoDatabaseOptions options = flat({v4_});
  options.fields.country = "country..iso_code";
  EXPECT_EQ(GeoDatabase::open(options, &error), nullptr);
  EXPECT_NE(error.find("country..iso_code"), std::string::npos) << error;
}

// Addresses drawn to land in and around the nested networks: 10.A.5-7.x and 10.A.9.x and
// 10.A.200-207.x (/21 to /30), the rest of the /16s, the empty space beyond 10.63/16, and
// 2001:db8:A::/48 with its /56, /64 and /120. Each address is drawn from a pool some of the time,
// so that the cache is asked again for what it holds.
class AddressSource {
 public:
  explicit AddressSource(std::uint32_t seed) : random_(seed) {
    for (int i = 0; i < 4000; ++i) pool_.push_back(fresh());
  }
  zones::IpAddress next() {
    if (pick(3) == 0) return fresh();
    return pool_[pick(static_cast<std::uint32_t>(pool_.size()))];
  }

 private:
  std::uint32_t pick(std::uint32_t n) {
    return std::uniform_int_distribution<std::uint32_t>(0, n - 1)(random_);
  }
  zones::IpAddress fresh() {
    std::uint8_t b[16] = {};
    switch (pick(6)) {
      case 0: {  // near the nested IPv4 networks
        static const std::uint8_t kThird[] = {5, 6, 7, 9, 200, 203, 207, 4, 8};
        const std::uint8_t four[4] = {10, static_cast<std::uint8_t>(pick(70)), kThird[pick(9)],
                                      static_cast<std::uint8_t>(pick(256))};
        return zones::IpAddress::v4(four);
      }
      case 1:
      case 2: {  // anywhere in 10.0.0.0/9
        const std::uint8_t four[4] = {10, static_cast<std::uint8_t>(pick(128)),
                                      static_cast<std::uint8_t>(pick(256)),
                                      static_cast<std::uint8_t>(pick(256))};
        return zones::IpAddress::v4(four);
      }
      case 3: {  // anywhere
        const std::uint32_t x = pick(0xFFFFFFFFu);
        const std::uint8_t four[4] = {
            static_cast<std::uint8_t>(x >> 24), static_cast<std::uint8_t>(x >> 16),
            static_cast<std::uint8_t>(x >> 8), static_cast<std::uint8_t>(x)};
        return zones::IpAddress::v4(four);
      }
      default: {  // 2001:db8:A::/48, mostly near its nested networks
        b[0] = 0x20, b[1] = 0x01, b[2] = 0x0d, b[3] = 0xb8;
        b[5] = static_cast<std::uint8_t>(pick(36));
        static const std::uint8_t kSeventh[] = {0, 1, 2, 3, 0x80, 0xff};
        b[6] = kSeventh[pick(6)];
        b[7] = static_cast<std::uint8_t>(pick(4) == 0 ? pick(256) : 0);
        b[14] = static_cast<std::uint8_t>(pick(3) == 0 ? pick(256) : 0);
        b[15] = static_cast<std::uint8_t>(pick(256));
        return zones::IpAddress::v6(b);
      }
    }
  }
  std::mt19937 random_;
  std::vector<zones::IpAddress> pool_;
};

void expectSame(const Location& cached, const Location& tree, const zones::IpAddress& address) {
  SCOPED_TRACE(address.toString());
  EXPECT_EQ(cached.source, tree.source);
  EXPECT_STREQ(cached.continent, tree.continent);
  EXPECT_STREQ(cached.country, tree.country);
  EXPECT_EQ(cached.has_point, tree.has_point);
  EXPECT_EQ(cached.point.latitude, tree.point.latitude);
  EXPECT_EQ(cached.point.longitude, tree.point.longitude);
  EXPECT_EQ(cached.asn, tree.asn);
  EXPECT_EQ(cached.prefix, tree.prefix);
  EXPECT_EQ(cached.scope, tree.scope);
  EXPECT_EQ(cached.net_index, tree.net_index);
}

std::vector<NetLocation> someNets() {
  return {{cidr("10.1.0.0/16"), "NA", "US", testing::kWashington},
          {cidr("10.2.5.0/25"), "EU", "IE", std::nullopt},
          {cidr("2001:db8:4::/47"), "AS", "IN", std::nullopt}};
}

// A small cache (many collisions, entries replaced all the time) and a large one give exactly
// what the trees give, Location and ECS scope, with [geo.nets] in front.
TEST_F(GeoFiles, TheCacheGivesWhatTheTreesGive) {
  std::string error;
  auto trees = ClientLocator::create(someNets(), flat({v4_, v6_}, 0), &error);
  ASSERT_NE(trees, nullptr) << error;
  EXPECT_EQ(trees->database()->cacheEntries(), 0u);
  for (std::size_t entries : {std::size_t{64}, std::size_t{65536}}) {
    SCOPED_TRACE(entries);
    auto cached = ClientLocator::create(someNets(), flat({v4_, v6_}, entries), &error);
    ASSERT_NE(cached, nullptr) << error;
    EXPECT_EQ(cached->database()->cacheEntries(), entries);
    const GeoCacheCounts before = geoCacheCounts();
    AddressSource source(static_cast<std::uint32_t>(entries));
    const bool failed_before = HasFailure();
    for (int i = 0; i < 100000 && HasFailure() == failed_before; ++i) {
      const zones::IpAddress address = source.next();
      expectSame(cached->locate(address), trees->locate(address), address);
    }
    const GeoCacheCounts after = geoCacheCounts();
    // Most of the pool's addresses come back: hits, even in 64 slots.
    EXPECT_GT(after.hits - before.hits, entries > 64 ? 50000u : 5000u);
    EXPECT_GT(after.misses - before.misses, 1000u);
  }
}

// Four threads share one small cache, writing and reading the same slots at once: every answer
// is still the trees' (a torn entry would show as a wrong country or scope).
TEST_F(GeoFiles, TheCacheIsSharedSafelyByThreads) {
  std::string error;
  auto trees = ClientLocator::create(someNets(), flat({v4_, v6_}, 0), &error);
  auto cached = ClientLocator::create(someNets(), flat({v4_, v6_}, 256), &error);
  ASSERT_NE(cached, nullptr) << error;
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (std::uint32_t t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      AddressSource source(1000 + t);
      for (int i = 0; i < 40000; ++i) {
        const zones::IpAddress address = source.next();
        const Location a = cached->locate(address), b = trees->locate(address);
        if (a.source != b.source || std::string(a.country) != b.country || a.asn != b.asn ||
            a.prefix != b.prefix || a.scope != b.scope || a.has_point != b.has_point ||
            a.point.latitude != b.point.latitude) {
          ++wrong;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(wrong.load(), 0);
}

// A new locator (a reload) never answers from the old one's cache: each has its own.
TEST_F(GeoFiles, ANewLocatorStartsWithAnEmptyCache) {
  std::string error;
  auto first = ClientLocator::create({}, flat({v4_}), &error);
  ASSERT_NE(first, nullptr) << error;
  EXPECT_STREQ(first->locate(ip("10.3.6.20")).country, "JP");
  GeoDatabaseOptions renamed = flat({v4_});
  renamed.fields.country = "";  // the same file, read differently
  auto second = ClientLocator::create({}, renamed, &error);
  ASSERT_NE(second, nullptr) << error;
  const GeoCacheCounts before = geoCacheCounts();
  EXPECT_STREQ(second->locate(ip("10.3.6.20")).country, "");
  EXPECT_EQ(geoCacheCounts().misses - before.misses, 1u);
}

}  // namespace
}  // namespace nines::policy
