// TTLs that follow health (DESIGN.md "TTLs that follow health"), end to end: dnsd with the
// embedded prober checking real HTTP backends on loopback. A service with ttl 60, ttl_unstable 5
// and ttl_calm 3 answers with 60 while steady; when its primary's backend stops, the answer that
// moves to the secondary carries 5 (the same view moved both), /v1/status, /metrics and
// `ninesctl explain --server` say why, and 60 comes back once the service has been steady for
// ttl_calm, not before (by dnsd's own clock, read from /v1/status). TTLs are read with ldns.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "health_harness.h"

namespace nines::integration {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

constexpr int kTtl = 60;
constexpr int kTtlUnstable = 5;
constexpr double kTtlCalm = 3;

// health.test with its "app" service (failover us-east, eu-west, ap-south; no slow start) given
// ttl 60, ttl_unstable 5 and ttl_calm 3.
std::string ttlZone(std::uint16_t port, const CheckTiming& timing) {
  std::string zone = healthZone(port, timing, 4.0);
  const std::string app = "[services.app]\npolicy = \"failover\"\nttl = 5\n";
  const std::size_t at = zone.find(app);
  EXPECT_NE(at, std::string::npos) << zone;
  if (at == std::string::npos) return zone;
  zone.replace(at, app.size(),
               "[services.app]\npolicy = \"failover\"\nttl = " + std::to_string(kTtl) +
                   "\nttl_unstable = " + std::to_string(kTtlUnstable) +
                   "\nttl_calm = " + std::to_string(static_cast<int>(kTtlCalm)) + "\n");
  return zone;
}

// The one A answer of app.health.test. as ldns decoded it: its address and TTL (-1: none).
struct TtlAnswer {
  std::string address;
  long ttl = -1;
};
TtlAnswer appAnswer(const DnsdServer& server) {
  Response response = server.ask("app.health.test.", "A");
  if (response.answer.size() != 1) return {};
  std::istringstream fields(response.answer[0]);  // "owner TTL IN A address"
  std::string owner, klass, type;
  TtlAnswer answer;
  fields >> owner >> answer.ttl >> klass >> type >> answer.address;
  return answer;
}

double wallNow() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

class TtlFollowsHealth : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(backends_.start());
    server_ = std::make_unique<DnsdServer>(
        std::map<std::string, std::string>{{"health.test.toml", ttlZone(backends_.port(), {})}},
        DnsdServer::Options{}, healthSections(0, 2.0, {}));
    ASSERT_TRUE(server_->ready());
    http_ = server_->httpPort();
    ASSERT_NE(http_, 0) << server_->process().log();
    ASSERT_TRUE(waitAllAppEndpointsUp(http_)) << statusJson(http_).dump(2);
  }

  std::string metrics() { return nines::testing::httpGet(http_, "/metrics").body; }

  Backends backends_;
  std::unique_ptr<DnsdServer> server_;
  std::uint16_t http_ = 0;
};

