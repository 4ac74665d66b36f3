// The `prober` binary end to end: zone files (or a dnsd's /v1/checks) in, signed reports out to
// fake dnsd instances on loopback.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "local_servers.h"
#include "loopback.h"
#include "nines/probers/check_target.h"
#include "nines/probers/report.h"
#include "process.h"
#include "zone_text.h"

namespace nines::probers {
namespace {

using nines::testing::runCommand;
using nines::testing::TempDir;
using nines::testing::waitUntil;
using testing::FakeDnsd;
using testing::HttpBackend;
using testing::ProberProcess;
using namespace std::chrono_literals;

const std::string kKey = "0123456789abcdef0123456789abcdef";
const char* const kKeyBase64 = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";
const char* const kTarget = "probe.test.|web|127.0.0.1";

std::string zoneFile(std::uint16_t port) {
  return nines::testing::zoneHead("probe.test.", 1) + R"("@" = ["NS ns1.probe.test."]
ns1 = ["A 127.0.0.53"]
[checks.web]
type = "http"
port = )" +
         std::to_string(port) +
         R"(
path = "/health"
interval = 0.5
timeout = 0.4
[regions.local]
[services.www]
policy = "geo"
check = "web"
[services.www.pools.local]
endpoints = ["127.0.0.1"]
)";
}

std::string proberConfig(const std::vector<std::string>& dnsd, const std::string& source,
                         const std::string& allow = "127.0.0.0/8") {
  std::string list;
  for (const auto& url : dnsd) list += (list.empty() ? "\"" : ", \"") + url + "\"";
  return std::string("id = \"test-1\"\nregion = \"local\"\nlocation = [53.3, -6.3]\nkey = \"") +
         kKeyBase64 + "\"\ndnsd = [" + list + "]\n" + source +
         "report_interval = 0.2\n[health]\nallow_nets = [\"" + allow + "\"]\n";
}

// Every report `dnsd` received, checked: signed with the key, decodable, from test-1.
std::vector<Report> verifiedReports(const FakeDnsd& dnsd) {
  std::vector<Report> out;
  for (const auto& received : dnsd.reports()) {
    EXPECT_EQ(received.prober, "test-1");
    EXPECT_TRUE(verifySignature(kKey, received.body, received.signature)) << received.body;
    std::string error;
    auto report = decodeReport(received.body, &error);
    EXPECT_TRUE(report) << error << ": " << received.body;
    if (report) out.push_back(*report);
  }
  return out;
}

const ReportResult* resultFor(const Report& report, const std::string& target) {
  for (const auto& result : report.results) {
    if (result.target == target) return &result;
  }
  return nullptr;
}

bool lastReportSaysUp(const FakeDnsd& dnsd) {
  auto reports = verifiedReports(dnsd);
  if (reports.empty()) return false;
  const ReportResult* result = resultFor(reports.back(), kTarget);
  return result && result->up;
}

// The largest gap between consecutive reports `dnsd` received after the first `skip` ones.
double largestGap(const FakeDnsd& dnsd, std::size_t skip) {
  auto received = dnsd.reports();
  double gap = 0;
  for (std::size_t i = skip + 1; i < received.size(); ++i) {
    gap = std::max(gap, std::chrono::duration<double>(received[i].at - received[i - 1].at).count());
  }
  return gap;
}

