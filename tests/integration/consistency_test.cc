// `ninesctl consistency` against two real dnsd (ns1, ns2) on 127.0.0.1, loading the same files and
// taking reports from the same probers (signed by the test): they agree; a drain sent to one only,
// then a prober heard by one only, makes them differ, said on stdout with exit status 2; a
// nameserver that is gone is exit status 3. The comparison itself is unit-tested
// (tests/tools/ninesctl/status_comparison_test.cc); this checks the command on live documents.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "health_harness.h"

namespace nines::integration {
namespace {

using namespace std::chrono_literals;
using nines::testing::binaryPath;
using nines::testing::CommandResult;
using nines::testing::runCommand;

constexpr const char* kToken = "consistency-test-token";

class Consistency : public ::testing::Test {
 protected:
  void SetUp() override {
    ::unsetenv("NINES_TOKEN");
    // Votes stay fresh for the whole test (nothing expires between two commands on a loaded
    // machine); the check's port is never probed (remote probers only).
    std::string sections = healthSections(0, 60.0, testProbers());
    sections.replace(sections.find("[health]"), 0, std::string("token = \"") + kToken + "\"\n");
    for (auto& server : servers_) {
      server = std::make_unique<DnsdServer>(
          std::map<std::string, std::string>{{"health.test.toml", healthZone(9, {}, 0)}},
          DnsdServer::Options{}, sections);
    }
    for (auto& server : servers_) {
      ASSERT_TRUE(server->ready());
      ASSERT_NE(server->httpPort(), 0) << server->process().log();
      urls_.push_back("http://127.0.0.1:" + std::to_string(server->httpPort()));
    }
  }
  // Prober `index` reports every endpoint of health.test up to the nameservers `to`.
  void reportAllUp(std::size_t index, const std::vector<std::size_t>& to) {
    std::vector<std::pair<std::string, bool>> results;
    for (const auto& address : kHealthEndpoints) results.emplace_back(address, true);
    ++seq_;
    for (std::size_t server : to) {
      ASSERT_EQ(postSigned(servers_[server]->httpPort(), testProbers()[index], seq_, results), 200);
    }
  }
  // `ninesctl consistency` over both nameservers, asking for up to `wait` seconds.
  CommandResult consistency(double wait) {
    std::vector<std::string> args = {
        binaryPath("ninesctl"), "consistency", urls_[0], urls_[1], "--wait", std::to_string(wait)};
    return runCommand(args, std::chrono::seconds(30));
  }
  static bool has(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
  }

  std::unique_ptr<DnsdServer> servers_[2];
  std::vector<std::string> urls_;
  std::uint64_t seq_ = 100;
};

TEST_F(Consistency, AgreeThenADrainOnOneThenAProberHeardByOneThenOneGone) {
  reportAllUp(0, {0, 1});
  reportAllUp(1, {0, 1});
  // Each publishes its view at its next tick: until then both show every endpoint unknown, and
  // would agree on that.
  for (const auto& server : servers_) {
    ASSERT_TRUE(nines::testing::waitUntil(
        [&] { return endpointState(server->httpPort(), "ramp", kHealthEndpoints[2]) == "up"; }));
  }
  CommandResult agreed = consistency(15);
  EXPECT_EQ(agreed.status, 0) << agreed.out << agreed.err;
  EXPECT_TRUE(has(agreed.out, "2 nameservers agree: " + urls_[0] + " " + urls_[1])) << agreed.out;
  EXPECT_TRUE(has(agreed.out, "probers heard  p1, p2")) << agreed.out;
  EXPECT_TRUE(has(agreed.out, "drains         (none)")) << agreed.out;
  EXPECT_TRUE(has(agreed.out, "regions        6 (6 up)")) << agreed.out;

  // A drain sent to ns1 only: its verdict, its health view and its drains part from ns2's.
  HttpReply drained = httpPost(servers_[0]->httpPort(), "/v1/drain",
                               R"({"service": "app", "region": "us-east"})", kToken);
  ASSERT_EQ(drained.status, 200) << drained.body;
  ASSERT_TRUE(nines::testing::waitUntil([&] {
    const nlohmann::json region =
        regionStatus(statusJson(servers_[0]->httpPort()), "app", "us-east");
    return region.is_object() && region.value("state", "") == "drained";
  }));
  // No --wait: a difference is reported as soon as it is seen.
  CommandResult parted = consistency(0);
  EXPECT_EQ(parted.status, 2) << parted.out << parted.err;
  std::printf("ninesctl consistency, ns1 drained:\n%s", parted.out.c_str());
  EXPECT_TRUE(has(parted.out, "different drains:")) << parted.out;
  EXPECT_TRUE(has(parted.out, "different region verdicts (1 of 6):")) << parted.out;
  EXPECT_TRUE(has(parted.out, "app.health.test. us-east")) << parted.out;
  EXPECT_TRUE(has(parted.out, "different health digest:")) << parted.out;
  EXPECT_FALSE(has(parted.out, "different endpoint states")) << "a region's drain, not theirs";
  EXPECT_FALSE(has(parted.out, "different config digest")) << parted.out;
  EXPECT_TRUE(has(parted.out, "DISAGREE: 2 nameservers differ on health digest, region verdicts"))
      << parted.out;

  // Undrained, they agree again; then a prober reports to ns2 only.
  ASSERT_EQ(httpPost(servers_[0]->httpPort(), "/v1/undrain",
                     R"({"service": "app", "region": "us-east"})", kToken)
                .status,
            200);
  CommandResult again = consistency(15);
  EXPECT_EQ(again.status, 0) << again.out << again.err;
  reportAllUp(2, {1});
  CommandResult unheard = consistency(0);
  EXPECT_EQ(unheard.status, 2) << unheard.out << unheard.err;
  EXPECT_TRUE(has(unheard.out, "different probers heard:\n  " + urls_[0] + "  p1, p2\n  " +
                                   urls_[1] + "  p1, p2, p3\n"))
      << unheard.out;
  EXPECT_TRUE(has(unheard.out, "DISAGREE: 2 nameservers differ on probers heard\n")) << unheard.out;

  // ns2 gone: that is said on stderr, with its own exit status.
  servers_[1].reset();
  CommandResult gone = consistency(0);
  EXPECT_EQ(gone.status, 3) << gone.out << gone.err;
  EXPECT_TRUE(has(gone.err, urls_[1] + ": cannot reach it")) << gone.err;
}

TEST_F(Consistency, OneURLIsNotAComparison) {
  CommandResult one = runCommand({binaryPath("ninesctl"), "consistency", urls_[0]});
  EXPECT_EQ(one.status, 1);
  EXPECT_TRUE(has(one.err, "two or more")) << one.err;
}

}  // namespace
}  // namespace nines::integration
