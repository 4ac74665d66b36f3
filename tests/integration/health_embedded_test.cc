// Live health with the embedded prober (DESIGN.md "Processes": no [[health.probers]], dnsd runs
// the checks itself) against real HTTP backends on 127.0.0.11/.12/.13: a region whose backend
// stops leaves the answers within fall x interval plus a little, comes back within rise x
// interval plus a little, and with slow_start is ramped in rather than slammed. The times are
// measured and printed. Last, a down endpoint must stay down whatever report_ttl is.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "health_harness.h"

namespace nines::integration {
namespace {

using namespace std::chrono_literals;

constexpr double kSlowStart = 4.0;
// How late after the state machine's own delay a change may reach the answers: the health thread
// looks every 250 ms, the embedded prober feeds on every change (a remote prober's report
// interval would come on top: one second is allowed for it, as for a remote one), and one more
// second of slack for a loaded machine.
constexpr double kReportAllowance = 1.0;
constexpr double kSlack = 1.0;

class EmbeddedHealth : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(backends_.start());
    server_ = std::make_unique<DnsdServer>(
        std::map<std::string, std::string>{
            {"health.test.toml", healthZone(backends_.port(), timing_, kSlowStart)}},
        DnsdServer::Options{}, healthSections(0, 2.0, {}));
    ASSERT_TRUE(server_->ready());
    http_ = server_->httpPort();
    ASSERT_NE(http_, 0) << server_->process().log();
    // Every endpoint checked and up (rise passes of each) before anything is measured.
    ASSERT_TRUE(nines::testing::waitUntil(
        [&] {
          for (const auto& address : kHealthEndpoints) {
            if (endpointState(http_, "app", address) != "up") return false;
          }
          return true;
        },
        5s))
        << statusJson(http_).dump(2);
  }

  CheckTiming timing_;
  Backends backends_;
  std::unique_ptr<DnsdServer> server_;
  std::uint16_t http_ = 0;
};

TEST_F(EmbeddedHealth, AStoppedBackendLeavesTheAnswersAndComesBackInTime) {
  const Strings primary = {kHealthEndpoints[0]}, secondary = {kHealthEndpoints[1]};
  ASSERT_EQ(healthAnswer(*server_, "app"), primary);

  // The status page says who voted: the embedded prober, fresh.
  nlohmann::json status = statusJson(http_);
  EXPECT_EQ(status["health"]["mode"], "embedded");
  nlohmann::json vote = voteOf(endpointStatus(status, "app", kHealthEndpoints[0]), "embedded");
  ASSERT_TRUE(vote.is_object()) << status.dump(2);
  EXPECT_EQ(vote["up"], true);
  EXPECT_EQ(vote["fresh"], true);
  EXPECT_EQ(vote["reason"], "HTTP 200");
  EXPECT_GE(vote["age"].get<double>(), 0.0);
  EXPECT_LE(vote["age"].get<double>(), 2.0);

  backends_.stop(0);
  const double out = secondsUntil([&] { return healthAnswer(*server_, "app") == secondary; }, 10s);
  const double out_bound = timing_.fall * timing_.interval + kReportAllowance + kSlack;
  std::printf("[ measured ] embedded prober: failover %.3f s (bound %.1f s)\n", out, out_bound);
  ASSERT_GE(out, 0) << "us-east never left the answers\n" << statusJson(http_).dump(2);
  EXPECT_LE(out, out_bound);
  // Down with the reason, for the operator.
  nlohmann::json down = endpointStatus(statusJson(http_), "app", kHealthEndpoints[0]);
  EXPECT_EQ(down["state"], "down") << down.dump(2);
  EXPECT_NE(down.value("reason", "").find("0/1 fresh votes up"), std::string::npos) << down.dump(2);
  EXPECT_EQ(voteOf(down, "embedded")["up"], false) << down.dump(2);
  // Over TCP too (ldns decodes both).
  EXPECT_EQ(addressesOf(server_->ask("app.health.test.", "A", Transport::Tcp).answer), secondary);

  ASSERT_TRUE(backends_.restart(0));
  const double back = secondsUntil([&] { return healthAnswer(*server_, "app") == primary; }, 10s);
  const double back_bound = timing_.rise * timing_.interval + kReportAllowance + kSlack;
  std::printf("[ measured ] embedded prober: recovery %.3f s (bound %.1f s)\n", back, back_bound);
  ASSERT_GE(back, 0) << "us-east never came back\n" << statusJson(http_).dump(2);
  EXPECT_LE(back, back_bound);
  EXPECT_EQ(endpointState(http_, "app", kHealthEndpoints[0]), "up");
}

// 64 client networks (ECS /24s of 198.18.0.0/15) sent to the slow-starting failover service.
std::vector<std::string> clientNets() {
  std::vector<std::string> nets;
  for (int i = 0; i < 64; ++i) nets.push_back("198.18." + std::to_string(i * 4) + ".0/24");
  return nets;
}

// The networks whose answer is the primary (us-east); every answer must be exactly one address of
// us-east or eu-west (a ramping region is never the cause of an empty answer).
std::set<std::string> onPrimary(const DnsdServer& server) {
  std::set<std::string> admitted;
  for (const auto& net : clientNets()) {
    Strings answer = healthAnswer(server, "ramp", net);
    EXPECT_EQ(answer.size(), 1u) << net;
    if (answer.empty()) continue;
    EXPECT_TRUE(answer[0] == kHealthEndpoints[0] || answer[0] == kHealthEndpoints[1])
        << net << " " << answer[0];
    if (answer[0] == kHealthEndpoints[0]) admitted.insert(net);
  }
  return admitted;
}

