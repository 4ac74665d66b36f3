// Scenario 9, capacity and the N-1 rule, through the real binaries: `ninesctl check` (zone files,
// and --config) warns, at the service's file:line:col and by how much, when a service's regions
// cannot carry its expected_load without the largest; a wrong capacity is an error there; and
// dnsd shows the headroom with the regions up now in /v1/status and /metrics, moving when a
// region is drained. (The status page's table: status_page_test.cc.)
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "health_harness.h"
#include "metrics_text.h"

namespace nines::integration {
namespace {

using nines::testing::binaryPath;
using nines::testing::runCommand;

constexpr const char* kToken = "capacity-test-token";

// A geo service expecting `expected_load` over us-east (15000), eu-west (15000), ap-south
// (10000): N-1 leaves 25000.
std::string capacityZone(const std::string& expected_load, const std::string& ap_capacity) {
  std::string zone = nines::testing::zoneHead("cap.test.", 1) +
                     "\"@\" = [\"NS ns1.cap.test.\"]\nns1 = [\"A 127.0.0.53\"]\n" + kRegionTables +
                     "\n[services.web]\npolicy = \"geo\"\nexpected_load = " + expected_load + "\n";
  const std::string capacities[] = {"15000", "15000", ap_capacity};
  for (std::size_t i = 0; i < kHealthRegions.size(); ++i) {
    zone += "[services.web.pools." + kHealthRegions[i] + "]\ncapacity = " + capacities[i] +
            "\nendpoints = [\"" + kHealthEndpoints[i] + "\"]\n";
  }
  return zone;
}

TEST(Capacity, CheckWarnsByHowMuchAndDnsdShowsTheHeadroom) {
  const std::string zone = capacityZone("30000", "10000");
  std::string sections = healthSections(0, 60, testProbers());
  sections.replace(sections.find("[health]"), 0, std::string("token = \"") + kToken + "\"\n");
  DnsdServer server({{"cap.test.toml", zone}}, DnsdServer::Options{}, sections);
  ASSERT_TRUE(server.ready());

  const std::string where = server.zonePath("cap.test.toml") + ":" +
                            std::to_string(nines::testing::lineOf(zone, "[services.web]")) +
                            ":11: ";
  const std::string warning =
      where +
      "warning: service web.cap.test. expects 30000/s, but without us-east (the largest, "
      "15000/s) the others carry 25000/s: 5000/s short (the N-1 rule)\n";
  for (const auto& target : {server.zonePath("cap.test.toml"), server.configPath()}) {
    SCOPED_TRACE(target);
    const bool config = target == server.configPath();
    auto check = runCommand(
        config ? std::vector<std::string>{binaryPath("ninesctl"), "check", "--config", target}
               : std::vector<std::string>{binaryPath("ninesctl"), "check", target});
    EXPECT_EQ(check.status, 0) << "a warning, not an error: " << check.err;
    EXPECT_EQ(check.err, warning);
    EXPECT_NE(check.out.find("cap.test.: "), std::string::npos) << check.out;
  }

  // dnsd: all three up carry 40000, 10000 spare; N-1 25000, 5000 short.
  const std::uint16_t http = server.httpPort();
  nlohmann::json capacity = serviceStatus(statusJson(http), "web")["capacity"];
  EXPECT_EQ(capacity["headroom"], 10000.0);
  EXPECT_EQ(capacity["lost_region"], "us-east");
  EXPECT_EQ(capacity["n1_headroom"], -5000.0);
  auto metrics = nines::testing::parseMetricSamples(httpGet(http, "/metrics").body);
  EXPECT_EQ(metrics["nines_service_capacity_headroom{service=\"web.cap.test.\"}"], 10000);
  EXPECT_EQ(metrics["nines_service_n1_headroom{service=\"web.cap.test.\"}"], -5000);

  // eu-west drained: us-east and ap-south carry 25000, 5000 short now, 20000 short without us-east.
  ASSERT_EQ(
      httpPost(http, "/v1/drain", R"({"service": "web", "region": "eu-west"})", kToken).status,
      200);
  ASSERT_TRUE(nines::testing::waitUntil([&] {
    return serviceStatus(statusJson(http), "web")["capacity"]["n1_headroom"] == -20000.0;
  })) << statusJson(http).dump();
  metrics = nines::testing::parseMetricSamples(httpGet(http, "/metrics").body);
  EXPECT_EQ(metrics["nines_service_capacity_headroom{service=\"web.cap.test.\"}"], -5000);
  EXPECT_EQ(metrics["nines_service_n1_headroom{service=\"web.cap.test.\"}"], -20000);
  auto status = runCommand(
      {binaryPath("ninesctl"), "status", "--server", "http://127.0.0.1:" + std::to_string(http)});
  EXPECT_NE(status.out.find("  capacity: expects 30000/s; the regions up carry 25000/s (5000/s "
                            "short); without us-east 10000/s (20000/s short)\n"),
            std::string::npos)
      << status.out;
}

TEST(Capacity, AWrongCapacityIsAnErrorAtItsPlace) {
  nines::testing::TempDir dir;
  const std::string zone = capacityZone("30000", "-5");
  const std::string path = dir.write("cap.test.toml", zone);
  auto check = runCommand({binaryPath("ninesctl"), "check", path});
  EXPECT_EQ(check.status, 1);
  EXPECT_NE(check.err.find(path + ":" + std::to_string(nines::testing::lineOf(zone, "-5")) +
                           ":12: services.web.pools.ap-south.capacity -5 is out of range"),
            std::string::npos)
      << check.err;
}

}  // namespace
}  // namespace nines::integration
