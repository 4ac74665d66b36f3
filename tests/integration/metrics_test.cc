// GET /metrics on a real dnsd (DESIGN.md "Metrics", dnsd/control/README.md): the exposition
// passes `promtool check metrics` with no warnings, and its values move as the test drives
// queries over UDP and TCP (several rcodes), signed reports (accepted and refused), a health
// change (the test hook), a drain, and a SIGHUP reload (the counts survive it).
#include <gtest/gtest.h>

#include <cmath>
#include <csignal>
#include <limits>
#include <map>
#include <memory>
#include <sstream>
#include <string>

#include "health_harness.h"
#include "metrics_text.h"

namespace nines::integration {
namespace {

using namespace std::chrono_literals;
using Samples = std::map<std::string, double>;

constexpr const char* kToken = "metrics-test-token-0123456789";

Samples parseSamples(const std::string& text) { return nines::testing::parseMetricSamples(text); }

std::string queriesKey(const std::string& zone, const std::string& qtype, const std::string& rcode,
                       const std::string& transport) {
  return "nines_dns_queries_total{zone=\"" + zone + "\",qtype=\"" + qtype + "\",rcode=\"" + rcode +
         "\",transport=\"" + transport + "\"}";
}
std::string decisionsKey(const std::string& outcome) {
  return "nines_decisions_total{service=\"app.health.test.\",outcome=\"" + outcome + "\"}";
}
std::string answersKey(const std::string& region) {
  return "nines_dns_answers_total{service=\"app.health.test.\",region=\"" + region + "\"}";
}
std::string regionKey(const std::string& family, const std::string& region) {
  return family + "{service=\"app.health.test.\",region=\"" + region + "\"}";
}
std::string endpointKey(const std::string& family, const std::string& region,
                        const std::string& endpoint) {
  return family + "{service=\"app.health.test.\",region=\"" + region + "\",endpoint=\"" + endpoint +
         "\"}";
}
std::string reportsKey(const std::string& prober, const std::string& result) {
  return "nines_reports_total{prober=\"" + prober + "\",result=\"" + result + "\"}";
}

class Metrics : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string sections = healthSections(0, 60.0, testProbers());
    sections.replace(sections.find("[health]"), 0,
                     "token = \"" + std::string(kToken) + "\"\ntest_hooks = true\n");
    server_ = std::make_unique<DnsdServer>(
        std::map<std::string, std::string>{{"health.test.toml", healthZone(9, {}, 0)}},
        DnsdServer::Options{}, sections);
    ASSERT_TRUE(server_->ready());
    http_ = server_->httpPort();
    ASSERT_NE(http_, 0) << server_->process().log();
  }

  std::string scrape() {
    const nines::testing::HttpReply reply = nines::testing::httpGet(http_, "/metrics");
    EXPECT_EQ(reply.status, 200);
    EXPECT_EQ(reply.content_type, "text/plain; version=0.0.4");
    return reply.body;
  }
  Samples samples() { return parseSamples(scrape()); }
  // The value of `key` in a fresh scrape; NaN when absent.
  double value(const std::string& key) {
    Samples s = samples();
    auto it = s.find(key);
    return it == s.end() ? std::nan("") : it->second;
  }
  std::string answer(Transport transport = Transport::Udp) {
    nines::testing::Response r = server_->ask("app.health.test.", "A", transport);
    EXPECT_TRUE(r.parsed);
    return r.answer.empty() ? "" : r.answer[0].substr(r.answer[0].rfind(' ') + 1);
  }
  int setHealth(const std::string& region, const std::string& state) {
    return nines::testing::httpPost(http_, "/v1/test/health",
                                    "{\"service\": \"app\", \"region\": \"" + region +
                                        "\", \"state\": \"" + state + "\"}")
        .status;
  }

  std::unique_ptr<DnsdServer> server_;
  std::uint16_t http_ = 0;
};

TEST_F(Metrics, PromtoolChecksTheExpositionWithoutWarnings) {
  // Some of everything first, so no family is checked empty.
  answer();
  server_->ask("nope.health.test.", "TXT", Transport::Tcp);
  ASSERT_EQ(postSigned(http_, testProbers()[0], 1, {{kHealthEndpoints[0], true}}), 200);
  const std::string path = server_->dir().path() + "/metrics.txt";
  server_->dir().write("metrics.txt", scrape());
  const nines::testing::CommandResult check = nines::testing::runCommand(
      {"/bin/sh", "-c", "/usr/bin/promtool check metrics < '" + path + "'"}, 30s);
  EXPECT_EQ(check.status, 0) << check.out << check.err;
  EXPECT_EQ(check.out + check.err, "");
}