TEST_F(EmbeddedHealth, ARecoveredRegionIsRampedInNotSlammed) {
  const std::size_t all = clientNets().size();
  ASSERT_EQ(onPrimary(*server_).size(), all);
  backends_.stop(0);
  ASSERT_TRUE(nines::testing::waitUntil([&] { return onPrimary(*server_).empty(); }, 10s));

  ASSERT_TRUE(backends_.restart(0));
  // The first networks come back while the ramp is at its start (5% at once, then a step a
  // second over kSlowStart seconds).
  std::set<std::string> early;
  const double first = secondsUntil([&] { return !(early = onPrimary(*server_)).empty(); }, 10s);
  ASSERT_GE(first, 0) << statusJson(http_).dump(2);
  const auto first_at = std::chrono::steady_clock::now();
  nlohmann::json region = regionStatus(statusJson(http_), "ramp", "us-east");
  EXPECT_LT(region["ramp"].get<double>(), 1.0) << region.dump(2);
  EXPECT_NE(region.value("reason", "").find("slow start at"), std::string::npos) << region.dump(2);
  // The service without slow_start took it back whole meanwhile.
  EXPECT_EQ(healthAnswer(*server_, "app"), Strings{kHealthEndpoints[0]});

  // Halfway: more networks, and every one admitted before is still admitted.
  std::set<std::string> middle;
  ASSERT_TRUE(nines::testing::waitUntil(
      [&] { return regionStatus(statusJson(http_), "ramp", "us-east")["ramp"] >= 0.5; }, 10s));
  middle = onPrimary(*server_);
  // While it ramps the answer depends on the client's subnet, and the ECS scope says so (a scope
  // of 0 would let a resolver hand one subnet's answer to all of them).
  nines::testing::Response ramping = server_->askEcs("ramp.health.test.", "A", "198.18.4.0/24");
  EXPECT_EQ(ecsScope(ramping), 24) << ramping.ecs_option;
  // At the end: every network.
  std::set<std::string> late;
  const bool complete = nines::testing::waitUntil(
      [&] { return (late = onPrimary(*server_)).size() == all; },
      std::chrono::milliseconds(static_cast<int>(kSlowStart * 1000) + 5000));
  const double full =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - first_at).count();
  std::printf(
      "[ measured ] slow start %.0f s: %zu/%zu networks on the recovered region at first, %zu "
      "halfway, %zu at the end (%.2f s after the first)\n",
      kSlowStart, early.size(), all, middle.size(), late.size(), full);
  // Bounds: the first admissions come at a ramp of 5% or, if no network's hash falls that low,
  // at the next step (25%): half of them would be far outside either.
  EXPECT_LE(early.size(), all / 2);
  EXPECT_GT(middle.size(), early.size());
  EXPECT_TRUE(std::includes(middle.begin(), middle.end(), early.begin(), early.end()));
  ASSERT_TRUE(complete) << "not every network came back within slow_start + 5 s";
  EXPECT_EQ(late.size(), all);
  // The last networks wait for the ramp's last steps: not slammed back at once.
  EXPECT_GE(full, kSlowStart / 2);
  // Ramped in: the same answer for everyone again.
  nines::testing::Response settled = server_->askEcs("ramp.health.test.", "A", "198.18.4.0/24");
  EXPECT_EQ(ecsScope(settled), 0) << settled.ecs_option;
  EXPECT_DOUBLE_EQ(regionStatus(statusJson(http_), "ramp", "us-east")["ramp"].get<double>(), 1.0);
}

// The embedded prober feeds its states at least once a second even when nothing changes, and
// report_ttl may be set below that (dnsd.toml accepts any positive number). A down endpoint must
// stay down between two feeds, not turn "unknown" (treated as up) and flap back into the answers.
TEST(EmbeddedHealthTtl, ADownEndpointStaysDownWithAReportTtlBelowOneSecond) {
  Backends backends;
  ASSERT_TRUE(backends.start());
  DnsdServer server({{"health.test.toml", healthZone(backends.port(), {}, 0)}},
                    DnsdServer::Options{}, healthSections(0, 0.5, {}));
  ASSERT_TRUE(server.ready());
  const std::uint16_t http = server.httpPort();
  ASSERT_TRUE(nines::testing::waitUntil(
      [&] { return endpointState(http, "app", kHealthEndpoints[0]) == "up"; }, 5s));
  backends.stop(0);
  ASSERT_TRUE(nines::testing::waitUntil(
      [&] { return healthAnswer(server, "app") == Strings{kHealthEndpoints[1]}; }, 5s));
  // Two seconds of answers, every 20 ms: never the dead primary.
  int asked = 0, primary = 0;
  std::set<std::string> states;
  const auto until = std::chrono::steady_clock::now() + 2s;
  while (std::chrono::steady_clock::now() < until) {
    ++asked;
    if (healthAnswer(server, "app") == Strings{kHealthEndpoints[0]}) ++primary;
    states.insert(endpointState(http, "app", kHealthEndpoints[0]));
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_EQ(primary, 0) << primary << " of " << asked
                        << " answers gave the stopped backend; its states seen: "
                        << ::testing::PrintToString(states);
}

}  // namespace
}  // namespace nines::integration
