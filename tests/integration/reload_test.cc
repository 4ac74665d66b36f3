// Reload of everything (dnsd.toml, zone files, geo database) on the real dnsd: SIGHUP and
// POST /v1/reload, a failed reload of each kind of file, restart-only settings, the config digest,
// a prober key rotation, health and drains across reloads, and twenty reloads under query load.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "health_harness.h"
#include "integration_harness.h"
#include "policy_harness.h"

namespace nines::integration {
namespace {

using nines::testing::binaryPath;
using nines::testing::runCommand;
using nlohmann::json;

constexpr const char* kToken = "reload-test-token";

// A dnsd.toml as DnsdServer writes it (loopback, port 0, one thread, zones "zones"), with
// `server_extra` in [server] and `sections` after it.
std::string dnsdToml(const std::string& sections, const std::string& server_extra = "") {
  return "[server]\nlisten = [\"127.0.0.1:0\"]\nzones = \"zones\"\nthreads = 1\n" + server_extra +
         sections;
}

std::string httpSection(const std::string& token = kToken) {
  return "[http]\nlisten = \"127.0.0.1:0\"\ntoken = \"" + token + "\"\n";
}

HttpReply postReload(std::uint16_t http, const std::string& token = kToken) {
  return httpPost(http, "/v1/reload", "", token);
}

std::string wwwAddress(const DnsdServer& server) {
  Response r = server.ask("www.example.test.", "A");
  // exampleZone(ADDRESS): www has ADDRESS first, then 192.0.2.11.
  Strings addresses = addressesOf(r.answer);
  return addresses.size() == 2 ? addresses[0] : "?";
}

// Whether `errors` (a JSON array of strings) has one "`file`:`line`:COL: ..." with COL > 0 and
// containing `text`.
bool hasLocatedError(const json& errors, const std::string& file, int line,
                     const std::string& text) {
  if (!errors.is_array()) return false;
  const std::string prefix = file + ":" + std::to_string(line) + ":";
  for (const auto& error : errors) {
    const std::string e = error.get<std::string>();
    if (e.rfind(prefix, 0) == 0 && e.size() > prefix.size() && e[prefix.size()] >= '1' &&
        e[prefix.size()] <= '9' && e.find(text) != std::string::npos) {
      return true;
    }
  }
  return false;
}

class ReloadTest : public ::testing::Test {
 protected:
  void start(const std::map<std::string, std::string>& zones, const std::string& sections) {
    server_ = std::make_unique<DnsdServer>(zones, DnsdServer::Options{}, sections);
    ASSERT_TRUE(server_->ready());
    http_ = server_->httpPort();
    ASSERT_NE(http_, 0) << server_->process().log();
  }
  void writeConfig(const std::string& text) { server_->dir().write("dnsd.toml", text); }
  json reloadStatus() { return statusJson(http_, "?votes=0")["reload"]; }

