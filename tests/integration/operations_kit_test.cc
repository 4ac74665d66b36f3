// The operator's kit on the real binaries: dnsd dropping root after binding ([server] user), the
// log's levels and JSON lines ([log], --log-format) in dnsd and the prober, the health lines of
// the log, and the prober's metrics (GET /metrics on metrics_listen) moving with checks and
// reports, and clean by promtool.
#include <grp.h>
#include <gtest/gtest.h>
#include <pwd.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <sstream>
#include <string>

#include "health_harness.h"
#include "metrics_text.h"

namespace nines::integration {
namespace {

using namespace std::chrono_literals;
using nines::testing::ChildProcess;
using nines::testing::TempDir;

std::size_t occurrences(const std::string& text, const std::string& what) {
  std::size_t count = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++count;
  return count;
}

// The "Uid:" or "Gid:" line of /proc/PID/status: real, effective, saved, filesystem.
std::vector<long> procIds(pid_t pid, const std::string& key) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind(key + ":", 0) != 0) continue;
    std::istringstream fields(line.substr(key.size() + 1));
    std::vector<long> ids;
    long id;
    while (fields >> id) ids.push_back(id);
    return ids;
  }
  return {};
}

std::string procField(pid_t pid, const std::string& key) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind(key + ":", 0) == 0) {
      auto value = line.substr(key.size() + 1);
      return value.substr(value.find_first_not_of(" \t"));
    }
  }
  return "";
}

Response askAt(const DnsdServer& server, std::uint16_t port, const std::string& name,
               Transport transport = Transport::Udp) {
  auto wire = server.exchange(nines::testing::buildQuery(name, "A"), transport,
                              nines::testing::kAnswerTimeoutMs, false, port);
  return wire ? nines::testing::decodeResponse(*wire) : Response{};
}

// --- privilege drop ------------------------------------------------------------------------------

TEST(PrivilegeDrop, RootBindsThenRunsAsTheUserAndStillServes) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to start dnsd as root";
  const passwd* nobody = getpwnam("nobody");
  ASSERT_NE(nobody, nullptr) << "no user nobody on this machine";
  DnsdServer::Options options;
  options.server_extra = "user = \"nobody\"\n";
  DnsdServer server({{"example.test.toml", exampleZone("192.0.2.10")}}, options,
                    "[http]\nlisten = \"127.0.0.1:0\"\n");
  ASSERT_TRUE(server.ready());
  const pid_t pid = server.process().pid();
  const long uid = static_cast<long>(nobody->pw_uid), gid = static_cast<long>(nobody->pw_gid);
  EXPECT_EQ(procIds(pid, "Uid"), (std::vector<long>{uid, uid, uid, uid}));
  EXPECT_EQ(procIds(pid, "Gid"), (std::vector<long>{gid, gid, gid, gid}));
  // No supplementary group of root's left, and no capability at all.
  for (long group : procIds(pid, "Groups")) EXPECT_NE(group, 0) << "still in group 0";
  EXPECT_EQ(procField(pid, "CapEff"), "0000000000000000");
  EXPECT_EQ(procField(pid, "CapPrm"), "0000000000000000");
  EXPECT_NE(server.process().log().find("running as user nobody (uid " + std::to_string(uid)),
            std::string::npos)
      << server.process().log();
  // Every thread, not only the main one (the workers started after the drop).
  for (const auto& task :
       std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task")) {
    std::ifstream status(task.path() / "status");
    std::string line;
    while (std::getline(status, line)) {
      if (line.rfind("Uid:", 0) == 0) {
        EXPECT_EQ(line.find("\t0\t"), std::string::npos) << task.path() << ": " << line;
      }
    }
  }
  for (Transport transport : {Transport::Udp, Transport::Tcp}) {
    Response r = server.ask("www.example.test.", "A", transport);
    EXPECT_EQ(r.rcode, "NOERROR");
    ASSERT_FALSE(r.answer.empty());
    EXPECT_NE(r.answer.front().find(" IN A 192.0.2.10"), std::string::npos) << r.answer.front();
  }
  EXPECT_EQ(httpGet(server.httpPort(), "/v1/status").status, 200);
}

TEST(PrivilegeDrop, AnUnknownUserIsAConfigErrorWithItsPlace) {
  TempDir dir;
  dir.write("zones/example.test.toml", exampleZone());
  const std::string config = dir.write(
      "dnsd.toml", nines::testing::testServerConfig("zones", "user = \"no-such-user-nines\"\n"));
  ChildProcess dnsd("dnsd", config);
  EXPECT_EQ(dnsd.waitExit(10s), 1);
  // [server] is line 1; user comes after listen, zones and threads: line 5, its value at column 8.
  EXPECT_NE(dnsd.log().find(config + ":5:8: user: no user \"no-such-user-nines\" on this system"),
            std::string::npos)
      << dnsd.log();
}

