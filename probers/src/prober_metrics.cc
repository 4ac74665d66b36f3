#include "nines/probers/prober_metrics.h"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <array>
#include <sstream>
#include <unordered_map>

#include "nines/base/build_info.h"

namespace nines::probers {

namespace {

// Checks take from under a millisecond (a loopback TCP connect) to the check timeout (seconds).
const prometheus::Histogram::BucketBoundaries& durationBuckets() {
  static const prometheus::Histogram::BucketBoundaries kBuckets = {
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  return kBuckets;
}

constexpr std::array kDeliveryResults = {DeliveryResult::Accepted, DeliveryResult::Refused,
                                         DeliveryResult::Error, DeliveryResult::Skipped};

}  // namespace

const char* deliveryResultName(DeliveryResult result) {
  switch (result) {
    case DeliveryResult::Accepted:
      return "accepted";
    case DeliveryResult::Refused:
      return "refused";
    case DeliveryResult::Error:
      return "error";
    case DeliveryResult::Skipped:
      return "skipped";
  }
  return "error";
}

struct ProberMetrics::Impl {
  struct CheckHandles {
    prometheus::Counter* up;
    prometheus::Counter* down;
    prometheus::Histogram* duration;
  };

  std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();
  std::string prober_id;
  std::string region;
  prometheus::Family<prometheus::Counter>* checks = nullptr;
  prometheus::Family<prometheus::Histogram>* durations = nullptr;
  prometheus::Gauge* lateness = nullptr;
  std::unordered_map<std::string, CheckHandles> by_check;  // the engine thread's only
  // [dnsd index][result], resolved at construction.
  std::vector<std::array<prometheus::Counter*, kDeliveryResults.size()>> reports;
};

ProberMetrics::ProberMetrics(const std::string& prober_id, const std::string& region,
                             const std::vector<std::string>& dnsd)
    : impl_(std::make_unique<Impl>()) {
  Impl& impl = *impl_;
  impl.prober_id = prober_id;
  impl.region = region;
  auto& registry = *impl.registry;
  prometheus::BuildGauge()
      .Name("nines_build_info")
      .Help("Build of this program: version and compiler; always 1.")
      .Register(registry)
      .Add({{"version", base::buildVersion()}, {"compiler", base::buildCompiler()}})
      .Set(1);
  impl.checks = &prometheus::BuildCounter()
                     .Name("nines_prober_checks_total")
                     .Help("Completed health checks by check name and outcome (up or down).")
                     .Register(registry);
  impl.durations = &prometheus::BuildHistogram()
                        .Name("nines_probe_duration_seconds")
                        .Help("Seconds from the start to the completion of each health check.")
                        .Register(registry);
  auto& reports = prometheus::BuildCounter()
                      .Name("nines_prober_reports_total")
                      .Help(
                          "Report POSTs to each dnsd by result: accepted (2xx), refused "
                          "(4xx/5xx), error (no answer), skipped (busy or backing off).")
                      .Register(registry);
  for (const auto& url : dnsd) {
    auto& row = impl.reports.emplace_back();
    for (std::size_t i = 0; i < kDeliveryResults.size(); ++i) {
      row[i] = &reports.Add({{"dnsd", url}, {"result", deliveryResultName(kDeliveryResults[i])}});
    }
  }
  impl.lateness = &prometheus::BuildGauge()
                       .Name("nines_prober_round_lateness_seconds")
                       .Help("How late the last report round started against its schedule.")
                       .Register(registry)
                       .Add({});
}

ProberMetrics::~ProberMetrics() = default;

void ProberMetrics::observeCheck(const std::string& check, bool up, double seconds) {
  Impl& impl = *impl_;
  auto it = impl.by_check.find(check);
  if (it == impl.by_check.end()) {
    Impl::CheckHandles handles{
        &impl.checks->Add({{"check", check}, {"result", "up"}}),
        &impl.checks->Add({{"check", check}, {"result", "down"}}),
        &impl.durations->Add(
            {{"check", check}, {"region", impl.region}, {"prober", impl.prober_id}},
            durationBuckets())};
    it = impl.by_check.emplace(check, handles).first;
  }
  (up ? it->second.up : it->second.down)->Increment();
  it->second.duration->Observe(seconds);
}

void ProberMetrics::countReport(std::size_t dnsd_index, DeliveryResult result) {
  if (dnsd_index >= impl_->reports.size()) return;
  impl_->reports[dnsd_index][static_cast<std::size_t>(result)]->Increment();
}

void ProberMetrics::setRoundLateness(double seconds) { impl_->lateness->Set(seconds); }

std::string ProberMetrics::render() const {
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, impl_->registry->Collect());
  return out.str();
}

}  // namespace nines::probers
