// GET /v1/status: the JSON document operators, scripts and `ninesctl` read. Zones, services,
// regions and endpoints with their state and why (as the health view's notes give them), each
// prober's last vote on each endpoint, and the report counters of each prober.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "nines/dnsd/control/config.h"
#include "nines/dnsd/control/reload_record.h"
#include "nines/dnsd/health/health_selector.h"
#include "nines/dnsd/health/report_ingest.h"
#include "nines/dnsd/health/state_change_log.h"
#include "nines/dnsd/health/vote_table.h"
#include "nines/dnsd/serve/serving_state.h"

namespace nines::dnsd {

// What the status shows besides the serving state. Keys of probers are never part of it.
struct StatusSources {
  std::vector<std::string> drains;
  const HealthConfig* health = nullptr;    // the [health] settings; null: left out
  const VoteTable* votes = nullptr;        // live votes and verdict reasons; null: none
  std::vector<ProberReportStats> probers;  // remote probers' report counters
  bool embedded = false;                   // the embedded prober runs the checks
  double embedded_last_feed = 0;           // when it last fed the table (clock seconds; 0: never)
  double now = 0;                          // clock seconds
  ReloadRecord reload;                     // the loads and reloads so far
  std::vector<StateChange> events;         // the recent state changes, newest first
};

// GET /v1/status?zone=Z&service=S&region=R&votes=0: only the zones, services and regions named
// (each filter empty: all), and without each endpoint's per-prober votes when `votes` is false
// (with ten probers, a tenth of the size and of the time it takes to render: a status of 5,000
// endpoints and ten probers is 16 MB with votes).
struct StatusFilter {
  HealthSelector pools;  // zone, service and region, as a drain names them (not an endpoint)
  bool votes = true;
  std::size_t events = static_cast<std::size_t>(-1);  // at most this many "events"; 0: none
};

// The document, pretty-printed. Per service: "ttl", "ttl_unstable" (null: none) and "ttl_calm" as
// configured, "answer_ttl" (the TTL its answers carry now), "unstable" (null while steady, else
// "region", "cause" (policy::unrestName()), "changed_at" and "calm_at", clock seconds);
// "capacity", null without an expected_load, else the
// N-1 rule with the regions up now (policy/capacity.h): "expected_load", "capacity", "headroom",
// "lost_region", "lost_capacity", "n1_capacity", "n1_headroom", "without_capacity". Per region:
// "state" ("up", "down" or "drained"), "drained_by"
// ("zone_file", "api" or null), "usable_endpoints", "min_up", "ramp", "weight", "reason" (for
// people; scripts read the fields), "since"; per endpoint: "state", "drained_by", "reason",
// "since", "target" and "votes". At the top: "reload" (the last load's "result", "time",
// "last_success_time", "successes", "failures", "errors", "restart_required"), "config_digest"
// and "expected_digest" (null when not known), "health_digest" (healthViewDigest(): the
// nines_health_view_info digest), "probers_heard" (the ids of the probers whose last accepted
// report is within report_ttl, sorted; "embedded" for the embedded prober), and "events": the
// recent state changes, newest first, at most `filter.events` of them and not narrowed by the zone,
// service or region filters (recent_changes.h gives their fields).
std::string renderStatus(const ServingState& state, const StatusSources& sources,
                         const StatusFilter& filter = {});

}  // namespace nines::dnsd