// --- logs ----------------------------------------------------------------------------------------

// Every line of `log` as a JSON object with exactly time, level, program and message; nullopt (and
// a failure) when a line is not.
std::optional<std::vector<nlohmann::json>> jsonLines(const std::string& log) {
  std::vector<nlohmann::json> lines;
  std::istringstream in(log);
  std::string line;
  while (std::getline(in, line)) {
    auto json = nlohmann::json::parse(line, nullptr, false);
    if (json.is_discarded() || !json.is_object() || json.size() != 4 || !json["time"].is_string() ||
        !json["level"].is_string() || !json["program"].is_string() ||
        !json["message"].is_string()) {
      ADD_FAILURE() << "not a JSON log line: " << line;
      return std::nullopt;
    }
    lines.push_back(std::move(json));
  }
  return lines;
}

bool hasMessage(const std::vector<nlohmann::json>& lines, const std::string& level,
                const std::string& text) {
  for (const auto& line : lines) {
    if (line["level"] == level &&
        line["message"].get<std::string>().find(text) != std::string::npos)
      return true;
  }
  return false;
}

// A dnsd on a port chosen here (its log may not be text, so the port is not read from it).
struct JsonLogDnsd {
  explicit JsonLogDnsd(const std::string& log_section, std::vector<std::string> args = {}) {
    port = freePort();
    options.listen = {"127.0.0.1:" + std::to_string(port)};
    server = std::make_unique<DnsdServer>(
        std::map<std::string, std::string>{{"example.test.toml", exampleZone("192.0.2.10")}},
        options, log_section);
    // DnsdServer starts dnsd without extra arguments: start another on the same config.
    if (!args.empty()) {
      server->process().stop();
      process = std::make_unique<ChildProcess>("dnsd", server->configPath(), args);
    }
  }
  ChildProcess& child() { return process ? *process : server->process(); }
  bool answers() {
    return waitUntil([&] { return askAt(*server, port, "www.example.test.").rcode == "NOERROR"; });
  }
  std::uint16_t port;
  DnsdServer::Options options;
  std::unique_ptr<DnsdServer> server;
  std::unique_ptr<ChildProcess> process;
};

