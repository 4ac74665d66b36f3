// GET /v1/status: zones, services, regions and endpoints with their state and why, each prober's
// last vote on each endpoint, and the report counters of each prober.
#pragma once

#include <string>
#include <vector>

#include "nines/dnsd/config.h"
#include "nines/dnsd/health_state.h"
#include "nines/dnsd/health_table.h"
#include "nines/dnsd/report_ingest.h"
#include "nines/dnsd/serving_state.h"

namespace nines::dnsd {

// What the status shows besides the serving state. Keys of probers are never part of it.
struct StatusSources {
  std::vector<std::string> drains;
  const HealthConfig* health = nullptr;    // the [health] settings; null: left out
  const HealthTable* table = nullptr;      // live votes and verdict reasons; null: none
  std::vector<ProberReportStats> probers;  // remote probers' report counters
  bool embedded = false;                   // the embedded prober runs the checks
  double embedded_last_feed = 0;           // when it last fed the table (clock seconds; 0: never)
  double now = 0;                          // clock seconds
};

// GET /v1/status?zone=Z&service=S&region=R&votes=0: only the zones, services and regions named
// (each filter empty: all), and without each endpoint's per-prober votes when `votes` is false
// (with ten probers, a tenth of the size and of the time it takes to render: a status of 5,000
// endpoints and ten probers is 16 MB with votes).
struct StatusFilter {
  HealthSelector pools;  // zone, service and region, as a drain names them (not an endpoint)
  bool votes = true;
};

std::string renderStatus(const ServingState& state, const StatusSources& sources,
                         const StatusFilter& filter = {});

}  // namespace nines::dnsd
