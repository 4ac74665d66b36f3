// The real `prober` binary reporting to the real dnsd (DESIGN.md "Processes", "One health
// report"): checks from dnsd's /v1/checks, signed reports every 0.5 s, endpoint states that
// follow the backends on 127.0.0.11/.12/.13 (failover and recovery measured), a dnsd restarted on
// the same ports that the prober finds again by itself, and keys that appear nowhere.
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "health_harness.h"
#include "local_servers.h"

namespace nines::integration {
namespace {

using namespace std::chrono_literals;

constexpr double kReportInterval = 0.5;
constexpr double kReportTtl = 2.0;  // a vote older than this no longer counts
// Added to the state machine's delay and a report interval in the failover and recovery bounds:
// seconds of slack for CTest running tests side by side on a busy machine. The times themselves
// are printed ("[ measured ]"); the bound only catches a change that never comes or waits for
// something else.
constexpr double kSlack = 3.0;

class RemoteProber : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(backends_.start());
    dns_port_ = freePort();
    http_port_ = freePort();
    ASSERT_NE(dns_port_, 0);
    ASSERT_NE(http_port_, 0);
    ASSERT_NE(dns_port_, http_port_);
    server_ = startDnsd();
    ASSERT_TRUE(server_) << "dnsd did not start on 127.0.0.1:" << dns_port_;
    const ProberSpec& p1 = testProbers()[0];
    const std::string url = "http://127.0.0.1:" + std::to_string(http_port_);
    prober_config_ = dir_.write(
        "prober.toml", "id = \"" + p1.id + "\"\nregion = \"eu-west\"\nlocation = [53.3, -6.3]\n" +
                           "key = \"" + p1.key_base64 + "\"\ndnsd = [\"" + url +
                           "\"]\nchecks_from = \"" + url +
                           "\"\nchecks_refresh = 1.0\nreport_interval = 0.5\n"
                           "[health]\nallow_nets = [\"127.0.0.0/8\"]\n");
  }

  // A dnsd on the fixture's ports taking reports from p1, p2 and p3; null when it did not become
  // ready (a port of the previous one may still be held for a moment: retried, bounded).
  std::unique_ptr<DnsdServer> startDnsd() {
    DnsdServer::Options options;
    options.listen = {"127.0.0.1:" + std::to_string(dns_port_)};
    const std::map<std::string, std::string> zones = {
        {"health.test.toml", healthZone(backends_.port(), timing_, 0)}};
    for (int attempt = 0; attempt < 10; ++attempt) {
      auto server = std::make_unique<DnsdServer>(
          zones, options, healthSections(http_port_, kReportTtl, testProbers()));
      if (server->process().waitReady() && server->httpPort() == http_port_) return server;
      std::fprintf(stderr, "dnsd attempt %d did not start:\n%s\n", attempt,
                   server->process().log().c_str());
      server.reset();
      // Until the ports can be bound again (each probe socket is closed at once).
      nines::testing::waitUntil(
          [&] {
            return nines::testing::BoundSocket(SOCK_STREAM, dns_port_).bound() &&
                   nines::testing::BoundSocket(SOCK_DGRAM, dns_port_).bound() &&
                   nines::testing::BoundSocket(SOCK_STREAM, http_port_).bound();
          },
          5s);
    }
    return nullptr;
  }

  // Whether every endpoint of app carries a fresh vote of p1 saying `up`.
  bool p1VotesEverywhere(bool up) {
    nlohmann::json status = statusJson(http_port_);
    for (const auto& address : kHealthEndpoints) {
      nlohmann::json vote = voteOf(endpointStatus(status, "app", address), "p1");
      if (!vote.is_object() || vote["fresh"] != true || vote["up"] != up) return false;
    }
    return true;
  }

  CheckTiming timing_;
  Backends backends_;
  nines::testing::TempDir dir_;
  std::uint16_t dns_port_ = 0, http_port_ = 0;
  std::unique_ptr<DnsdServer> server_;
  std::string prober_config_;
};

