// A report captured before a dnsd restart cannot be replayed after it (issue 10): with [server]
// state_dir by the probers' last sequence numbers kept on file, and without one by the rule that a
// prober's first report after a start must be newer than the start.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <memory>
#include <string>

#include "health_harness.h"
#include "nines/probers/report.h"

namespace nines::integration {
namespace {

double wallNow() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::unique_ptr<DnsdServer> startDnsd(const std::string& server_extra) {
  auto server = std::make_unique<DnsdServer>(
      std::map<std::string, std::string>{{"health.test.toml", healthZone(9, {}, 0)}},
      DnsdServer::Options{{"127.0.0.1:0"}, server_extra}, healthSections(0, 30.0, testProbers()));
  EXPECT_TRUE(server->ready());
  EXPECT_NE(server->httpPort(), 0) << server->process().log();
  return server;
}

struct Captured {
  std::string body, signature;
};

Captured capture(std::uint64_t seq, double time) {
  const ProberSpec& p1 = testProbers()[0];
  Captured captured;
  captured.body = reportBody(p1.id, seq, {{kHealthEndpoints[0], false}}, time);
  captured.signature = nines::probers::signBody(p1.key, captured.body);
  return captured;
}

int post(const DnsdServer& server, const Captured& report) {
  return postReport(server.httpPort(), testProbers()[0].id, report.signature, report.body).status;
}

TEST(ReportReplay, ACapturedReportIsRefusedAfterARestartWithAStateDir) {
  nines::testing::TempDir state;
  const std::string extra = "state_dir = \"" + state.path() + "\"\n";
  // Stamped 3 s ahead (a prober clock ahead of ours, well within max_skew): if dnsd comes back
  // within 3 s its time is after the new start, and only the sequence number on file refuses it.
  Captured captured;
  {
    auto before = startDnsd(extra);
    captured = capture(5000, wallNow() + 3);
    ASSERT_EQ(post(*before, captured), 200);
  }  // stopped cleanly (SIGTERM)
  auto after = startDnsd(extra);
  HttpReply replay =
      postReport(after->httpPort(), testProbers()[0].id, captured.signature, captured.body);
  EXPECT_EQ(replay.status, 409) << replay.body;
  EXPECT_NE(replay.body.find("5000"), std::string::npos) << replay.body;
  EXPECT_EQ(endpointState(after->httpPort(), "app", kHealthEndpoints[0]), "unknown");
  // The prober's next report is taken.
  EXPECT_EQ(post(*after, capture(5001, wallNow())), 200);
}

TEST(ReportReplay, ACapturedReportIsRefusedAfterARestartWithoutAStateDir) {
  Captured captured;
  {
    auto before = startDnsd("");
    captured = capture(7000, wallNow());
    ASSERT_EQ(post(*before, captured), 200);
  }
  auto after = startDnsd("");
  HttpReply replay =
      postReport(after->httpPort(), testProbers()[0].id, captured.signature, captured.body);
  EXPECT_EQ(replay.status, 409) << replay.body;
  EXPECT_NE(replay.body.find("before dnsd started"), std::string::npos) << replay.body;
  const Captured next = capture(7001, wallNow());
  HttpReply taken = postReport(after->httpPort(), testProbers()[0].id, next.signature, next.body);
  EXPECT_EQ(taken.status, 200) << taken.body;
}

}  // namespace
}  // namespace nines::integration