TEST(ProberDaemonTest, ReportsSignedResultsEveryInterval) {
  HttpBackend backend;
  ASSERT_TRUE(backend.start());
  FakeDnsd dnsd;
  TempDir dir;
  dir.write("zones/probe.test.toml", zoneFile(backend.port()));
  std::string config = dir.write("prober.toml", proberConfig({dnsd.url()}, "zones = \"zones\"\n"));
  ProberProcess prober(config);
  ASSERT_TRUE(waitUntil([&] { return lastReportSaysUp(dnsd); }, 10s)) << prober.log();
  EXPECT_NE(prober.log().find("prober ready"), std::string::npos);

  std::size_t before = dnsd.reports().size();
  ASSERT_TRUE(waitUntil([&] { return dnsd.reports().size() >= before + 10; }, 20s));
  auto reports = verifiedReports(dnsd);
  ASSERT_GE(reports.size(), before + 10);
  // Ten reports 0.2 s apart by the prober's own clock (each report's time): 2 s. A prober that
  // fell behind skips rather than bursts, so a delay can only lengthen the span; the upper bound
  // leaves seconds for a busy machine.
  const double span = reports[before + 9].time - reports[before - 1].time;
  EXPECT_GT(span, 1.5) << "ten reports in " << span << " s";
  EXPECT_LT(span, 6.0) << "ten reports in " << span << " s";

  for (std::size_t i = 1; i < reports.size(); ++i) {
    EXPECT_EQ(reports[i].seq, reports[i - 1].seq + 1);
    EXPECT_GE(reports[i].time, reports[i - 1].time);
  }
  const Report& last = reports.back();
  EXPECT_EQ(last.prober, "test-1");
  EXPECT_EQ(last.region, "local");
  EXPECT_TRUE(last.has_location);
  EXPECT_DOUBLE_EQ(last.latitude, 53.3);
  // seq starts from the wall clock in milliseconds, so a restart never goes back.
  double now_ms =
      std::chrono::duration<double, std::milli>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  EXPECT_LT(static_cast<double>(reports.front().seq), now_ms);
  EXPECT_GT(static_cast<double>(reports.front().seq), now_ms - 60000);
  const ReportResult* result = resultFor(last, kTarget);
  ASSERT_NE(result, nullptr);
  EXPECT_TRUE(result->up);
  EXPECT_GE(result->rtt_ms, 0);
  EXPECT_EQ(result->reason, "HTTP 200");

  // The endpoint fails: the reports say so after `fall` (default 2) checks.
  backend.stop();
  EXPECT_TRUE(waitUntil(
      [&] {
        auto all = verifiedReports(dnsd);
        const ReportResult* r = all.empty() ? nullptr : resultFor(all.back(), kTarget);
        return r && !r->up;
      },
      10s));

  EXPECT_EQ(prober.stop(), 0);
  EXPECT_NE(prober.log().find("stopped"), std::string::npos);
  // The key is in no log line.
  EXPECT_EQ(prober.log().find(kKeyBase64), std::string::npos);
}

TEST(ProberDaemonTest, ADeadOrSilentDnsdDoesNotDelayTheOthers) {
  HttpBackend backend;
  ASSERT_TRUE(backend.start());
  FakeDnsd good;
  testing::SilentListener silent;  // accepts connections, never answers: each POST times out
  std::string dead = "http://127.0.0.1:" + std::to_string(nines::testing::closedPort());
  std::string hung = "http://127.0.0.1:" + std::to_string(silent.port());
  TempDir dir;
  dir.write("zones/probe.test.toml", zoneFile(backend.port()));
  std::string config =
      dir.write("prober.toml", proberConfig({dead, hung, good.url()}, "zones = \"zones\"\n"));
  ProberProcess prober(config);
  ASSERT_TRUE(waitUntil([&] { return good.reports().size() >= 16; }, 30s)) << prober.log();
  // Delivered 0.2 s apart; a POST waiting on the silent dnsd would hold the next one for its
  // 1 s timeout, a gap of 1.2 s. The bound leaves 0.8 s for a busy machine.
  EXPECT_LT(largestGap(good, 1), 1.0);
  auto reports = verifiedReports(good);
  EXPECT_NE(resultFor(reports.back(), kTarget), nullptr);
  std::string log = prober.log();
  EXPECT_NE(log.find("report to " + dead + " failed"), std::string::npos) << log;
  EXPECT_NE(log.find("report to " + hung + " failed: timeout"), std::string::npos) << log;
  // Failures are logged when they start, not once per report.
  auto count = [&](const std::string& text) {
    std::size_t n = 0;
    for (auto at = log.find(text); at != std::string::npos; at = log.find(text, at + 1)) ++n;
    return n;
  };
  EXPECT_EQ(count("report to " + dead + " failed"), 1u);
  EXPECT_EQ(prober.stop(), 0);
}