TEST_F(RemoteProber, FollowsTheBackendsAndFindsARestartedDnsd) {
  nines::probers::testing::ProberProcess prober(prober_config_);
  const double first = secondsUntil([&] { return p1VotesEverywhere(true); }, 20s);
  std::printf("[ measured ] remote prober: first votes %.3f s after it started\n", first);
  ASSERT_GE(first, 0) << statusJson(http_port_).dump(2) << "\nprober log:\n" << prober.log();

  // Accepted, shown with its region, seq and age; each vote with its age, RTT and reason.
  nlohmann::json status = statusJson(http_port_);
  EXPECT_EQ(status["health"]["mode"], "probers");
  nlohmann::json p1 = proberStatus(status, "p1");
  EXPECT_EQ(p1["region"], "eu-west") << p1.dump(2);
  EXPECT_TRUE(p1["last_seq"].is_number()) << p1.dump(2);
  EXPECT_LE(p1["last_report_age"].get<double>(), kReportTtl) << p1.dump(2);
  EXPECT_GE(reportCount(status, "p1", "accepted"), 1);
  EXPECT_EQ(reportCount(status, "p1", "bad_signature"), 0);
  EXPECT_TRUE(proberStatus(status, "p2")["last_seq"].is_null()) << "p2 never reported";
  nlohmann::json vote = voteOf(endpointStatus(status, "app", kHealthEndpoints[0]), "p1");
  EXPECT_EQ(vote["region"], "eu-west");
  EXPECT_EQ(vote["reason"], "HTTP 200");
  EXPECT_TRUE(vote["rtt_ms"].is_number()) << vote.dump();
  EXPECT_LE(vote["age"].get<double>(), kReportTtl) << vote.dump();
  ASSERT_EQ(healthAnswer(*server_, "app"), Strings{kHealthEndpoints[0]});

  backends_.stop(0);
  const double out = secondsUntil(
      [&] { return healthAnswer(*server_, "app") == Strings{kHealthEndpoints[1]}; }, 20s);
  const double out_bound = timing_.fall * timing_.interval + kReportInterval + kSlack;
  std::printf("[ measured ] remote prober: failover %.3f s (bound %.1f s)\n", out, out_bound);
  ASSERT_GE(out, 0) << statusJson(http_port_).dump(2);
  EXPECT_LE(out, out_bound);
  nlohmann::json down = endpointStatus(statusJson(http_port_), "app", kHealthEndpoints[0]);
  EXPECT_EQ(down["state"], "down") << down.dump(2);
  EXPECT_EQ(voteOf(down, "p1")["up"], false) << down.dump(2);

  ASSERT_TRUE(backends_.restart(0));
  const double back = secondsUntil(
      [&] { return healthAnswer(*server_, "app") == Strings{kHealthEndpoints[0]}; }, 20s);
  const double back_bound = timing_.rise * timing_.interval + kReportInterval + kSlack;
  std::printf("[ measured ] remote prober: recovery %.3f s (bound %.1f s)\n", back, back_bound);
  ASSERT_GE(back, 0) << statusJson(http_port_).dump(2);
  EXPECT_LE(back, back_bound);

  // dnsd stops and a new one starts on the same ports: the prober, left alone, reports to it.
  ASSERT_EQ(server_->process().stop(), 0) << server_->process().log();
  std::unique_ptr<DnsdServer> old = std::move(server_);
  // Down long enough for the prober to notice (and back off).
  const std::string url = "http://127.0.0.1:" + std::to_string(http_port_);
  ASSERT_TRUE(nines::testing::waitUntil(
      [&] { return prober.log().find("report to " + url + " failed") != std::string::npos; }, 15s))
      << prober.log();
  const auto restarted_at = std::chrono::steady_clock::now();
  server_ = startDnsd();
  ASSERT_TRUE(server_) << "dnsd did not start again on 127.0.0.1:" << dns_port_;
  ASSERT_TRUE(prober.running()) << prober.log();
  const bool resumed = nines::testing::waitUntil([&] { return p1VotesEverywhere(true); }, 30s);
  const double resume =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - restarted_at).count();
  std::printf("[ measured ] remote prober: votes in the restarted dnsd %.3f s after its start\n",
              resume);
  ASSERT_TRUE(resumed) << statusJson(http_port_).dump(2) << "\nprober log:\n" << prober.log();
  // The states are its votes once published (the publication loop looks every 250 ms).
  EXPECT_TRUE(nines::testing::waitUntil(
      [&] { return endpointState(http_port_, "app", kHealthEndpoints[0]) == "up"; }, 10s))
      << statusJson(http_port_).dump(2);
  EXPECT_TRUE(nines::testing::waitUntil(
      [&] { return prober.log().find("delivered again") != std::string::npos; }, 10s))
      << prober.log();
  EXPECT_EQ(healthAnswer(*server_, "app"), Strings{kHealthEndpoints[0]});
  // And it still follows the backends.
  backends_.stop(0);
  EXPECT_GE(secondsUntil(
                [&] { return healthAnswer(*server_, "app") == Strings{kHealthEndpoints[1]}; }, 20s),
            0);
  ASSERT_TRUE(prober.running()) << prober.log();

  // No key, raw or base64, in any log, the status JSON, the checks or the status page.
  const std::vector<std::pair<std::string, std::string>> texts = {
      {"old dnsd log", old->process().log()},
      {"dnsd log", server_->process().log()},
      {"prober log", prober.log()},
      {"/v1/status", httpGet(http_port_, "/v1/status").body},
      {"/v1/checks", httpGet(http_port_, "/v1/checks").body},
      {"/", httpGet(http_port_, "/").body}};
  for (const auto& [what, text] : texts) {
    EXPECT_FALSE(text.empty()) << what;
    for (const auto& spec : testProbers()) {
      EXPECT_EQ(text.find(spec.key), std::string::npos) << what << " shows " << spec.id << "'s key";
      EXPECT_EQ(text.find(spec.key_base64), std::string::npos)
          << what << " shows " << spec.id << "'s key (base64)";
    }
  }
  EXPECT_EQ(prober.stop(), 0) << prober.log();
}

// Probers report to an address: a second dnsd given the same HTTP port must fail to start, not
// share the port and take a random part of the reports (each instance would then see a prober
// only now and then, and its votes would go stale).
TEST(ReportPort, ASecondDnsdCannotTakeTheHttpPortOfARunningOne) {
  const std::uint16_t http_port = freePort();
  ASSERT_NE(http_port, 0);
  const std::map<std::string, std::string> zones = {{"health.test.toml", healthZone(9, {}, 0)}};
  const std::string sections = healthSections(http_port, 2.0, testProbers());
  DnsdServer first(zones, DnsdServer::Options{}, sections);
  ASSERT_TRUE(first.ready());
  ASSERT_EQ(first.httpPort(), http_port);
  DnsdServer second(zones, DnsdServer::Options{}, sections);
  // Until it gives up or says it is ready.
  nines::testing::waitUntil(
      [&] {
        return !second.process().running() ||
               second.process().log().find("dnsd info: ready") != std::string::npos;
      },
      20s);
  EXPECT_EQ(second.process().waitExit(500ms), 1)
      << "a second dnsd runs with the HTTP port of the first; its log:\n"
      << second.process().log();
  EXPECT_NE(second.process().log().find("cannot bind HTTP 127.0.0.1:" + std::to_string(http_port)),
            std::string::npos)
      << second.process().log();
}

}  // namespace
}  // namespace nines::integration
