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

std::string renderStatus(const ServingState& state, const StatusSources& sources);

}  // namespace nines::dnsd