  std::unique_ptr<DnsdServer> server_;
  std::uint16_t http_ = 0;
};

TEST_F(ReloadTest, PostReloadNeedsTheTokenAndRepliesWithTheResult) {
  start({{"example.test.toml", exampleZone("192.0.2.10")}}, httpSection());
  EXPECT_EQ(httpPost(http_, "/v1/reload", "").status, 401);
  EXPECT_EQ(postReload(http_, "wrong-token").status, 401);
  server_->writeZone("example.test.toml", exampleZone("192.0.2.20"));
  HttpReply reply = postReload(http_);
  ASSERT_EQ(reply.status, 200) << reply.body;
  json body = json::parse(reply.body);
  EXPECT_EQ(body["result"], "success");
  EXPECT_TRUE(body["errors"].empty());
  EXPECT_TRUE(body["restart_required"].empty());
  EXPECT_EQ(body["config_digest"].get<std::string>().size(), 64u);
  EXPECT_EQ(wwwAddress(*server_), "192.0.2.20");
  json status = statusJson(http_, "?votes=0");
  EXPECT_EQ(status["reload"]["successes"], 2);  // the first load and this reload
  EXPECT_EQ(status["config_digest"], body["config_digest"]);
}

TEST_F(ReloadTest, NoTokenConfiguredRefusesReload) {
  start({{"example.test.toml", exampleZone()}}, "[http]\nlisten = \"127.0.0.1:0\"\n");
  EXPECT_EQ(postReload(http_).status, 403);
}

// A failed reload of each kind of file: the old state keeps serving (the zone change made at the
// same time does not show), the reply, /v1/status and the log say where the error is, and the
// next good reload recovers.
struct FailureCase {
  const char* what;
  // Breaks something in `dir` and returns {file, line, text} of the error expected.
  std::function<std::tuple<std::string, int, std::string>(const nines::testing::TempDir& dir)>
      breakIt;
  bool zone_change_applies;  // a zone error leaves the other zones' changes in force
};

TEST_F(ReloadTest, AFailedReloadOfEachKindOfFileKeepsTheOldStateAndSaysWhere) {
  const std::string good = dnsdToml(httpSection());
  const std::vector<FailureCase> cases = {
      {"dnsd.toml syntax error",
       [&](const auto& dir) {
         const std::string bad = good + "[health\nquorum = 0.5\n";
         dir.write("dnsd.toml", bad);
         return std::make_tuple(dir.path() + "/dnsd.toml", nines::testing::lineOf(bad, "[health"),
                                std::string(""));
       },
       false},
      {"dnsd.toml bad value",
       [&](const auto& dir) {
         const std::string bad = good + "[health]\nquorum = 2\n";
         dir.write("dnsd.toml", bad);
         return std::make_tuple(dir.path() + "/dnsd.toml", nines::testing::lineOf(bad, "quorum"),
                                std::string("quorum must be"));
       },
       false},
      {"unreadable geo database",
       [&](const auto& dir) {
         dir.write("geo.mmdb", "not a MaxMind database");
         const std::string bad = good + "[geo]\ndatabase = \"geo.mmdb\"\n";
         dir.write("dnsd.toml", bad);
         return std::make_tuple(dir.path() + "/dnsd.toml", nines::testing::lineOf(bad, "database"),
                                std::string("geo.mmdb"));
       },
       false},
      {"zone file error",
       [&](const auto& dir) {
         const std::string bad = shortTtlZone() + "broken = [\"A 192.0.2.300\"]\n";
         dir.write("zones/short.test.toml", bad);
         return std::make_tuple(dir.path() + "/zones/short.test.toml",
                                nines::testing::lineOf(bad, "192.0.2.300"),
                                std::string("192.0.2.300"));
       },
       true},
  };
  std::string before = "192.0.2.100";
  start({{"example.test.toml", exampleZone(before)}, {"short.test.toml", shortTtlZone()}},
        httpSection());
  int address = 101;
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    const std::string after = "192.0.2." + std::to_string(address++);
    const json digest_before = statusJson(http_, "?votes=0")["config_digest"];
    server_->writeZone("example.test.toml", exampleZone(after));
    auto [file, line, text] = c.breakIt(server_->dir());
    const bool by_signal = c.what[0] == 'z';  // one kind by SIGHUP, to cover both doors
    if (by_signal) {
      const auto failures = reloadStatus()["failures"].get<int>();
      server_->process().signal(SIGHUP);
      ASSERT_TRUE(waitUntil([&] { return reloadStatus()["failures"].get<int>() > failures; }));
    } else {
      HttpReply reply = postReload(http_);
      EXPECT_EQ(reply.status, 422) << reply.body;
      json body = json::parse(reply.body, nullptr, false);
      EXPECT_EQ(body["result"], "failure");
      EXPECT_TRUE(hasLocatedError(body["errors"], file, line, text)) << reply.body;
    }
    json reload = reloadStatus();
    EXPECT_EQ(reload["result"], "failure") << reload;
    EXPECT_TRUE(hasLocatedError(reload["errors"], file, line, text)) << reload;
    EXPECT_NE(server_->process().log().find(file + ":" + std::to_string(line) + ":"),
              std::string::npos);
    EXPECT_EQ(wwwAddress(*server_), c.zone_change_applies ? after : before);
    // The zone that failed keeps its last good version.
    EXPECT_EQ(server_->ask("short.test.", "SOA").rcode, "NOERROR");
    if (!c.zone_change_applies) {
      EXPECT_EQ(statusJson(http_, "?votes=0")["config_digest"], digest_before);
    }
    // Fixed: the next reload recovers.
    server_->dir().write("dnsd.toml", good);
    server_->writeZone("short.test.toml", shortTtlZone());
    HttpReply fixed = postReload(http_);
    EXPECT_EQ(fixed.status, 200) << fixed.body;
    EXPECT_EQ(wwwAddress(*server_), after);
    EXPECT_EQ(reloadStatus()["result"], "success");
    before = after;
  }
}

TEST_F(ReloadTest, RestartOnlySettingsAreReportedAndTheRestApplies) {
  start({{"example.test.toml", exampleZone("192.0.2.10")}}, httpSection());
  std::string text =
      dnsdToml(httpSection("the-new-token"), "tcp_idle_timeout = 0.5\nudp_payload = 1400\n");
  text.replace(text.find("threads = 1"), 11, "threads = 2");
  writeConfig(text);
  server_->writeZone("example.test.toml", exampleZone("192.0.2.20"));
  HttpReply reply = postReload(http_);
  ASSERT_EQ(reply.status, 200) << reply.body;
  json body = json::parse(reply.body);
  EXPECT_EQ(body["restart_required"], json::array({"[server] threads", "[server] udp_payload"}));
  EXPECT_EQ(reloadStatus()["restart_required"], body["restart_required"]);
  EXPECT_NE(server_->process().log().find("restart required for [server] threads"),
            std::string::npos);
  // The rest applied: the zone change and the new token (the old one is refused now).
  EXPECT_EQ(wwwAddress(*server_), "192.0.2.20");
  EXPECT_EQ(postReload(http_, kToken).status, 401);
  EXPECT_EQ(postReload(http_, "the-new-token").status, 200);
  // The TCP idle timeout too: down from 10 s to 0.5 s, a silent connection is closed well before
  // the old timeout.
  nines::testing::TcpConnection silent(server_->port());
  ASSERT_TRUE(silent.connected());
  const auto opened = std::chrono::steady_clock::now();
  EXPECT_TRUE(silent.waitClosedByPeer(7000));
  EXPECT_LT(std::chrono::steady_clock::now() - opened, std::chrono::seconds(8));
}

TEST(ReloadDigest, SameFilesInOtherDirectoriesHaveTheSameDigest) {
  const std::map<std::string, std::string> zones = {{"example.test.toml", exampleZone()},
                                                    {"short.test.toml", shortTtlZone()}};
  DnsdServer a(zones, DnsdServer::Options{}, httpSection());
  DnsdServer b(zones, DnsdServer::Options{}, httpSection());
  ASSERT_TRUE(a.ready());
  ASSERT_TRUE(b.ready());
  ASSERT_NE(a.dir().path(), b.dir().path());
  const json digest_a = statusJson(a.httpPort(), "?votes=0")["config_digest"];
  ASSERT_TRUE(digest_a.is_string());
  EXPECT_EQ(digest_a.get<std::string>().size(), 64u);
  EXPECT_EQ(statusJson(b.httpPort(), "?votes=0")["config_digest"], digest_a);
  // `ninesctl check --config` prints the same digest.
  auto check = runCommand({binaryPath("ninesctl"), "check", "--config", a.configPath()});
  EXPECT_EQ(check.status, 0) << check.err;
  EXPECT_NE(check.out.find("config digest " + digest_a.get<std::string>()), std::string::npos)
      << check.out;
  // A changed zone file changes it; the digest_file is read at each load.
  b.writeZone("short.test.toml", shortTtlZone() + "# a comment\n");
  b.dir().write("deployed.sha256", digest_a.get<std::string>() + "  -\n");
  b.dir().write("dnsd.toml", dnsdToml(httpSection(), "digest_file = \"deployed.sha256\"\n"));
  ASSERT_EQ(postReload(b.httpPort()).status, 200);
  json status = statusJson(b.httpPort(), "?votes=0");
  EXPECT_NE(status["config_digest"], digest_a);
  EXPECT_EQ(status["expected_digest"], digest_a);
}

TEST(ReloadCli, CheckConfigPrintsEveryProblemAndReloadReportsTheResult) {
  DnsdServer server({{"example.test.toml", exampleZone("192.0.2.10")}}, DnsdServer::Options{},
                    httpSection());
  ASSERT_TRUE(server.ready());
  const std::string ctl = binaryPath("ninesctl");
  const std::string url = "http://127.0.0.1:" + std::to_string(server.httpPort());
  // (--config would name port 0, the port dnsd was told to pick: --server names the one it did.)
  auto reload = runCommand({ctl, "reload", "--server", url, "--token", kToken});
  EXPECT_EQ(reload.status, 0) << reload.err;
  EXPECT_NE(reload.out.find("reload succeeded"), std::string::npos) << reload.out;
  // Two problems in two files: both printed, exit 1; dnsd's reload fails the same way.
  const std::string bad_toml =
      dnsdToml(httpSection()) + "[[health.probers]]\nid = \"p1\"\nkey = \"not base64!\"\n";
  server.dir().write("dnsd.toml", bad_toml);
  auto check = runCommand({ctl, "check", "--config", server.configPath()});
  EXPECT_EQ(check.status, 1);
  EXPECT_NE(check.err.find(server.configPath() + ":" +
                           std::to_string(nines::testing::lineOf(bad_toml, "not base64")) + ":"),
            std::string::npos)
      << check.err;
  reload = runCommand({ctl, "reload", "--server", url, "--token", kToken});
  EXPECT_EQ(reload.status, 1);
  EXPECT_NE(reload.err.find("must be base64"), std::string::npos) << reload.err;
  server.dir().write("dnsd.toml", dnsdToml(httpSection()));
  server.writeZone("example.test.toml", exampleZone("192.0.2.300"));
  check = runCommand({ctl, "check", "--config", server.configPath()});
  EXPECT_EQ(check.status, 1);
  EXPECT_NE(check.err.find(server.zonePath("example.test.toml") + ":"), std::string::npos)
      << check.err;
}

// The geo database and [geo.nets] are applied by a reload; a database replaced by a bad one is
// refused and the old locator keeps serving.
TEST(ReloadGeo, ChangedNetsAndDatabaseApplyAndABadDatabaseChangesNothing) {
  const std::string ecs = "198.51.100.0/24";
  DnsdServer server({{"gslb.test.toml", gslbZone()}}, DnsdServer::Options{}, gslbSections());
  ASSERT_TRUE(server.ready());
  const std::uint16_t http = server.httpPort();
  auto region = [&] { return regionsOf(server.askEcs("www.gslb.test.", "A", ecs).answer); };
  ASSERT_EQ(region().front(), "eu-west");  // [geo.nets]: EU/IE
  // [geo.nets] now puts that network in India.
  std::string sections = gslbSections();
  sections = std::regex_replace(sections, std::regex(R"("198\.51\.100\.0/24" = \{[^\n]*)"),
                                R"("198.51.100.0/24" = { continent = "AS", country = "IN" })");
  server.dir().write("dnsd.toml", dnsdToml(sections));
  ASSERT_EQ(postReload(http, kGslbToken).status, 200);
  EXPECT_EQ(region().front(), "ap-south");
  // The entry gone, a MaxMind DB (EU/IE for 198.51.100.0/24) in its place.
  std::filesystem::path dir = server.dir().path();
  const std::string make = "perl '" + std::string(NINES_SOURCE_DIR) +
                           "/tests/policy/make_test_mmdb.pl' '" + (dir / "geo.mmdb").string() + "'";
  ASSERT_EQ(std::system(make.c_str()), 0);
  sections =
      std::regex_replace(gslbSections(), std::regex(R"("198\.51\.100\.0/24" = \{[^\n]*\n)"), "");
  server.dir().write("dnsd.toml", dnsdToml(sections + "[geo]\ndatabase = \"geo.mmdb\"\n"));
  // [geo] after [geo.nets]: TOML allows defining the parent table later.
  HttpReply reply = postReload(http, kGslbToken);
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(region().front(), "eu-west");
  // Replaced (by rename, as database updaters do) with a file that is not a database.
  server.dir().write("geo.mmdb.new", "garbage");
  std::filesystem::rename(dir / "geo.mmdb.new", dir / "geo.mmdb");
  reply = postReload(http, kGslbToken);
  EXPECT_EQ(reply.status, 422) << reply.body;
  EXPECT_NE(reply.body.find("geo.mmdb"), std::string::npos) << reply.body;
  EXPECT_EQ(region().front(), "eu-west");
}

// Key rotation without a restart and without losing the prober's votes or its sequence; health
// state and API drains survive every reload.
TEST(ReloadHealth, KeyRotationKeepsVotesSequenceAndDrains) {
  const ProberSpec old_key = testProbers()[0];  // p1
  ProberSpec new_key = testProbers()[1];
  new_key.id = "p1";
  auto sections = [&](const std::string& probers) {
    return httpSection() + "[health]\nallow_nets = [\"127.0.0.0/8\"]\nreport_ttl = 60\n" +
           "[[health.probers]]\nid = \"p1\"\n" + probers;
  };
  DnsdServer server({{"health.test.toml", healthZone(9, CheckTiming{}, 0)}}, DnsdServer::Options{},
                    sections("key = \"" + old_key.key_base64 + "\"\n"));
  ASSERT_TRUE(server.ready());
  const std::uint16_t http = server.httpPort();
  const std::vector<std::pair<std::string, bool>> votes = {
      {kHealthEndpoints[0], false}, {kHealthEndpoints[1], true}, {kHealthEndpoints[2], true}};
  auto state = [&] { return endpointState(http, "app", kHealthEndpoints[0]); };
  std::uint64_t seq = 0;
  ASSERT_EQ(postSigned(http, old_key, ++seq, votes), 200);
  ASSERT_TRUE(waitUntil([&] { return state() == "down"; })) << state();
  ASSERT_EQ(httpPost(http, "/v1/drain", R"({"region": "ap-south"})", kToken).status, 200);
  auto drained = [&] { return regionStatus(statusJson(http, "?votes=0"), "app", "ap-south"); };
  ASSERT_TRUE(waitUntil([&] { return drained()["state"] == "drained"; })) << drained();

  // Step 1: dnsd takes both keys (by SIGHUP); the prober has not switched yet.
  server.dir().write("dnsd.toml",
                     dnsdToml(sections("key = \"" + new_key.key_base64 + "\"\nprevious_key = \"" +
                                       old_key.key_base64 + "\"\n")));
  const auto successes = statusJson(http, "?votes=0")["reload"]["successes"].get<int>();
  server.process().signal(SIGHUP);
  ASSERT_TRUE(waitUntil(
      [&] { return statusJson(http, "?votes=0")["reload"]["successes"].get<int>() > successes; }));
  EXPECT_EQ(state(), "down");  // the vote survived the reload
  EXPECT_EQ(postSigned(http, old_key, ++seq, votes), 200);
  // Step 2: the prober switches.
  EXPECT_EQ(postSigned(http, new_key, ++seq, votes), 200);
  EXPECT_EQ(postSigned(http, new_key, seq, votes), 409);  // its sequence survived as well
  EXPECT_EQ(state(), "down");
  // Step 3: the old key is dropped (by POST /v1/reload).
  server.dir().write("dnsd.toml", dnsdToml(sections("key = \"" + new_key.key_base64 + "\"\n")));
  ASSERT_EQ(postReload(http).status, 200);
  EXPECT_EQ(state(), "down");
  EXPECT_EQ(postSigned(http, old_key, ++seq, votes), 401);
  EXPECT_EQ(postSigned(http, new_key, ++seq, votes), 200);
  json status = statusJson(http);
  EXPECT_EQ(reportCount(status, "p1", "accepted"), 4);
  EXPECT_EQ(reportCount(status, "p1", "bad_signature"), 1);
  EXPECT_EQ(drained()["state"], "drained");  // the API drain survived three reloads
  const std::string log = server.process().log();
  EXPECT_EQ(log.find(old_key.key_base64), std::string::npos);
  EXPECT_EQ(log.find(new_key.key_base64), std::string::npos);
}

// A bounded UDP load (one sender, every query's id tracked, every response decoded by ldns) while
// dnsd reloads twenty times, alternating SIGHUP and POST /v1/reload, with www.example.test moving
// between two addresses: no query lost, no SERVFAIL, every answer one of the two versions.
TEST(ReloadUnderLoad, TwentyReloadsLoseNoQueryAndAnswerNothingWrong) {
  const std::string a = "192.0.2.10", b = "192.0.2.20";
  DnsdServer server({{"example.test.toml", exampleZone(a)}}, DnsdServer::Options{}, httpSection());
  ASSERT_TRUE(server.ready());
  const std::uint16_t port = server.port(), http = server.httpPort();

  constexpr std::size_t kMaxQueries = 20000;  // bound on the load, whatever the timing
  constexpr std::size_t kWindow = 16;         // in flight at once: no queue for the kernel to drop
  std::atomic<bool> reloads_done{false};
  std::vector<std::uint8_t> answered(65536, 0);
  std::size_t sent = 0, received = 0, servfail = 0, wrong = 0;
  std::string first_wrong;
  std::thread sender([&] {
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(port);
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    std::size_t in_flight = 0;
    std::uint8_t buffer[1500];
    while (std::chrono::steady_clock::now() < deadline) {
      const bool more = sent < kMaxQueries && (!reloads_done.load() || sent < 3000);
      if (!more && in_flight == 0) break;
      while (more && in_flight < kWindow && sent < kMaxQueries) {
        auto query = buildQuery("www.example.test.", "A", withId(static_cast<std::uint16_t>(sent)));
        if (send(fd, query.data(), query.size(), 0) < 0) break;
        ++sent;
        ++in_flight;
      }
      pollfd p{fd, POLLIN, 0};
      // A response not here 3 s after the last one is lost (the loop ends with it in flight).
      if (poll(&p, 1, 3000) <= 0) break;
      const ssize_t n = recv(fd, buffer, sizeof buffer, 0);
      if (n <= 0) continue;
      Response r = decodeResponse(std::vector<std::uint8_t>(buffer, buffer + n));
      if (!r.parsed || answered[r.id] || r.id >= sent) continue;
      answered[r.id] = 1;
      ++received;
      --in_flight;
      const Strings addresses = addressesOf(r.answer);
      if (r.rcode == "SERVFAIL") ++servfail;
      if (r.rcode != "NOERROR" || !r.aa || addresses.size() != 2 ||
          (addresses[0] != a && addresses[0] != b)) {
        if (wrong++ == 0) first_wrong = r.rcode + " " + (r.answer.empty() ? "" : r.answer[0]);
      }
    }
    close(fd);
  });
  for (int i = 0; i < 20; ++i) {
    const std::string next = i % 2 == 0 ? b : a;
    server.writeZone("example.test.toml", exampleZone(next));
    if (i % 2 == 0) {
      server.process().signal(SIGHUP);
    } else {
      EXPECT_EQ(postReload(http).status, 200);
    }
    EXPECT_TRUE(waitUntil([&] { return wwwAddress(server) == next; })) << "reload " << i;
  }
  reloads_done = true;
  sender.join();
  EXPECT_EQ(statusJson(http, "?votes=0")["reload"]["successes"], 21);
  EXPECT_GE(sent, 1000u);
  EXPECT_EQ(received, sent) << sent - received << " of " << sent << " queries lost";
  EXPECT_EQ(servfail, 0u);
  EXPECT_EQ(wrong, 0u) << first_wrong;
  std::printf("reload under load: %zu queries, %zu answered, 20 reloads\n", sent, received);
}

}  // namespace
}  // namespace nines::integration