TEST(ProberDaemonTest, ChecksFromADnsdSurviveItGoingAway) {
  HttpBackend backend;
  ASSERT_TRUE(backend.start());
  FakeDnsd dnsd;
  CheckTarget target;
  target.id = kTarget;
  target.zone = "probe.test.";
  target.endpoint = *zones::IpAddress::parse("127.0.0.1");
  target.address = target.endpoint;
  target.port = backend.port();
  target.host = "www.probe.test";
  target.check.name = "web";
  target.check.port = backend.port();
  target.check.interval = 0.5;
  target.check.timeout = 0.4;
  dnsd.setChecks(encodeTargets({target}));
  TempDir dir;
  std::string config = dir.write(
      "prober.toml",
      proberConfig({dnsd.url()}, "checks_from = \"" + dnsd.url() + "\"\nchecks_refresh = 0.2\n"));
  ProberProcess prober(config);
  ASSERT_TRUE(waitUntil([&] { return lastReportSaysUp(dnsd); }, 10s)) << prober.log();
  // /v1/checks now fails: the prober keeps probing the last list it had.
  dnsd.setChecks(std::nullopt);
  int fetches = dnsd.checkFetches();
  ASSERT_TRUE(waitUntil([&] { return dnsd.checkFetches() >= fetches + 3; }, 10s));
  std::size_t seen = dnsd.reports().size();
  ASSERT_TRUE(waitUntil([&] { return dnsd.reports().size() >= seen + 3; }, 10s));
  EXPECT_TRUE(lastReportSaysUp(dnsd));
  EXPECT_NE(prober.log().find("keeping the last list of 1 targets"), std::string::npos)
      << prober.log();
  EXPECT_EQ(prober.stop(), 0);
}

TEST(ProberDaemonTest, AllowNetsRefusesAtLoad) {
  HttpBackend backend;
  ASSERT_TRUE(backend.start());
  FakeDnsd dnsd;
  TempDir dir;
  std::string zone = dir.write("zones/probe.test.toml", zoneFile(backend.port()));
  // 127.0.0.1 is outside 127.0.0.2/32: refused, never probed.
  std::string config =
      dir.write("prober.toml", proberConfig({dnsd.url()}, "zones = \"zones\"\n", "127.0.0.2/32"));
  ProberProcess prober(config);
  ASSERT_TRUE(waitUntil([&] { return dnsd.reports().size() >= 3; }, 10s)) << prober.log();
  for (const auto& report : verifiedReports(dnsd)) EXPECT_TRUE(report.results.empty());
  EXPECT_EQ(backend.hits(), 0);
  EXPECT_NE(prober.log().find(zone + ":"), std::string::npos) << prober.log();
  EXPECT_NE(prober.log().find("probe of 127.0.0.1 refused: not in [health] allow_nets "
                              "(127.0.0.2/32)"),
            std::string::npos)
      << prober.log();
  EXPECT_EQ(prober.stop(), 0);
}

TEST(ProberDaemonTest, BadConfigExitsWithFileLineColumn) {
  TempDir dir;
  std::string config = dir.write("prober.toml",
                                 "id = \"p\"\nregion = \"r\"\nkey = \"short\"\n"
                                 "dnsd = [\"http://127.0.0.1:1\"]\nzones = \"z\"\n");
  auto result = runCommand({nines::testing::binaryPath("prober"), "--config", config});
  EXPECT_EQ(result.status, 1);
  EXPECT_NE(result.err.find(config + ":3:7: key must be base64"), std::string::npos) << result.err;
  EXPECT_EQ(result.err.find("short"), std::string::npos);
}

}  // namespace
}  // namespace nines::probers
