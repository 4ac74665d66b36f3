// GET /metrics (DESIGN.md "Metrics"): every dnsd metric family, built at scrape time from what
// the server already keeps (the serving state, the query counters summed by name, the report
// counters, the reload record) as prometheus-cpp MetricFamily values, and written by its
// TextSerializer (text format 0.0.4). No registry, no exposer: the families are made fresh at
// each scrape, so an endpoint or a zone that goes away on reload leaves no stale series, and
// nothing on the query path ever touches a prometheus-cpp object. dnsd/control/README.md lists
// the families and their labels.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "nines/dnsd/control/query_count_fold.h"
#include "nines/dnsd/control/reload_record.h"
#include "nines/dnsd/health/report_ingest.h"
#include "nines/dnsd/net/tcp_server.h"
#include "nines/dnsd/serve/response_rate_limiter.h"
#include "nines/dnsd/serve/serving_state.h"

namespace nines::dnsd {

inline constexpr const char* kMetricsContentType = "text/plain; version=0.0.4";

// The UDP workers' rate limiters, summed.
struct RateLimitTotals {
  std::array<std::uint64_t, kResponseClasses * kRateLimitActions> counts{};  // class x action
  std::size_t used = 0;      // buckets holding a key
  std::size_t capacity = 0;  // buckets
  std::uint64_t reused = 0;  // buckets taken over from another key
  void add(const ResponseRateLimiter& limiter);
};

struct MetricsSources {
  const ServingState* state = nullptr;  // null before the first load
  QueryTotals queries;
  std::vector<ProberReportStats> probers;  // ReportIngest::stats()
  bool embedded = false;                   // the embedded prober votes (no remote probers)
  double embedded_last_feed = 0;           // clock seconds; 0: never
  ReloadRecord reload;
  RateLimitTotals rate_limit;
  // The dnstap query log ([query_log]); both families are left out when it is off.
  bool query_log = false;
  std::uint64_t query_log_messages = 0;  // queued for the writer, summed over the workers
  std::uint64_t query_log_dropped = 0;   // dropped because the writer fell behind
  double now = 0;                        // wall clock seconds, the clock of reports and views
  // The TCP server's limit counters (TcpLimitCounters); left out when null (no TCP server yet).
  const TcpLimitCounters* tcp_limits = nullptr;
  // The HTTP API's refusals (ApiGuard): connections over max_connections_per_client, requests
  // answered 429.
  std::uint64_t http_connections_refused = 0;
  std::uint64_t http_rate_limited = 0;
};

// The exposition, every family above.
std::string renderMetrics(const MetricsSources& sources);

// A digest of the verdicts `state` serves: every service's regions (usable, drained) and
// endpoints (up, down, unknown, drained), sorted, hashed with SHA-256 (first 16 hex digits). Two
// nameservers that answer alike show the same digest; slow-start progress is left out so the
// digest does not move on every tick of a ramp.
std::string healthViewDigest(const ServingState& state);

}  // namespace nines::dnsd
