// GeoIP databases on the real dnsd (README "GeoIP databases"): separate IPv4 and IPv6 files in
// ip-location-db's flat layout read through [geo.fields], continents from country codes, a
// database swapped by SIGHUP and by a rewrite that dnsd notices itself ([geo] watch), and a
// broken database that changes nothing.
#include <gtest/gtest.h>
#include <signal.h>

#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "integration_harness.h"
#include "policy_harness.h"

namespace nines::integration {
namespace {

using nlohmann::json;

// gslb.test's www: EU -> eu-west first, IN (and AS) -> ap-south, BR -> us-east. The files say
// which country each client network is in, and nothing of continents.
void writeDatabase(const std::string& path, int version, const std::vector<std::string>& networks) {
  std::string command = "perl '" + std::string(NINES_SOURCE_DIR) +
                        "/tests/support/make_country_mmdb.pl' '" + path + "' " +
                        std::to_string(version);
  for (const auto& network : networks) command += " " + network;
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
}

// Written next to dnsd.toml and renamed into place, as database updaters do.
void replaceDatabase(const DnsdServer& server, const std::string& name, int version,
                     const std::vector<std::string>& networks) {
  const std::filesystem::path dir = server.dir().path();
  writeDatabase((dir / (name + ".new")).string(), version, networks);
  std::filesystem::rename(dir / (name + ".new"), dir / name);
}

std::string geoSection(bool watch) {
  return "[geo]\ndatabases = [\"geo-v6.mmdb\", \"geo-v4.mmdb\"]\nwatch = " +
         std::string(watch ? "true" : "false") +
         "\n[geo.fields]\ncountry = \"country_code\"\nlatitude = \"latitude\"\n"
         "longitude = \"longitude\"\n";
}

class GeoDatabases : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    // The databases must be there before dnsd starts: a temporary directory of its own is made
    // by DnsdServer, so the first dnsd.toml has no [geo] and a reload brings it in.
    server_ = std::make_unique<DnsdServer>(
        std::map<std::string, std::string>{{"gslb.test.toml", gslbZone()}}, DnsdServer::Options{},
        "[http]\nlisten = \"127.0.0.1:0\"\n");
    ASSERT_TRUE(server_->ready());
    http_ = server_->httpPort();
    writeDatabase(path("geo-v4.mmdb"), 4,
                  {"100.64.1.0/24=IE", "100.64.2.0/24=IN", "100.64.3.16/28=BR"});
    writeDatabase(path("geo-v6.mmdb"), 6, {"2001:db8:aa::/48=IE", "2001:db8:bb::/48=IN"});
    // As DnsdServer wrote it, with [geo]: nothing that takes a restart.
    server_->dir().write("dnsd.toml",
                         "[server]\nlisten = [\"127.0.0.1:0\"]\nzones = \"zones\"\nthreads = 1\n"
                         "[http]\nlisten = \"127.0.0.1:0\"\n" +
                             geoSection(GetParam()));
    reload();
  }

  std::string path(const std::string& name) const { return server_->dir().path() + "/" + name; }
  int failures() { return statusJson(http_, "?votes=0")["reload"]["failures"].get<int>(); }
  int successes() { return statusJson(http_, "?votes=0")["reload"]["successes"].get<int>(); }
  void reload() {
    const int before = successes();
    server_->process().signal(SIGHUP);
    ASSERT_TRUE(waitUntil([&] { return successes() > before; })) << server_->process().log();
  }
  std::string region(const std::string& ecs) {
    const Strings regions = regionsOf(server_->askEcs("www.gslb.test.", "A", ecs).answer);
    return regions.empty() ? "none" : regions.front();
  }
  std::string ecsOption(const std::string& ecs) {
    return server_->askEcs("www.gslb.test.", "A", ecs).ecs_option;
  }

  std::unique_ptr<DnsdServer> server_;
  std::uint16_t http_ = 0;
};

