// The whole configuration as a reload loads it (configuration.h): the config digest, the
// restart-only settings, and where a geo database error points.
#include "nines/dnsd/control/configuration.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "answer_cases.h"
#include "process.h"

namespace nines::dnsd {
namespace {

using nines::testing::TempDir;
using Strings = std::vector<std::string>;

const std::string kToml = "[server]\nlisten = [\"127.0.0.1:0\"]\nzones = \"zones\"\n";
const std::string kZone = nines::testing::exampleZone();

Configuration loadIn(const TempDir& dir, const std::string& toml, const std::string& zone) {
  dir.write("zones/example.test.toml", zone);
  return loadConfiguration(dir.write("dnsd.toml", toml));
}

TEST(ConfigDigest, SameFilesAnywhereSameDigestAndEveryFileCounts) {
  TempDir one, two;
  Configuration a = loadIn(one, kToml, kZone);
  Configuration b = loadIn(two, kToml, kZone);
  ASSERT_TRUE(a.errors.empty() && a.zones.errors.empty()) << a.zones.errors.size();
  EXPECT_EQ(a.digest.size(), 64u);
  EXPECT_EQ(a.digest, b.digest);
  // The zone files' texts come from the loader; read from disk instead, the digest is the same.
  std::string error;
  EXPECT_EQ(configDigest(a.config, {}, &error), a.digest) << error;
  EXPECT_NE(loadIn(two, kToml + "# changed\n", kZone).digest, a.digest);
  EXPECT_NE(loadIn(two, kToml, kZone + "# changed\n").digest, a.digest);
  two.write("zones/other.test.toml", "");  // a new (broken) zone file is part of it too
  EXPECT_NE(loadIn(two, kToml, kZone).digest, a.digest);
}

TEST(ConfigDigest, NetsFilesCountWithTheirZone) {
  const std::string zone = kZone + R"([regions.us]
[regions.eu]
[services.geo]
policy = "geo"
[services.geo.pools.us]
endpoints = ["192.0.2.1"]
[services.geo.pools.eu]
endpoints = ["198.51.100.1"]
[services.geo.geo]
nets_file = "nets/geo.nets"
)";
  TempDir one, two;
  one.write("zones/nets/geo.nets", "192.0.2.0/24 us eu\n");
  two.write("zones/nets/geo.nets", "192.0.2.0/24 us eu\n");
  Configuration a = loadIn(one, kToml, zone);
  ASSERT_TRUE(a.zones.errors.empty()) << a.zones.errors.front().toString();
  EXPECT_EQ(loadIn(two, kToml, zone).digest, a.digest) << "the same files elsewhere";
  two.write("zones/nets/geo.nets", "192.0.2.0/24 eu us\n");
  EXPECT_NE(loadIn(two, kToml, zone).digest, a.digest) << "a changed nets file";
}

TEST(ConfigDigest, FilesTheLoaderSkipsAreNotPartOfIt) {
  TempDir one, two;
  Configuration a = loadIn(one, kToml, kZone);
  two.write("zones/.example.test.toml.swp.toml", "an editor's lock file");
  two.write("zones/notes.txt", "not a zone file");
  EXPECT_EQ(loadIn(two, kToml, kZone).digest, a.digest);
}

TEST(ConfigDigest, DigestFileIsReadAsTheExpectedDigest) {
  TempDir dir;
  dir.write("deployed", "0123abcd  dnsd.toml\n");
  EXPECT_EQ(loadIn(dir, kToml + "digest_file = \"deployed\"\n", kZone).expected_digest, "0123abcd");
  Configuration missing = loadIn(dir, kToml + "digest_file = \"nowhere\"\n", kZone);
  EXPECT_TRUE(missing.errors.empty());
  EXPECT_EQ(missing.expected_digest, "");
  EXPECT_EQ(missing.warnings.size(), 1u);
}

TEST(Configuration, AnUnreadableGeoDatabaseIsAnErrorAtItsKey) {
  TempDir dir;
  dir.write("geo.mmdb", "not a database");
  Configuration c = loadIn(dir, kToml + "[geo]\ndatabase = \"geo.mmdb\"\n", kZone);
  ASSERT_EQ(c.errors.size(), 1u);
  EXPECT_EQ(c.errors[0].where.file, dir.path() + "/dnsd.toml");
  EXPECT_EQ(c.errors[0].where.line, 5u);
  EXPECT_EQ(c.errors[0].where.column, 12u);
  EXPECT_EQ(c.locator, nullptr);
}

// Each of [geo] databases is opened; the one that cannot be is the error, at its entry.
TEST(Configuration, AnUnreadableDatabaseOfSeveralIsAnErrorAtItsEntry) {
  TempDir dir;
  const std::string make = "perl '" + std::string(NINES_SOURCE_DIR) +
                           "/tests/policy/make_test_mmdb.pl' '" + dir.path() + "/good.mmdb'";
  ASSERT_EQ(std::system(make.c_str()), 0) << make;
  dir.write("bad.mmdb", "not a database");
  Configuration c =
      loadIn(dir, kToml + "[geo]\ndatabases = [\"good.mmdb\", \"bad.mmdb\"]\n", kZone);
  ASSERT_EQ(c.errors.size(), 1u);
  EXPECT_EQ(c.errors[0].where.line, 5u);
  EXPECT_EQ(c.errors[0].where.column, 27u);
  EXPECT_NE(c.errors[0].message.find("bad.mmdb"), std::string::npos) << c.errors[0].message;
  EXPECT_EQ(c.locator, nullptr);
  Configuration good = loadIn(dir, kToml + "[geo]\ndatabases = [\"good.mmdb\"]\n", kZone);
  ASSERT_TRUE(good.errors.empty()) << good.errors[0].toString();
  EXPECT_TRUE(good.locator->hasDatabase());
  ASSERT_EQ(good.geo_stamps.size(), 1u);  // watched, stamped when opened
  EXPECT_TRUE(good.geo_stamps[0].exists);
  // Every database file is part of the digest.
  dir.write("good.mmdb", "changed");
  std::string error;
  const std::string changed = configDigest(good.config, good.zones.zones, &error);
  EXPECT_EQ(changed.size(), 64u) << error;
  EXPECT_NE(changed, good.digest);
}

TEST(Configuration, AZonesPathThatIsNotThereIsAnErrorAtItsKey) {
  TempDir dir;
  Configuration c =
      loadIn(dir, "[server]\nlisten = [\"127.0.0.1:0\"]\nzones = \"nowhere\"\n", kZone);
  ASSERT_EQ(c.errors.size(), 1u);
  EXPECT_EQ(c.errors[0].toString(), dir.path() + "/dnsd.toml:3:9: zones \"" + dir.path() +
                                        "/nowhere\": no such file or "
                                        "directory");
}

TEST(RestartRequired, ListsWhatOnlyARestartApplies) {
  struct Case {
    std::string extra;  // added to [server] of the reloaded file
    std::string sections;
    Strings restart;
  };
  const std::vector<Case> cases = {
      {"", "", {}},
      {"threads = 4\n", "", {"[server] threads"}},
      {"udp_queues = 2\n", "", {"[server] udp_queues"}},
      {"decision_cache_entries = 65536\n", "", {"[server] decision_cache_entries"}},
      // The TCP limits apply live; the UDP payload size does not.
      {"udp_payload = 1400\ntcp_max_connections = 5\ntcp_idle_timeout = 2.0\n"
       "tcp_max_connections_per_client = 3\ntcp_max_connection_time = 9\n"
       "tcp_max_queries_per_connection = 7\n",
       "",
       {"[server] udp_payload"}},
      {"", "[http]\nlisten = \"127.0.0.1:9\"\n", {"[http] listen"}},
      {"", "[http]\ntoken = \"t\"\n[health]\nquorum = 0.7\nallow_nets = [\"127.0.0.0/8\"]\n", {}},
      {"", "[health]\nreport_ttl = 3\n", {"[health] report_ttl (with the embedded prober)"}},
      {"", "[log]\nformat = \"json\"\nlevel = \"debug\"\n", {"[log] format"}},
      {"user = \"nobody\"\n", "", {"[server] user"}},
      {"", "[query_log]\npath = \"q.dnstap\"\n", {"[query_log]"}},
      {"",
       "[[health.probers]]\nid = \"p\"\nkey = \"bmluZXMtdGVzdC1rZXktb2YtcHJvYmVyLXAxLTAwMDE=\"\n",
       {"[[health.probers]] (between the embedded prober and remote probers)"}},
  };
  TempDir dir;
  ConfigResult running = loadServerConfig(dir.write("dnsd.toml", kToml));
  ASSERT_TRUE(running.errors.empty());
  for (const auto& c : cases) {
    SCOPED_TRACE(c.extra + c.sections);
    ConfigResult next = loadServerConfig(dir.write("next.toml", kToml + c.extra + c.sections));
    ASSERT_TRUE(next.errors.empty()) << next.errors.front().toString();
    EXPECT_EQ(restartRequired(running.config, next.config), c.restart);
    // What applies keeps the running values of those settings.
    Config applied = applicableConfig(running.config, next.config);
    EXPECT_TRUE(restartRequired(running.config, applied).empty());
    EXPECT_EQ(applied.health.quorum, next.config.health.quorum);
    EXPECT_EQ(applied.http.token, next.config.http.token);
    EXPECT_EQ(applied.log.level, next.config.log.level);
  }
}

}  // namespace
}  // namespace nines::dnsd
