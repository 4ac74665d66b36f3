// ProberMetrics in-process: what each call adds to the exposition, label sets made once per check
// name and per dnsd, and nothing counted for a dnsd that is not configured.
#include "nines/probers/prober_metrics.h"

#include <gtest/gtest.h>

#include <sstream>
#include <string>

#include "metrics_text.h"

namespace nines::probers {
namespace {

double sample(const std::string& exposition, const std::string& series) {
  return nines::testing::metricSample(exposition, series);
}

TEST(ProberMetrics, ChecksReportsAndLatenessAppearAsCounted) {
  ProberMetrics metrics("eu-1", "eu-west", {"http://a:8053", "http://b:8053"});
  const std::string empty = metrics.render();
  // Reports are resolved up front (every dnsd, every result at 0); checks when first seen.
  EXPECT_EQ(sample(empty, R"(nines_prober_reports_total{dnsd="http://b:8053",result="error"})"), 0);
  EXPECT_EQ(empty.find("nines_prober_checks_total{"), std::string::npos);
  EXPECT_NE(empty.find(R"(nines_build_info{compiler=")"), std::string::npos);

  metrics.observeCheck("web", true, 0.003);
  metrics.observeCheck("web", true, 0.002);
  metrics.observeCheck("web", false, 1.5);
  metrics.observeCheck("dns", false, 0.0004);
  metrics.countReport(0, DeliveryResult::Accepted);
  metrics.countReport(0, DeliveryResult::Accepted);
  metrics.countReport(1, DeliveryResult::Refused);
  metrics.countReport(1, DeliveryResult::Skipped);
  metrics.countReport(2, DeliveryResult::Error);  // no third dnsd: ignored
  metrics.setRoundLateness(0.25);

  const std::string text = metrics.render();
  struct Row {
    const char* series;
    double value;
  };
  const Row rows[] = {
      {R"(nines_prober_checks_total{check="web",result="up"})", 2},
      {R"(nines_prober_checks_total{check="web",result="down"})", 1},
      {R"(nines_prober_checks_total{check="dns",result="up"})", 0},
      {R"(nines_prober_checks_total{check="dns",result="down"})", 1},
      {R"(nines_probe_duration_seconds_count{check="web",prober="eu-1",region="eu-west"})", 3},
      {R"(nines_probe_duration_seconds_bucket{check="web",prober="eu-1",region="eu-west",le="0.005"})",
       2},
      {R"(nines_probe_duration_seconds_bucket{check="dns",prober="eu-1",region="eu-west",le="0.0005"})",
       1},
      {R"(nines_prober_reports_total{dnsd="http://a:8053",result="accepted"})", 2},
      {R"(nines_prober_reports_total{dnsd="http://b:8053",result="refused"})", 1},
      {R"(nines_prober_reports_total{dnsd="http://b:8053",result="skipped"})", 1},
      {R"(nines_prober_reports_total{dnsd="http://b:8053",result="error"})", 0},
      {"nines_prober_round_lateness_seconds", 0.25},
  };
  for (const Row& row : rows) {
    EXPECT_DOUBLE_EQ(sample(text, row.series), row.value) << row.series << "\n" << text;
  }
  EXPECT_NEAR(
      sample(text,
             R"(nines_probe_duration_seconds_sum{check="web",prober="eu-1",region="eu-west"})"),
      1.505, 1e-9);
}

}  // namespace
}  // namespace nines::probers
