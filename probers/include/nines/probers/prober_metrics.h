// The prober's Prometheus metrics (GET /metrics on metrics_listen), names as in DESIGN.md
// "Metrics":
//   nines_prober_checks_total{check,result="up"|"down"}       completed checks by their outcome
//   nines_probe_duration_seconds{check,region,prober}          start to completion of each check
//   nines_prober_reports_total{dnsd,result}                    report POSTs by what came of them:
//       accepted (2xx), refused (dnsd answered 4xx/5xx), error (no answer, timeout), skipped
//       (not sent: the previous POST still running, or backing off after failures)
//   nines_prober_round_lateness_seconds                        how late the last report round
//       started against its schedule (0 when on time)
//   nines_build_info{version,compiler}                         1
// Label sets are bounded by the configuration: check names from the zones, dnsd URLs from
// prober.toml. Each label set is resolved once (prometheus-cpp's Family::Add takes a lock), then
// kept: a check result is one hash lookup on the engine thread and two atomic adds.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "nines/probers/report_sender.h"

namespace nines::probers {

class ProberMetrics {
 public:
  // `dnsd`: the report URLs, in prober.toml order (reports are counted by their index).
  ProberMetrics(const std::string& prober_id, const std::string& region,
                const std::vector<std::string>& dnsd);
  ~ProberMetrics();
  ProberMetrics(const ProberMetrics&) = delete;
  ProberMetrics& operator=(const ProberMetrics&) = delete;

  // One completed check of `check` (its [checks.NAME] name). Called from one thread (the
  // engine's); the others may run at the same time.
  void observeCheck(const std::string& check, bool up, double seconds);
  // One report POST to dnsd number `dnsd_index` (the reporter thread). Out of range: ignored.
  void countReport(std::size_t dnsd_index, DeliveryResult result);
  void setRoundLateness(double seconds);

  // The Prometheus text exposition (version 0.0.4) of everything; any thread.
  std::string render() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

const char* deliveryResultName(DeliveryResult result);

}  // namespace nines::probers
