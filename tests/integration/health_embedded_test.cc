// Live health with the embedded prober (DESIGN.md "Processes": no [[health.probers]], dnsd runs
// the checks itself) against real HTTP backends on 127.0.0.11/.12/.13: a region whose backend
// stops leaves the answers within fall x interval plus a little, comes back within rise x
// interval plus a little, and with slow_start is ramped in rather than slammed. The times are
// measured and printed. Last, a down endpoint must stay down whatever report_ttl is.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iterator>
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
// How late after the state machine's own delay (fall or rise x interval) a change may reach the
// answers: the health thread looks every 250 ms, the embedded prober feeds on every change (a
// remote prober's report interval would come on top: one second is allowed for it, as for a
// remote one), and three seconds of slack, for CTest runs tests side by side on a machine that may
// be busy. The times themselves are printed ("[ measured ]"); the bound only catches a change
// that never comes or waits for something else.
constexpr double kReportAllowance = 1.0;
constexpr double kSlack = 3.0;

// Whether process `pid` has a shared library whose path contains `name` mapped.
bool mapsLibrary(pid_t pid, const std::string& name) {
  std::ifstream maps("/proc/" + std::to_string(pid) + "/maps");
  std::string text((std::istreambuf_iterator<char>(maps)), std::istreambuf_iterator<char>());
  EXPECT_FALSE(text.empty()) << "cannot read the maps of process " << pid;
  return text.find(name) != std::string::npos;
}

// dnsd opens libcurl for its first HTTP check only: one whose checks are done by remote probers,
// or that has none, does not carry libcurl and its dependencies (about 4 MB resident).
TEST(EmbeddedProberLibraries, LibcurlIsNotLoadedWithoutAnHttpCheck) {
  DnsdServer server({{"example.test.toml", exampleZone()}});
  ASSERT_TRUE(server.ready());
  Response answer = server.ask("www.example.test.", "A");
  ASSERT_EQ(answer.rcode, "NOERROR");
  EXPECT_FALSE(mapsLibrary(server.process().pid(), "libcurl"));
}

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
    ASSERT_TRUE(waitAllAppEndpointsUp(http_)) << statusJson(http_).dump(2);
  }

  CheckTiming timing_;
  Backends backends_;
  std::unique_ptr<DnsdServer> server_;
  std::uint16_t http_ = 0;
};

TEST_F(EmbeddedHealth, LibcurlIsLoadedForTheHttpChecks) {
  EXPECT_TRUE(mapsLibrary(server_->process().pid(), "libcurl"));
}

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
  const double out = secondsUntil([&] { return healthAnswer(*server_, "app") == secondary; }, 20s);
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
  const double back = secondsUntil([&] { return healthAnswer(*server_, "app") == primary; }, 20s);
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

// The ramp of us-east in the ramp service as GET /v1/status shows it (1 once whole, or while the
// region is down; -1 when there is no such entry), and the region's reason.
struct RampView {
  double ramp = -1;
  std::string reason;
};
RampView rampView(std::uint16_t http) {
  nlohmann::json region = regionStatus(statusJson(http), "ramp", "us-east");
  if (!region.is_object() || !region["ramp"].is_number()) return {};
  return {region["ramp"].get<double>(), region.value("reason", "")};
}

// One look at a ramp in progress. The ramp dnsd answered at lies between `before` and `after`
// (read just before and just after the answers), however long the test's own thread was kept
// waiting in between.
struct RampSample {
  RampView before, after;
  std::set<std::string> admitted;  // the networks answered from the recovering region
  int scope = -1;                  // ECS scope of a ramp answer for 198.18.4.0/24
  Strings app;                     // the answer of app, which has no slow start
  double at = 0;                   // seconds since the backend came back (test's clock)
};