TEST(Logs, DnsdWritesJsonLinesWhenTheConfigSaysSo) {
  JsonLogDnsd dnsd("[log]\nformat = \"json\"\n");
  ASSERT_TRUE(dnsd.answers()) << dnsd.child().log();
  ASSERT_TRUE(waitUntil([&] { return dnsd.child().log().find("\"ready\"") != std::string::npos; }));
  dnsd.child().signal(SIGHUP);
  ASSERT_TRUE(waitUntil([&] { return dnsd.child().log().find("reloaded") != std::string::npos; }));
  EXPECT_EQ(dnsd.child().stop(), 0);
  auto lines = jsonLines(dnsd.child().log());
  ASSERT_TRUE(lines);
  EXPECT_TRUE(hasMessage(*lines, "info", "ready"));
  EXPECT_TRUE(hasMessage(*lines, "info", "reloaded 1 zone(s)"));
  EXPECT_TRUE(hasMessage(*lines, "info", "stopped"));
  for (const auto& line : *lines) {
    EXPECT_EQ(line["program"], "dnsd");
    EXPECT_TRUE(std::regex_match(line["time"].get<std::string>(),
                                 std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")))
        << line.dump();
  }
}

TEST(Logs, TheCommandLineFormatWinsOverTheConfig) {
  JsonLogDnsd dnsd("[log]\nformat = \"text\"\n", {"--log-format", "json"});
  ASSERT_TRUE(dnsd.answers()) << dnsd.child().log();
  EXPECT_EQ(dnsd.child().stop(), 0);
  auto lines = jsonLines(dnsd.child().log());
  ASSERT_TRUE(lines);
  EXPECT_TRUE(hasMessage(*lines, "info", "stopped"));
}

TEST(Logs, LevelWarningLeavesInfoLinesOut) {
  JsonLogDnsd dnsd("[log]\nlevel = \"warning\"\n");
  ASSERT_TRUE(dnsd.answers()) << dnsd.child().log();
  // A broken zone file at reload: an error line; nothing at info.
  dnsd.server->writeZone("example.test.toml", "origin = \"example.test.\"\n[records\n");
  dnsd.child().signal(SIGHUP);
  ASSERT_TRUE(waitUntil([&] { return dnsd.child().log().find(" error: ") != std::string::npos; }))
      << dnsd.child().log();
  EXPECT_EQ(dnsd.child().stop(), 0);
  const std::string log = dnsd.child().log();
  EXPECT_EQ(log.find(" info: "), std::string::npos) << log;
  EXPECT_NE(log.find("keeps its previous version"), std::string::npos) << log;  // a warning
}

TEST(Logs, BadLogSettingsAreConfigErrorsWithTheirPlace) {
  struct Case {
    std::string section;
    int line;
    std::string message;
  };
  for (const Case& c : {
           Case{"[log]\nformat = \"xml\"\n", 6, ":10: format must be \"text\" or \"json\""},
           Case{"[log]\nlevel = \"verbose\"\n", 6, ":9: level must be \"debug\", \"info\""},
           Case{"[log]\nfromat = \"json\"\n", 6, ":1: unknown key \"fromat\" in [log]"},
       }) {
    TempDir dir;
    dir.write("zones/example.test.toml", exampleZone());
    const std::string config =
        dir.write("dnsd.toml", nines::testing::testServerConfig("zones", c.section));
    ChildProcess dnsd("dnsd", config);
    EXPECT_EQ(dnsd.waitExit(10s), 1) << c.section;
    EXPECT_NE(dnsd.log().find(config + ":" + std::to_string(c.line) + c.message), std::string::npos)
        << c.section << dnsd.log();
  }
}

// --- health lines and the prober's metrics -------------------------------------------------------

double sample(const std::string& exposition, const std::string& series) {
  return nines::testing::metricSample(exposition, series);
}

class ProberKit : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(backends_.start());
    http_port_ = freePort();
    ASSERT_NE(http_port_, 0);
    server_ = std::make_unique<DnsdServer>(
        std::map<std::string, std::string>{
            {"health.test.toml", healthZone(backends_.port(), CheckTiming{}, 0)}},
        DnsdServer::Options{}, healthSections(http_port_, 3.0, testProbers()));
    ASSERT_TRUE(server_->ready());
    url_ = "http://127.0.0.1:" + std::to_string(http_port_);
  }

  // A prober `id` signing with `key`, reporting to `dnsd`, its metrics on a port it picks.
  std::unique_ptr<ChildProcess> startProber(const std::string& id, const std::string& key,
                                            const std::vector<std::string>& dnsd,
                                            const std::string& extra = "") {
    std::string list;
    for (const auto& url : dnsd) list += (list.empty() ? "\"" : ", \"") + url + "\"";
    const std::string config = dir_.write(
        id + ".toml", "id = \"" + id + "\"\nregion = \"eu-west\"\nkey = \"" + key + "\"\ndnsd = [" +
                          list + "]\nchecks_from = \"" + url_ +
                          "\"\nreport_interval = 0.25\nmetrics_listen = \"127.0.0.1:0\"\n" + extra +
                          "[health]\nallow_nets = [\"127.0.0.0/8\"]\n");
    return std::make_unique<ChildProcess>("prober", config);
  }

  static std::uint16_t metricsPort(ChildProcess& prober) {
    static const std::regex listening(R"(metrics listening on http://127\.0\.0\.1:(\d+)/metrics)");
    std::uint16_t port = 0;
    waitUntil([&] {
      std::smatch match;
      const std::string log = prober.log();
      if (!std::regex_search(log, match, listening)) return !prober.running();
      port = static_cast<std::uint16_t>(std::stoi(match[1]));
      return true;
    });
    return port;
  }

  Backends backends_;
  std::uint16_t http_port_ = 0;
  std::unique_ptr<DnsdServer> server_;
  std::string url_;
  TempDir dir_;
};

