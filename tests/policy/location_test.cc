// ClientLocator against [geo.nets] and a real MaxMind DB written at test time by
// make_test_mmdb.pl (MaxMind::DB::Writer::Tree).
#include "nines/policy/location.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <string>

#include "policy_test_support.h"

namespace nines::policy {
namespace {

namespace fs = std::filesystem;
using testing::cidr;
using testing::ip;

class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "nines-policy-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  fs::path path() const { return path_; }

 private:
  fs::path path_;
};

// The database of make_test_mmdb.pl:
//   198.51.100.0/24   EU/IE (53.3, -6.3) AS64500
//   203.0.113.0/25    AS/IN (19.1, 72.9)
//   2001:db8:100::/48 NA/US (38.9, -77.0)
//   100.64.0.0/10     AS64512 only (no location fields)
class Locator : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    database_ = (dir_->path() / "test.mmdb").string();
    testing::writeTestDatabase(database_);
    ASSERT_TRUE(fs::exists(database_));
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }

  static std::vector<NetLocation> nets() {
    return {{cidr("198.51.100.0/25"), "NA", "US", testing::kWashington},
            {cidr("192.0.2.0/24"), "NA", "US", std::nullopt}};
  }

  static TempDir* dir_;
  static std::string database_;
};
TempDir* Locator::dir_ = nullptr;
std::string Locator::database_;

struct Case {
  std::string address;
  Location::Source source;
  std::string continent, country;
  std::optional<zones::GeoPoint> point;
  std::uint32_t asn;
  int prefix, scope;
  int net_index;
};

void check(const ClientLocator& locator, const Case& c) {
  SCOPED_TRACE(c.address);
  const Location l = locator.locate(ip(c.address));
  EXPECT_STREQ(sourceName(l.source), sourceName(c.source));
  EXPECT_EQ(std::string(l.continent), c.continent);
  EXPECT_EQ(std::string(l.country), c.country);
  EXPECT_EQ(l.has_point, c.point.has_value());
  if (c.point && l.has_point) {
    EXPECT_DOUBLE_EQ(l.point.latitude, c.point->latitude);
    EXPECT_DOUBLE_EQ(l.point.longitude, c.point->longitude);
  }
  EXPECT_EQ(l.asn, c.asn);
  EXPECT_EQ(l.prefix, c.prefix);
  EXPECT_EQ(l.scope, c.scope);
  EXPECT_EQ(l.net_index, c.net_index);
}

using S = Location::Source;

TEST_F(Locator, NetsThenDatabase) {
  std::string error;
  auto locator = ClientLocator::create(nets(), database_, &error);
  ASSERT_NE(locator, nullptr) << error;
  EXPECT_TRUE(locator->hasDatabase());
  const std::vector<Case> cases = {
      // nets first, even where the database knows the address.
      {"198.51.100.7", S::Nets, "NA", "US", testing::kWashington, 0, 25, 25, 0},
      {"192.0.2.1", S::Nets, "NA", "US", std::nullopt, 0, 24, 24, 1},
      // The other half of 198.51.100.0/24: the database's /24, but scope /25 so that a resolver
      // never caches it for the nets entry's half.
      {"198.51.100.200", S::Database, "EU", "IE", testing::kDublin, 64500, 24, 25, -1},
      {"203.0.113.5", S::Database, "AS", "IN", testing::kMumbai, 0, 25, 25, -1},
      // In the database without location fields: still a database answer.
      {"100.64.1.1", S::Database, "", "", std::nullopt, 64512, 10, 10, -1},
      {"2001:db8:100::1", S::Database, "NA", "US", testing::kWashington, 0, 48, 48, -1},
      // Unknown: the scope is the database's empty network (203.0.113.128/25; 2001:db8:200::
      // leaves 2001:db8:100::/48 at bit 38) or the nets table's, whichever is longer.
      {"203.0.113.200", S::Unknown, "", "", std::nullopt, 0, 0, 25, -1},
      {"2001:db8:200::1", S::Unknown, "", "", std::nullopt, 0, 0, 39, -1},
      // 192.0.3.1: the database's empty network is 192.0.0.0/6, but 192.0.2.0/24 of the nets
      // table is one bit away.
      {"192.0.3.1", S::Unknown, "", "", std::nullopt, 0, 0, 24, -1},
      // 10.1.1.1: empty database network 0.0.0.0/2 (100.64/10 starts 01), nets scope 1.
      {"10.1.1.1", S::Unknown, "", "", std::nullopt, 0, 0, 2, -1},
  };
  for (const Case& c : cases) check(*locator, c);
}

TEST_F(Locator, NetsOnly) {
  std::string error;
  auto locator = ClientLocator::create(nets(), "", &error);
  ASSERT_NE(locator, nullptr) << error;
  EXPECT_FALSE(locator->hasDatabase());
  const std::vector<Case> cases = {
      {"198.51.100.7", S::Nets, "NA", "US", testing::kWashington, 0, 25, 25, 0},
      {"198.51.100.200", S::Unknown, "", "", std::nullopt, 0, 0, 25, -1},
      {"10.1.1.1", S::Unknown, "", "", std::nullopt, 0, 0, 1, -1},
      {"2001:db8::1", S::Unknown, "", "", std::nullopt, 0, 0, 0, -1},
  };
  for (const Case& c : cases) check(*locator, c);
}

TEST_F(Locator, DatabaseOnly) {
  std::string error;
  auto locator = ClientLocator::create({}, database_, &error);
  ASSERT_NE(locator, nullptr) << error;
  const std::vector<Case> cases = {
      {"198.51.100.7", S::Database, "EU", "IE", testing::kDublin, 64500, 24, 24, -1},
      {"192.0.3.1", S::Unknown, "", "", std::nullopt, 0, 0, 6, -1},
  };
  for (const Case& c : cases) check(*locator, c);
}

TEST_F(Locator, MissingDatabaseIsAnError) {
  std::string error;
  auto locator = ClientLocator::create(nets(), (dir_->path() / "nope.mmdb").string(), &error);
  EXPECT_EQ(locator, nullptr);
  EXPECT_NE(error.find("nope.mmdb"), std::string::npos) << error;
}

TEST_F(Locator, NotADatabaseIsAnError) {
  const std::string path = (dir_->path() / "garbage.mmdb").string();
  {
    std::FILE* f = std::fopen(path.c_str(), "wb");
    ASSERT_NE(f, nullptr);
    std::fputs("this is not a MaxMind DB", f);
    std::fclose(f);
  }
  std::string error;
  EXPECT_EQ(ClientLocator::create({}, path, &error), nullptr);
  EXPECT_FALSE(error.empty());
}

}  // namespace
}  // namespace nines::policy
