// renderMetrics() and healthViewDigest() on serving states built here: the gauges say what the
// health view says, ages and counters come from their sources, and the view digest depends on the
// verdicts alone (not on the order zones were loaded in, nor on slow-start progress).
#include "nines/dnsd/control/metrics.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "metrics_text.h"
#include "nines/zones/loader.h"
#include "process.h"
#include "zone_text.h"

namespace nines::dnsd {
namespace {

// With `capacity`: expected_load 1000, capacity 1500 in r1 and 800 in r2.
std::string zoneWithService(const std::string& origin, bool capacity = false) {
  return nines::testing::zoneHead(origin, 1) + "\"@\" = [\"NS ns1." + origin +
         "\"]\nns1 = [\"A 192.0.2.53\"]\n[regions.r1]\n[regions.r2]\n"
         "[services.www]\npolicy = \"failover\"\norder = [\"r1\", \"r2\"]\n" +
         (capacity ? "expected_load = 1000\n" : "") +
         "[services.www.pools.r1]\nendpoints = [\"192.0.2.1\", \"192.0.2.2\"]\n" +
         (capacity ? "capacity = 1500\n" : "") +
         "[services.www.pools.r2]\nendpoints = [\"192.0.2.3\"]\n" +
         (capacity ? "capacity = 800\n" : "");
}

// The zones of a.test. and b.test., `b_first` deciding their slots; every endpoint Unknown.
std::shared_ptr<ServingState> stateOf(bool b_first, bool capacity = false) {
  nines::testing::TempDir dir;
  dir.write("zones/a.toml", zoneWithService("a.test.", capacity));
  dir.write("zones/b.toml", zoneWithService("b.test."));
  auto loaded = zones::loadZones(dir.path() + "/zones");
  for (const auto& error : loaded.errors) ADD_FAILURE() << error.toString();
  std::sort(loaded.zones.begin(), loaded.zones.end(),
            [&](const zones::Zone& x, const zones::Zone& y) {
              return (x.origin.toText() < y.origin.toText()) != b_first;
            });
  auto state = std::make_shared<ServingState>();
  state->generation = 1;
  state->zones = ZoneTable::build(std::move(loaded.zones));
  auto view = std::make_shared<policy::HealthView>();
  view->services = state->zones->services().initial_health;
  view->built_at = 1000;
  state->health = view;
  return state;
}

// The view of `state`, for changing it.
policy::HealthView& view(ServingState& state) {
  return const_cast<policy::HealthView&>(*state.health);
}
// The health of region `region` of www.`origin`.
policy::RegionHealth& region(ServingState& state, const std::string& origin, std::size_t index) {
  const auto& plans = state.zones->services().plans;
  for (std::size_t slot = 0; slot < plans.size(); ++slot) {
    if (plans[slot].zone == origin) return view(state).services[slot].regions[index];
  }
  ADD_FAILURE() << origin;
  return view(state).services[0].regions[index];
}

std::map<std::string, double> samples(const std::string& text) {
  return nines::testing::parseMetricSamples(text);
}

TEST(HealthViewDigest, FollowsTheVerdictsNotTheLoadOrderOrTheRamp) {
  auto a_first = stateOf(false);
  auto b_first = stateOf(true);
  ASSERT_NE(a_first->zones->zones()[0]->origin.toText(),
            b_first->zones->zones()[0]->origin.toText());
  const std::string healthy = healthViewDigest(*a_first);
  EXPECT_EQ(healthy.size(), 16u);
  EXPECT_EQ(healthViewDigest(*b_first), healthy);

  region(*a_first, "a.test.", 0).ramp = 0.3;
  EXPECT_EQ(healthViewDigest(*a_first), healthy) << "slow-start progress is not a verdict";
  region(*a_first, "a.test.", 0).endpoints[1] = policy::EndpointState::Down;
  const std::string one_down = healthViewDigest(*a_first);
  EXPECT_NE(one_down, healthy);
  region(*b_first, "a.test.", 0).endpoints[1] = policy::EndpointState::Down;
  EXPECT_EQ(healthViewDigest(*b_first), one_down);
  region(*a_first, "a.test.", 1).drained = true;
  EXPECT_NE(healthViewDigest(*a_first), one_down);
}

TEST(RenderMetrics, GaugesFollowTheHealthView) {
  auto state = stateOf(false);
  policy::RegionHealth& r1 = region(*state, "a.test.", 0);
  r1.endpoints = {policy::EndpointState::Down, policy::EndpointState::Drained};
  r1.ramp = 0.25;
  region(*state, "a.test.", 1).endpoints = {policy::EndpointState::Up};
  MetricsSources sources;
  sources.state = state.get();
  sources.now = 1002.5;
  const auto s = samples(renderMetrics(sources));
  const std::string www = "service=\"www.a.test.\"";
  auto endpoint = [&](const std::string& family, const std::string& region_name,
                      const std::string& address) {
    return s.at(family + "{" + www + ",region=\"" + region_name + "\",endpoint=\"" + address +
                "\"}");
  };
  EXPECT_EQ(endpoint("nines_endpoint_up", "r1", "192.0.2.1"), 0);
  EXPECT_EQ(endpoint("nines_endpoint_unknown", "r1", "192.0.2.1"), 0);
  EXPECT_EQ(endpoint("nines_endpoint_drained", "r1", "192.0.2.2"), 1);
  EXPECT_EQ(endpoint("nines_endpoint_up", "r2", "192.0.2.3"), 1);
  EXPECT_EQ(endpoint("nines_endpoint_unknown", "r1", "192.0.2.1") +
                endpoint("nines_endpoint_unknown", "r2", "192.0.2.3"),
            0);
  EXPECT_EQ(s.at("nines_region_up{" + www + ",region=\"r1\"}"), 0);  // none up or unknown
  EXPECT_EQ(s.at("nines_region_up{" + www + ",region=\"r2\"}"), 1);
  EXPECT_EQ(s.at("nines_region_ramp{" + www + ",region=\"r1\"}"), 0.25);
  EXPECT_EQ(s.at("nines_region_drained{" + www + ",region=\"r1\"}"), 0);
  EXPECT_EQ(s.at("nines_health_view_age_seconds"), 2.5);
  EXPECT_EQ(s.at("nines_region_unknown{" + www + ",region=\"r1\"}"), 0);
  EXPECT_EQ(s.at("nines_region_unknown{" + www + ",region=\"r2\"}"), 0);
  // b.test. is untouched: unknown everywhere, counted as up.
  EXPECT_EQ(
      s.at("nines_endpoint_unknown{service=\"www.b.test.\",region=\"r1\",endpoint=\"192.0.2.1\"}"),
      1);
  EXPECT_EQ(s.at("nines_region_unknown{service=\"www.b.test.\",region=\"r1\"}"), 1);
  EXPECT_EQ(s.at("nines_region_up{service=\"www.b.test.\",region=\"r1\"}"), 1);
}

// Failover: the active region (r1, 1500) carries the 1000 expected; losing it leaves r2 (800).
TEST(RenderMetrics, CapacityHeadroomWithTheRegionsUpNow) {
  auto state = stateOf(false, true);
  MetricsSources sources;
  sources.state = state.get();
  auto s = samples(renderMetrics(sources));
  const std::string a = "{service=\"www.a.test.\"}";
  EXPECT_EQ(s.at("nines_service_capacity_headroom" + a), 500);
  EXPECT_EQ(s.at("nines_service_n1_headroom" + a), -200);
  EXPECT_EQ(s.count("nines_service_n1_headroom{service=\"www.b.test.\"}"), 0u)
      << "no expected_load, no headroom";
  region(*state, "a.test.", 0).endpoints = {policy::EndpointState::Down,
                                            policy::EndpointState::Down};
  s = samples(renderMetrics(sources));
  EXPECT_EQ(s.at("nines_service_capacity_headroom" + a), -200);
  EXPECT_EQ(s.at("nines_service_n1_headroom" + a), -1000);

  auto plain = stateOf(false);
  sources.state = plain.get();
  const std::string without = renderMetrics(sources);
  EXPECT_EQ(without.find("nines_service_capacity_headroom"), std::string::npos)
      << "no service with an expected_load: no family";
}

TEST(RenderMetrics, ProbersReloadsAndInfo) {
  auto state = stateOf(false);
  MetricsSources sources;
  sources.state = state.get();
  sources.now = 5000;
  ProberReportStats p1, p2, unknown;
  p1.id = "p1";
  p1.last_report = 4990;
  p1.counts[static_cast<std::size_t>(ReportOutcome::Accepted)] = 7;
  p2.id = "p2";
  p2.counts[static_cast<std::size_t>(ReportOutcome::BadSignature)] = 2;
  unknown.id = kUnknownProber;
  unknown.counts[static_cast<std::size_t>(ReportOutcome::UnknownProber)] = 3;
  sources.probers = {p1, p2, unknown};
  sources.reload.successes = 4;
  sources.reload.failures = 1;
  sources.reload.last_ok = false;
  sources.reload.last_success_time = 4000;
  sources.reload.config_digest = "abc123";
  const auto s = samples(renderMetrics(sources));
  EXPECT_EQ(s.at("nines_prober_last_report_age_seconds{prober=\"p1\"}"), 10);
  EXPECT_EQ(s.at("nines_prober_last_report_age_seconds{prober=\"p2\"}"),
            std::numeric_limits<double>::infinity());
  EXPECT_EQ(s.count("nines_prober_last_report_age_seconds{prober=\"(unknown)\"}"), 0u);
  EXPECT_EQ(s.at("nines_reports_total{prober=\"p1\",result=\"accepted\"}"), 7);
  EXPECT_EQ(s.at("nines_reports_total{prober=\"p2\",result=\"bad_signature\"}"), 2);
  EXPECT_EQ(s.at("nines_reports_total{prober=\"(unknown)\",result=\"unknown_prober\"}"), 3);
  EXPECT_EQ(s.at("nines_reloads_total{result=\"success\"}"), 4);
  EXPECT_EQ(s.at("nines_reloads_total{result=\"failure\"}"), 1);
  EXPECT_EQ(s.at("nines_config_last_reload_successful"), 0);
  EXPECT_EQ(s.at("nines_config_last_reload_success_timestamp_seconds"), 4000);
  EXPECT_EQ(s.at("nines_config_info{digest=\"abc123\"}"), 1);
  EXPECT_EQ(s.at("nines_health_view_info{digest=\"" + healthViewDigest(*state) + "\"}"), 1);
}

TEST(RenderMetrics, EmbeddedProberAndNoStateYet) {
  MetricsSources sources;
  sources.embedded = true;
  sources.now = 100;
  const std::string text = renderMetrics(sources);
  const auto s = samples(text);
  EXPECT_EQ(s.at("nines_prober_last_report_age_seconds{prober=\"embedded\"}"),
            std::numeric_limits<double>::infinity());
  EXPECT_EQ(text.find("nines_endpoint_up{"), std::string::npos);
  const std::size_t info = text.find("\nnines_build_info{version=\"");
  ASSERT_NE(info, std::string::npos) << text;
  const std::string line = text.substr(info + 1, text.find('\n', info + 1) - info - 1);
  EXPECT_NE(line.find("\",compiler=\""), std::string::npos) << line;
  EXPECT_EQ(line.substr(line.size() - 2), " 1") << line;
}

TEST(RenderMetrics, TheQueryLogCountsOnlyWhenItIsOn) {
  MetricsSources sources;
  EXPECT_EQ(renderMetrics(sources).find("nines_query_log"), std::string::npos);
  sources.query_log = true;
  sources.query_log_messages = 12;
  sources.query_log_dropped = 3;
  const auto s = samples(renderMetrics(sources));
  EXPECT_EQ(s.at("nines_query_log_messages_total"), 12);
  EXPECT_EQ(s.at("nines_query_log_dropped_total"), 3);
}

TEST(RenderMetrics, RateLimitingByClassAndActionSummedOverWorkers) {
  MetricsSources sources;
  // Every class and action is there from the start, at zero.
  auto s = samples(renderMetrics(sources));
  for (const char* c : {"answer", "nxdomain", "nodata", "referral", "error"}) {
    for (const char* a : {"drop", "slip", "exempt", "would_drop", "would_slip"}) {
      EXPECT_EQ(s.at(std::string("nines_dns_rate_limited_total{class=\"") + c + "\",action=\"" + a +
                     "\"}"),
                0)
          << c << " " << a;
    }
  }
  EXPECT_EQ(s.at("nines_rate_limit_table_used"), 0);
  EXPECT_EQ(s.at("nines_rate_limit_table_size"), 0);
  // Two workers: one limits an answer (rate 1: one sent, then drop, slip), the other an
  // NXDOMAIN once.
  RateLimitSettings settings;
  settings.responses_per_second = 1;
  settings.window = 1;
  settings.table_size = 1024;
  ResponseRateLimiter first(1), second(2);
  first.beginBatch(&settings, 1000);
  second.beginBatch(&settings, 1000);
  const auto client = *zones::IpAddress::parse("192.0.2.1");
  for (int i = 0; i < 3; ++i) first.admit(client, {ResponseClass::Answer, 1, 9});
  for (int i = 0; i < 2; ++i) second.admit(client, {ResponseClass::NxDomain, 0, 9});
  sources.rate_limit.add(first);
  sources.rate_limit.add(second);
  s = samples(renderMetrics(sources));
  EXPECT_EQ(s.at("nines_dns_rate_limited_total{class=\"answer\",action=\"drop\"}"), 1);
  EXPECT_EQ(s.at("nines_dns_rate_limited_total{class=\"answer\",action=\"slip\"}"), 1);
  EXPECT_EQ(s.at("nines_dns_rate_limited_total{class=\"nxdomain\",action=\"drop\"}"), 1);
  EXPECT_EQ(s.at("nines_dns_rate_limited_total{class=\"nxdomain\",action=\"slip\"}"), 0);
  EXPECT_EQ(s.at("nines_rate_limit_table_used"), 2);
  EXPECT_EQ(s.at("nines_rate_limit_table_size"), 2048);
  EXPECT_EQ(s.at("nines_rate_limit_table_reused_total"), 0);
}

}  // namespace
}  // namespace nines::dnsd