TEST_F(Metrics, QueryCountsMoveByZoneTypeRcodeAndTransport) {
  const Samples before = samples();
  for (int i = 0; i < 3; ++i) EXPECT_EQ(answer(), kHealthEndpoints[0]);
  for (int i = 0; i < 2; ++i) EXPECT_EQ(answer(Transport::Tcp), kHealthEndpoints[0]);
  EXPECT_EQ(server_->ask("nope.health.test.", "A").rcode, "NXDOMAIN");
  EXPECT_EQ(server_->ask("ns1.health.test.", "AAAA", Transport::Tcp).rcode, "NOERROR");
  EXPECT_EQ(server_->ask("www.elsewhere.test.", "MX").rcode, "REFUSED");
  // NOTIMP is decided from the type alone, before any zone is looked up.
  EXPECT_EQ(server_->ask("app.health.test.", "MAILA").rcode, "NOTIMP");
  const Samples after = samples();
  auto delta = [&](const std::string& key) {
    auto a = after.find(key);
    auto b = before.find(key);
    return (a == after.end() ? 0 : a->second) - (b == before.end() ? 0 : b->second);
  };
  EXPECT_EQ(delta(queriesKey("health.test.", "A", "NOERROR", "udp")), 3);
  EXPECT_EQ(delta(queriesKey("health.test.", "A", "NOERROR", "tcp")), 2);
  EXPECT_EQ(delta(queriesKey("health.test.", "A", "NXDOMAIN", "udp")), 1);
  EXPECT_EQ(delta(queriesKey("health.test.", "AAAA", "NOERROR", "tcp")), 1);
  EXPECT_EQ(delta(queriesKey("none", "MX", "REFUSED", "udp")), 1);
  EXPECT_EQ(delta(queriesKey("none", "other", "NOTIMP", "udp")), 1);
  // Every A answer of app is a decision (the repeated ones from the worker's decision cache).
  EXPECT_EQ(delta(decisionsKey("primary")), 5);
  EXPECT_EQ(delta(answersKey("us-east")), 5);
  EXPECT_EQ(delta(answersKey("eu-west")), 0);
  // Each of them looked in its worker's cache (UDP and TCP each have their own): 5 lookups, the
  // repeats hits unless the serving state changed in between.
  const double hits = delta("nines_decision_cache_lookups_total{result=\"hit\"}");
  const double misses = delta("nines_decision_cache_lookups_total{result=\"miss\"}");
  EXPECT_EQ(hits + misses, 5);
  EXPECT_GE(hits, 1);
  EXPECT_GE(misses, 2);  // the first on UDP and the first on TCP
}

TEST(MetricsDecisionCache, EntriesFollowTheConfig) {
  DnsdServer server(
      nines::testing::answerZones(),
      {.listen = {"127.0.0.1:0"}, .server_extra = "decision_cache_entries = 5000\n", .threads = 2},
      "[http]\nlisten = \"127.0.0.1:0\"\n");
  ASSERT_TRUE(server.ready());
  const Samples s = parseSamples(nines::testing::httpGet(server.httpPort(), "/metrics").body);
  // Two UDP workers of 8,192 entries (5,000 rounded up to a power of two) and the TCP thread's
  // 2,048.
  ASSERT_EQ(s.count("nines_decision_cache_entries"), 1u);
  EXPECT_EQ(s.at("nines_decision_cache_entries"), 2 * 8192 + 2048);
}

TEST_F(Metrics, ReportsCountByProberAndResult) {
  EXPECT_EQ(value("nines_prober_last_report_age_seconds{prober=\"p1\"}"),
            std::numeric_limits<double>::infinity());
  ASSERT_EQ(postSigned(http_, testProbers()[0], 1, {{kHealthEndpoints[0], true}}), 200);
  ASSERT_EQ(postSigned(http_, testProbers()[0], 2, {{kHealthEndpoints[0], true}}), 200);
  ASSERT_EQ(postSigned(http_, testProbers()[0], 2, {{kHealthEndpoints[0], true}}), 409);
  const std::string body = reportBody("p2", 1, {{kHealthEndpoints[0], true}});
  ASSERT_EQ(postReport(http_, "p2", std::string(64, '0'), body).status, 401);
  const Samples s = samples();
  EXPECT_EQ(s.at(reportsKey("p1", "accepted")), 2);
  EXPECT_EQ(s.at(reportsKey("p1", "replay")), 1);
  EXPECT_EQ(s.at(reportsKey("p2", "bad_signature")), 1);
  EXPECT_EQ(s.at(reportsKey("p2", "accepted")), 0);
  EXPECT_GE(s.at("nines_prober_last_report_age_seconds{prober=\"p1\"}"), 0);
  EXPECT_LT(s.at("nines_prober_last_report_age_seconds{prober=\"p1\"}"), 60);
  EXPECT_EQ(s.at("nines_prober_last_report_age_seconds{prober=\"p2\"}"),
            std::numeric_limits<double>::infinity());
}