TEST_P(GeoDatabases, SeparateFilesLocateIpv4AndIpv6Clients) {
  EXPECT_EQ(region("100.64.1.0/24"), "eu-west");  // IE: EU from the country code
  EXPECT_EQ(region("100.64.2.0/24"), "ap-south");
  EXPECT_EQ(region("2001:db8:aa::/48"), "eu-west");
  EXPECT_EQ(region("2001:db8:bb::/48"), "ap-south");
  // A /28 of the database inside the client's /24: decided by it, and the scope says so.
  EXPECT_EQ(region("100.64.3.16/28"), "us-east");
  EXPECT_EQ(ecsOption("100.64.3.0/24"), "100.64.3.0/24/28");
}

// SIGHUP (watch off) or the watch alone swaps a rewritten database; a broken one changes nothing
// and the error is logged; the next good one is taken.
TEST_P(GeoDatabases, AChangedDatabaseIsTakenAndABrokenOneKeepsTheOld) {
  const bool watch = GetParam();
  ASSERT_EQ(region("100.64.1.0/24"), "eu-west");
  auto apply = [&] {
    if (!watch) server_->process().signal(SIGHUP);
  };
  replaceDatabase(*server_, "geo-v4.mmdb", 4, {"100.64.1.0/24=IN"});
  apply();
  // The watch looks once a second and waits for the file to settle over one more look.
  EXPECT_TRUE(
      waitUntil([&] { return region("100.64.1.0/24") == "ap-south"; }, std::chrono::seconds(30)))
      << server_->process().log();
  EXPECT_EQ(region("2001:db8:aa::/48"), "eu-west");  // the IPv6 file unchanged

  const int failures_before = failures();
  server_->dir().write("geo-v4.mmdb.new", "not a MaxMind database");
  std::filesystem::rename(server_->dir().path() + "/geo-v4.mmdb.new", path("geo-v4.mmdb"));
  apply();
  ASSERT_TRUE(waitUntil([&] { return failures() > failures_before; }, std::chrono::seconds(30)))
      << server_->process().log();
  EXPECT_NE(server_->process().log().find("geo-v4.mmdb"), std::string::npos);
  EXPECT_EQ(region("100.64.1.0/24"), "ap-south");  // the old database keeps serving
  EXPECT_EQ(region("2001:db8:bb::/48"), "ap-south");

  replaceDatabase(*server_, "geo-v4.mmdb", 4, {"100.64.1.0/24=BR"});
  apply();
  EXPECT_TRUE(
      waitUntil([&] { return region("100.64.1.0/24") == "us-east"; }, std::chrono::seconds(30)))
      << server_->process().log();
  if (watch) {
    EXPECT_NE(server_->process().log().find("geo-v4.mmdb changed: reloading"), std::string::npos);
  }
}

// An operator who copies a new database over the old one (cp, not mv) rewrites the file dnsd
// reads: truncated first, then written. dnsd answers throughout, from the database it loaded, and
// takes the new one once it is whole.
TEST_P(GeoDatabases, ADatabaseRewrittenInPlaceKeepsDnsdAnswering) {
  const bool watch = GetParam();
  ASSERT_EQ(region("100.64.1.0/24"), "eu-west");
  std::filesystem::resize_file(path("geo-v4.mmdb"), 0);
  // Clients not asked about before, so that the database itself is read, not a cache.
  EXPECT_EQ(region("100.64.2.0/24"), "ap-south");
  EXPECT_EQ(region("100.64.3.16/28"), "us-east");
  EXPECT_TRUE(server_->process().running()) << server_->process().log();
  writeDatabase(path("geo-v4.mmdb"), 4, {"100.64.1.0/24=BR", "100.64.9.0/24=IN"});
  if (!watch) server_->process().signal(SIGHUP);
  EXPECT_TRUE(
      waitUntil([&] { return region("100.64.9.0/24") == "ap-south"; }, std::chrono::seconds(30)))
      << server_->process().log();
  EXPECT_EQ(region("100.64.1.0/24"), "us-east");
  EXPECT_TRUE(server_->process().running()) << server_->process().log();
}

INSTANTIATE_TEST_SUITE_P(SighupOrWatch, GeoDatabases, ::testing::Bool(),
                         [](const auto& param) { return param.param ? "Watch" : "Sighup"; });

}  // namespace
}  // namespace nines::integration