TEST_F(TtlFollowsHealth, TheTtlDropsDuringAFailoverAndRecoversAfterTtlCalm) {
  // Steady: the configured ttl (endpoints going from unknown to up change nothing usable).
  ASSERT_TRUE(nines::testing::waitUntil([&] { return appAnswer(*server_).ttl == kTtl; }, 10s))
      << statusJson(http_).dump(2);
  EXPECT_EQ(appAnswer(*server_).address, kHealthEndpoints[0]);
  json app = serviceStatus(statusJson(http_), "app");
  EXPECT_EQ(app["ttl"], kTtl);
  EXPECT_EQ(app["ttl_unstable"], kTtlUnstable);
  EXPECT_EQ(app["answer_ttl"], kTtl);
  EXPECT_TRUE(app["unstable"].is_null()) << app.dump(2);
  EXPECT_NE(metrics().find("nines_service_unstable{service=\"app.health.test.\"} 0"),
            std::string::npos);

  // The primary fails: the first answer from the secondary already carries ttl_unstable.
  backends_.stop(0);
  TtlAnswer moved;
  ASSERT_TRUE(nines::testing::waitUntil(
      [&] {
        moved = appAnswer(*server_);
        return moved.address == kHealthEndpoints[1];
      },
      20s))
      << statusJson(http_).dump(2);
  EXPECT_EQ(moved.ttl, kTtlUnstable);

  app = serviceStatus(statusJson(http_), "app");
  const json unstable = app["unstable"];
  ASSERT_TRUE(unstable.is_object()) << app.dump(2);
  EXPECT_EQ(unstable["region"], "us-east");
  EXPECT_EQ(unstable["cause"], "went_down");
  EXPECT_NEAR(unstable["calm_at"].get<double>() - unstable["changed_at"].get<double>(), kTtlCalm,
              0.01);
  // ttl_calm is counted from the last change: a later one (a check flapping on a busy machine)
  // only moves this later.
  const double calm_at = unstable["calm_at"].get<double>();
  if (app["answer_ttl"] == kTtlUnstable) {
    EXPECT_NE(metrics().find("nines_service_unstable{service=\"app.health.test.\"} 1"),
              std::string::npos);
    nines::testing::CommandResult explained = nines::testing::runCommand(
        {nines::testing::binaryPath("ninesctl"), "explain", "app.health.test.", "A", "--client",
         "127.0.0.1", "--config", server_->configPath(), "--server",
         "http://127.0.0.1:" + std::to_string(http_)});
    EXPECT_EQ(explained.status, 0) << explained.err;
    EXPECT_NE(explained.out.find("ttl:      ttl 5 (unstable: region us-east went down "),
              std::string::npos)
        << explained.out;
    EXPECT_NE(explained.out.find("ttl_calm 3), configured 60"), std::string::npos) << explained.out;
    EXPECT_NE(explained.out.find("app.health.test.\t5\tIN\tA\t127.0.0.12"), std::string::npos)
        << explained.out;
  } else {
    std::printf(
        "[ note ] explain and metrics not checked while unstable: the service was steady "
        "again before they could be asked\n");
  }

  // Back to ttl once steady for ttl_calm: never before calm_at by dnsd's clock, and soon after
  // (the publication loop looks four times a second; the rest is slack for a busy machine).
  const auto failed_over = std::chrono::steady_clock::now();
  double steady_at = 0;
  bool only_two_ttls = true;
  ASSERT_TRUE(nines::testing::waitUntil(
      [&] {
        const TtlAnswer answer = appAnswer(*server_);
        if (answer.ttl != kTtl && answer.ttl != kTtlUnstable) only_two_ttls = false;
        steady_at = wallNow();
        return answer.ttl == kTtl;
      },
      std::chrono::milliseconds(static_cast<int>(kTtlCalm * 1000)) + 15s))
      << serviceStatus(statusJson(http_), "app").dump(2);
  const double waited =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - failed_over).count();
  std::printf("[ measured ] ttl back to %d %.3f s after the failover was seen (ttl_calm %.0f)\n",
              kTtl, waited, kTtlCalm);
  EXPECT_TRUE(only_two_ttls);
  EXPECT_GE(steady_at, calm_at - 0.05);
  EXPECT_EQ(appAnswer(*server_).address, kHealthEndpoints[1]);
  app = serviceStatus(statusJson(http_), "app");
  EXPECT_TRUE(app["unstable"].is_null()) << app.dump(2);

  // The primary comes back: unstable again, with the answer that moves back.
  ASSERT_TRUE(backends_.restart(0));
  TtlAnswer back;
  ASSERT_TRUE(nines::testing::waitUntil(
      [&] {
        back = appAnswer(*server_);
        return back.address == kHealthEndpoints[0];
      },
      20s))
      << statusJson(http_).dump(2);
  EXPECT_EQ(back.ttl, kTtlUnstable);
}

}  // namespace
}  // namespace nines::integration