TEST_F(EmbeddedHealth, ARecoveredRegionIsRampedInNotSlammed) {
  const std::size_t all = clientNets().size();
  ASSERT_EQ(onPrimary(*server_).size(), all);
  backends_.stop(0);
  ASSERT_TRUE(nines::testing::waitUntil([&] { return onPrimary(*server_).empty(); }, 20s));

  ASSERT_TRUE(backends_.restart(0));
  const auto restarted = std::chrono::steady_clock::now();
  std::vector<RampSample> samples;
  const bool complete = nines::testing::waitUntil(
      [&] {
        RampSample sample;
        sample.before = rampView(http_);
        sample.admitted = onPrimary(*server_);
        sample.scope = ecsScope(server_->askEcs("ramp.health.test.", "A", "198.18.4.0/24"));
        sample.app = healthAnswer(*server_, "app");
        sample.after = rampView(http_);
        sample.at =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - restarted).count();
        samples.push_back(sample);
        return sample.admitted.size() == all;
      },
      std::chrono::milliseconds(static_cast<int>(kSlowStart * 1000)) + 20s);
  ASSERT_TRUE(complete) << "not every network came back within slow_start + 20 s";

  // What the samples must show, each sound whatever the scheduling: ramped in (some networks
  // back, not all, at some moment), never one taken back out, and at half the ramp or more still
  // some waiting. While it ramps the status says so, the answer depends on the client's subnet
  // and the ECS scope says so (a scope of 0 would let a resolver hand one subnet's answer to all
  // of them), and the service without slow start already answers from the recovered region.
  const RampSample* first = nullptr;
  const RampSample* halfway = nullptr;
  bool partial = false;
  int seen_ramping = 0;
  for (std::size_t i = 0; i < samples.size(); ++i) {
    const RampSample& sample = samples[i];
    SCOPED_TRACE("sample " + std::to_string(i) + " at " + std::to_string(sample.at) + " s");
    if (i > 0) {
      const auto& earlier = samples[i - 1].admitted;
      EXPECT_TRUE(std::includes(sample.admitted.begin(), sample.admitted.end(), earlier.begin(),
                                earlier.end()))
          << "a network went back to the secondary";
    }
    if (!sample.admitted.empty() && first == nullptr) first = &sample;
    if (!sample.admitted.empty() && sample.admitted.size() < all) partial = true;
    const bool ramping_before = sample.before.ramp >= 0 && sample.before.ramp < 1;
    if (ramping_before) {
      EXPECT_NE(sample.before.reason.find("slow start at"), std::string::npos)
          << sample.before.reason;
    }
    if (ramping_before && sample.before.ramp >= 0.5 && sample.admitted.size() < all &&
        halfway == nullptr) {
      halfway = &sample;
    }
    if (ramping_before && sample.after.ramp >= 0 && sample.after.ramp < 1) {
      ++seen_ramping;
      EXPECT_EQ(sample.scope, 24);
    }
    if (!sample.admitted.empty()) {
      EXPECT_EQ(sample.app, Strings{kHealthEndpoints[0]});
    }
  }
  ASSERT_NE(first, nullptr);
  std::printf(
      "[ measured ] slow start %.0f s: %zu/%zu networks on the recovered region at first (%.2f s "
      "after the backend came back), %zu with the ramp at half or more, all %zu at %.2f s\n",
      kSlowStart, first->admitted.size(), all, first->at,
      halfway != nullptr ? halfway->admitted.size() : all, all, samples.back().at);
  EXPECT_TRUE(partial) << "the networks came back all at once";
  EXPECT_NE(halfway, nullptr) << "every network was back before the ramp reached half";
  EXPECT_GT(seen_ramping, 0) << "no look at the answers fell inside the ramp";
  // Ramped in: the same answer for everyone again.
  nines::testing::Response settled = server_->askEcs("ramp.health.test.", "A", "198.18.4.0/24");
  EXPECT_EQ(ecsScope(settled), 0) << settled.ecs_option;
  EXPECT_DOUBLE_EQ(rampView(http_).ramp, 1.0);
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
      [&] { return endpointState(http, "app", kHealthEndpoints[0]) == "up"; }, 15s));
  backends.stop(0);
  ASSERT_TRUE(nines::testing::waitUntil(
      [&] { return healthAnswer(server, "app") == Strings{kHealthEndpoints[1]}; }, 15s));
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