TEST_F(Metrics, HealthAndDrainGaugesAndOutcomesMove) {
  const Samples start = samples();
  EXPECT_EQ(start.at(endpointKey("nines_endpoint_unknown", "us-east", kHealthEndpoints[0])), 1);
  EXPECT_EQ(start.at(regionKey("nines_region_up", "us-east")), 1);
  auto digestOf = [](const Samples& s) {
    for (const auto& [key, v] : s) {
      if (key.rfind("nines_health_view_info{", 0) == 0) return key;
    }
    return std::string();
  };
  const std::string healthy_digest = digestOf(start);
  ASSERT_FALSE(healthy_digest.empty());

  // us-east down (the test hook): gauges, the view digest, and the answers' outcome follow.
  ASSERT_EQ(setHealth("us-east", "down"), 200);
  ASSERT_TRUE(nines::testing::waitUntil([&] { return answer() == kHealthEndpoints[1]; }, 10s));
  Samples s = samples();
  EXPECT_EQ(s.at(endpointKey("nines_endpoint_up", "us-east", kHealthEndpoints[0])), 0);
  EXPECT_EQ(s.at(endpointKey("nines_endpoint_unknown", "us-east", kHealthEndpoints[0])), 0);
  EXPECT_EQ(s.at(regionKey("nines_region_up", "us-east")), 0);
  EXPECT_NE(digestOf(s), healthy_digest);
  const double fallbacks = s.at(decisionsKey("fallback"));
  EXPECT_GE(fallbacks, 1);
  EXPECT_EQ(answer(), kHealthEndpoints[1]);
  EXPECT_EQ(value(decisionsKey("fallback")), fallbacks + 1);

  // Back up, then drained by the API: drained_skip.
  ASSERT_EQ(setHealth("us-east", "up"), 200);
  ASSERT_TRUE(nines::testing::waitUntil([&] { return answer() == kHealthEndpoints[0]; }, 10s));
  EXPECT_EQ(value(endpointKey("nines_endpoint_up", "us-east", kHealthEndpoints[0])), 1);
  ASSERT_EQ(nines::testing::httpPost(http_, "/v1/drain",
                                     "{\"service\": \"app\", \"region\": \"us-east\"}", kToken)
                .status,
            200);
  ASSERT_TRUE(nines::testing::waitUntil([&] { return answer() == kHealthEndpoints[1]; }, 10s));
  s = samples();
  EXPECT_EQ(s.at(regionKey("nines_region_drained", "us-east")), 1);
  EXPECT_EQ(s.at(regionKey("nines_region_up", "us-east")), 0);
  const double skips = s.at(decisionsKey("drained_skip"));
  EXPECT_GE(skips, 1);
  EXPECT_EQ(answer(), kHealthEndpoints[1]);
  EXPECT_EQ(value(decisionsKey("drained_skip")), skips + 1);
  EXPECT_GE(s.at("nines_health_view_age_seconds"), 0);
}

TEST_F(Metrics, CountsSurviveAZoneReload) {
  for (int i = 0; i < 4; ++i) answer();
  server_->ask("nope.health.test.", "A", Transport::Tcp);
  const Samples before = samples();
  const double reloads = before.at("nines_reloads_total{result=\"success\"}");
  const std::string noerror = queriesKey("health.test.", "A", "NOERROR", "udp");
  const std::string nxdomain = queriesKey("health.test.", "A", "NXDOMAIN", "tcp");
  ASSERT_EQ(before.at(noerror), 4);
  ASSERT_EQ(before.at(nxdomain), 1);

  // A zone added by the reload (the zones' slots may move): counts follow their zone by name.
  server_->writeZone("aaa.test.toml",
                     nines::testing::zoneHead("aaa.test.", 1) +
                         "\"@\" = [\"NS ns1.aaa.test.\"]\nns1 = [\"A 192.0.2.9\"]\n");
  server_->process().signal(SIGHUP);
  ASSERT_TRUE(nines::testing::waitUntil(
      [&] { return value("nines_reloads_total{result=\"success\"}") == reloads + 1; }, 20s))
      << server_->process().log();
  // The workers move to the new table on their next query; counts from before are kept.
  answer();
  server_->ask("nope.health.test.", "A", Transport::Tcp);
  EXPECT_EQ(server_->ask("ns1.aaa.test.", "A").rcode, "NOERROR");
  const Samples after = samples();
  EXPECT_EQ(after.at(queriesKey("aaa.test.", "A", "NOERROR", "udp")), 1);
  EXPECT_EQ(after.at(noerror), 5);
  EXPECT_EQ(after.at(nxdomain), 2);
  EXPECT_EQ(after.at(decisionsKey("primary")), before.at(decisionsKey("primary")) + 1);
  EXPECT_EQ(after.at("nines_config_last_reload_successful"), 1);
  EXPECT_GE(after.at("nines_config_last_reload_success_timestamp_seconds"),
            before.at("nines_config_last_reload_success_timestamp_seconds"));
}

}  // namespace
}  // namespace nines::integration