TEST_F(ProberKit, MetricsMoveWithChecksAndReportsAndPassPromtool) {
  const ProberSpec& p1 = testProbers()[0];
  const std::string closed = "http://127.0.0.1:" + std::to_string(nines::testing::closedPort());
  auto prober = startProber(p1.id, p1.key_base64, {url_, closed});
  const std::uint16_t port = metricsPort(*prober);
  ASSERT_NE(port, 0) << prober->log();
  auto metrics = [&] { return httpGet(port, "/metrics"); };
  auto value = [&](const std::string& series) { return sample(metrics().body, series); };
  const std::string accepted =
      "nines_prober_reports_total{dnsd=\"" + url_ + "\",result=\"accepted\"}";
  const std::string error = "nines_prober_reports_total{dnsd=\"" + closed + "\",result=\"error\"}";
  const std::string up = "nines_prober_checks_total{check=\"web\",result=\"up\"}";
  const std::string down = "nines_prober_checks_total{check=\"web\",result=\"down\"}";
  EXPECT_TRUE(waitUntil([&] {
    return value(accepted) >= 3 && value(error) >= 1 && value(up) >= 3;
  })) << metrics().body;
  EXPECT_EQ(metrics().content_type, "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(value("nines_prober_reports_total{dnsd=\"" + url_ + "\",result=\"refused\"}"), 0);
  EXPECT_GE(value("nines_prober_round_lateness_seconds"), 0);
  EXPECT_GE(
      value("nines_probe_duration_seconds_count{check=\"web\",prober=\"p1\",region=\"eu-west\"}"),
      3);
  EXPECT_NE(metrics().body.find("nines_build_info{compiler=\""), std::string::npos);
  EXPECT_EQ(metrics().body.find(p1.key), std::string::npos);  // never the key
  EXPECT_EQ(metrics().body.find(p1.key_base64), std::string::npos);

  // A backend stops: its checks count as down, and dnsd logs the change with its reason once.
  const double down_before = std::max(0.0, value(down));
  backends_.stop(1);
  EXPECT_TRUE(waitUntil([&] { return value(down) > down_before; })) << metrics().body;
  EXPECT_TRUE(waitUntil([&] {
    return server_->process().log().find("health: health.test.|web|127.0.0.12 up -> down (") !=
           std::string::npos;
  })) << server_->process().log();
  EXPECT_TRUE(waitUntil([&] {
    return server_->process().log().find(
               "health: app.health.test. region eu-west out of answers") != std::string::npos;
  })) << server_->process().log();
  EXPECT_EQ(occurrences(server_->process().log(), "health.test.|web|127.0.0.12 up -> down"), 1u);

  // promtool finds nothing to say about the exposition.
  auto promtool = nines::testing::runCommand({"/bin/sh", "-c", "command -v promtool"});
  if (promtool.status != 0) GTEST_SKIP() << "promtool is not installed";
  const std::string file = dir_.write("prober.metrics", metrics().body);
  auto checked = nines::testing::runCommand({"/bin/sh", "-c", "promtool check metrics < " + file});
  EXPECT_EQ(checked.status, 0) << checked.out << checked.err;
  EXPECT_EQ(checked.out + checked.err, "");
}

TEST_F(ProberKit, RefusedReportsAreCountedAndLoggedAtMostOncePerReason) {
  // p2's id with p3's key: every report is refused (a bad signature), and the prober backs off
  // (0.25 s, 0.5 s, 1 s ...).
  auto prober = startProber(testProbers()[1].id, testProbers()[2].key_base64, {url_},
                            "[log]\nformat = \"json\"\n");
  const std::uint16_t port = metricsPort(*prober);
  ASSERT_NE(port, 0) << prober->log();
  const std::string refused =
      "nines_prober_reports_total{dnsd=\"" + url_ + "\",result=\"refused\"}";
  EXPECT_TRUE(waitUntil([&] { return sample(httpGet(port, "/metrics").body, refused) >= 4; }))
      << httpGet(port, "/metrics").body;
  // Four refusals, one line on dnsd's side.
  EXPECT_EQ(occurrences(server_->process().log(), "report from prober p2 refused"), 1u)
      << server_->process().log();
  auto lines = jsonLines(prober->log());  // the prober's own log, in JSON
  ASSERT_TRUE(lines);
  EXPECT_TRUE(hasMessage(*lines, "warning", "report to " + url_ + " failed: HTTP 401"));
}

TEST(ProberConfigKit, MetricsListenMustBeAnAddressAndPort) {
  TempDir dir;
  for (const std::string bad : {"localhost:9154", "127.0.0.1", "::1:9154", "127.0.0.1:70000"}) {
    const std::string config = dir.write(
        "prober.toml", "id = \"p1\"\nregion = \"eu-west\"\nkey = \"" + testProbers()[0].key_base64 +
                           "\"\ndnsd = [\"http://127.0.0.1:1\"]\nzones = \"z\"\n"
                           "metrics_listen = \"" +
                           bad + "\"\n");
    ChildProcess prober("prober", config);
    EXPECT_EQ(prober.waitExit(10s), 1) << bad;
    EXPECT_NE(prober.log().find(config + ":6:18: metrics_listen \"" + bad + "\" must be"),
              std::string::npos)
        << prober.log();
  }
}

}  // namespace
}  // namespace nines::integration
