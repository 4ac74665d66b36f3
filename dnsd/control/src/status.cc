#include "nines/dnsd/control/status.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "nines/dnsd/control/metrics.h"
#include "nines/dnsd/health/embedded_prober.h"
#include "nines/dnsd/health/health_view_builder.h"
#include "nines/policy/answer_ttl.h"
#include "nines/policy/capacity.h"
#include "nines/policy/select.h"
#include "recent_changes.h"

namespace nines::dnsd {

namespace {

using nlohmann::json;

// Seconds to the millisecond: enough for ages and times, and short to read.
double rounded(double seconds) { return std::round(seconds * 1000) / 1000; }

json nullable(const char* text) { return text ? json(text) : json(nullptr); }

json votesJson(const VoteTable& votes, const std::string& target, double now) {
  json out = json::array();
  for (const VoteView& vote : votes.votes(target, now)) {
    out.push_back({{"prober", vote.prober},
                   {"region", vote.region},
                   {"up", vote.up},
                   {"rtt_ms", vote.rtt_ms >= 0 ? json(vote.rtt_ms) : nullptr},
                   {"reason", vote.reason},
                   {"age", rounded(vote.age)},
                   {"fresh", vote.fresh}});
  }
  return out;
}

json healthJson(const StatusSources& sources) {
  json nets = json::array();
  for (const auto& net : sources.health->allow_nets) nets.push_back(net.toString());
  return {{"mode", sources.embedded ? "embedded" : "probers"},
          {"quorum", sources.health->quorum},
          {"report_ttl", sources.health->report_ttl},
          {"max_skew", sources.health->max_skew},
          {"allow_nets", nets}};
}

json probersJson(const StatusSources& sources) {
  json probers = json::array();
  auto age = [&](double at) { return at > 0 ? json(rounded(sources.now - at)) : json(nullptr); };
  if (sources.embedded) {
    probers.push_back({{"id", kEmbeddedProber},
                       {"region", kEmbeddedRegion},
                       {"last_report_age", age(sources.embedded_last_feed)}});
  }
  for (const auto& stats : sources.probers) {
    json counts = json::object();
    for (std::size_t i = 0; i < kReportOutcomes; ++i) {
      counts[outcomeName(static_cast<ReportOutcome>(i))] = stats.counts[i];
    }
    probers.push_back({{"id", stats.id},
                       {"region", stats.region},
                       {"last_seq", stats.has_seq ? json(stats.last_seq) : nullptr},
                       {"last_report_age", age(stats.last_report)},
                       {"reports", counts}});
  }
  return probers;
}

// The probers whose last accepted report is fresh (within report_ttl): the ones this nameserver
// hears now, sorted, so that two nameservers' lists compare as they are.
json probersHeardJson(const StatusSources& sources) {
  const double fresh_for =
      sources.health != nullptr ? sources.health->report_ttl : HealthConfig{}.report_ttl;
  auto heard = [&](double at) { return at > 0 && sources.now - at <= fresh_for; };
  std::vector<std::string> ids;
  if (sources.embedded && heard(sources.embedded_last_feed)) ids.push_back(kEmbeddedProber);
  for (const auto& stats : sources.probers) {
    if (heard(stats.last_report)) ids.push_back(stats.id);
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

json zonesJson(const ZoneTable& table, const HealthSelector& pools) {
  json zones = json::array();
  for (const auto& zone : table.zones()) {
    if (!pools.matchesZone(zone->origin.toText())) continue;
    zones.push_back({{"origin", zone->origin.toText()},
                     {"file", zone->file},
                     {"serial", zone->serial},
                     {"records", zone->record_count}});
  }
  return zones;
}

// One endpoint: its published state, and with a note, why and since when.
json endpointJson(const zones::IpAddress& address, policy::EndpointState state,
                  const policy::EndpointNote* note, const StatusSources& sources,
                  const StatusFilter& filter) {
  json entry = {{"address", address.toString()}, {"state", policy::endpointStateName(state)}};
  if (note == nullptr) return entry;
  std::string reason = note->reason;
  // The published state with the verdict's reason as of now: the counts and ages move on
  // between publications.
  if (note->verdict && sources.votes != nullptr) {
    reason = sources.votes->verdict(note->target, sources.now).reason;
  }
  entry["drained_by"] = nullable(policy::drainedByName(note->drained_by));
  entry["reason"] = reason;
  entry["since"] = rounded(note->since);
  entry["since_age"] = rounded(sources.now - note->since);
  if (!note->target.empty()) {
    entry["target"] = note->target;
    if (sources.votes != nullptr && filter.votes) {
      entry["votes"] = votesJson(*sources.votes, note->target, sources.now);
    }
  }
  return entry;
}

// One region of a service: the verdict of its note (judged anew when the view has none).
json regionJson(const policy::RegionPlan& region, const policy::RegionHealth& health,
                const policy::RegionNote* note, const StatusSources& sources,
                const StatusFilter& filter) {
  policy::RegionNote judged;
  if (note == nullptr) judgeRegion(region, health, judged);
  const policy::RegionNote& verdict = note != nullptr ? *note : judged;
  json endpoints = json::array();
  for (std::size_t e = 0; e < region.endpoints.size(); ++e) {
    const policy::EndpointNote* endpoint_note =
        note != nullptr && e < note->endpoints.size() ? &note->endpoints[e] : nullptr;
    endpoints.push_back(
        endpointJson(region.endpoints[e], health.endpoints[e], endpoint_note, sources, filter));
  }
  const char* state = verdict.drained_by != policy::DrainedBy::None ? "drained"
                      : verdict.up                                  ? "up"
                                                                    : "down";
  json entry = {{"name", region.name},
                {"state", state},
                {"drained_by", nullable(policy::drainedByName(verdict.drained_by))},
                {"usable_endpoints", verdict.usable_endpoints},
                {"min_up", region.min_up},
                {"reason", verdict.reason},
                {"weight", region.weight},
                {"ramp", rounded(health.ramp)},
                {"endpoints", endpoints}};
  if (note != nullptr) {
    entry["since"] = rounded(note->since);
    entry["since_age"] = rounded(sources.now - note->since);
  }
  return entry;
}

// The N-1 rule as the regions up now leave it (policy/capacity.h); null without expected_load.
json capacityJson(const policy::ServicePlan& plan, const policy::ServiceHealth& health) {
  const auto headroom = policy::capacityHeadroom(plan, &health);
  if (!headroom) return nullptr;
  return {
      {"expected_load", headroom->expected_load},
      {"capacity", headroom->capacity},
      {"headroom", headroom->headroom},
      {"lost_region", headroom->lost_region.empty() ? json(nullptr) : json(headroom->lost_region)},
      {"lost_capacity", headroom->lost_capacity},
      {"n1_capacity", headroom->n1_capacity},
      {"n1_headroom", headroom->n1_headroom},
      {"without_capacity", headroom->without_capacity}};
}

// TTLs that follow health (policy/answer_ttl.h): null while the service is steady, else which
// region keeps it unstable, what it did, and when the service is steady again.
json unstableJson(const policy::ServicePlan& plan, const policy::ServiceHealth& health) {
  const policy::ServiceStability& stability = health.stability;
  if (!plan.ttl_unstable || !stability.unstable || stability.region >= plan.regions.size()) {
    return nullptr;
  }
  return {{"region", plan.regions[stability.region].name},
          {"cause", policy::unrestName(stability.cause)},
          {"changed_at", rounded(stability.changed_at)},
          {"calm_at", rounded(stability.calm_at)}};
}

// Every service the filter takes, each with the regions it takes.
json servicesJson(const ServingState& state, const StatusSources& sources,
                  const StatusFilter& filter) {
  json services = json::array();
  const auto& plans = state.zones->services().plans;
  for (std::size_t s = 0; s < plans.size(); ++s) {
    const auto& plan = plans[s];
    if (!filter.pools.matchesService(plan.zone, plan.name)) continue;
    const policy::ServiceHealth& health = state.serviceHealth(s);
    const std::vector<policy::RegionNote>* notes =
        state.health && s < state.health->notes.size() ? &state.health->notes[s] : nullptr;
    json regions = json::array();
    for (std::size_t r = 0; r < plan.regions.size(); ++r) {
      if (!filter.pools.matchesRegion(plan.regions[r].name)) continue;
      const policy::RegionNote* note =
          notes != nullptr && r < notes->size() ? &(*notes)[r] : nullptr;
      regions.push_back(regionJson(plan.regions[r], health.regions[r], note, sources, filter));
    }
    if (!filter.pools.region.empty() && regions.empty()) continue;
    services.push_back({{"zone", plan.zone},
                        {"name", plan.name},
                        {"policy", policy::policyName(plan.policy)},
                        {"ttl", plan.ttl},
                        {"ttl_unstable", plan.ttl_unstable ? json(*plan.ttl_unstable) : json()},
                        {"ttl_calm", plan.ttl_calm},
                        {"answer_ttl", policy::answerTtl(plan, health)},
                        {"unstable", unstableJson(plan, health)},
                        {"answers", plan.answers},
                        {"fallback", plan.fallback == zones::Fallback::All ? "all" : "none"},
                        {"slow_start", plan.slow_start},
                        {"capacity", capacityJson(plan, health)},
                        {"regions", regions}});
  }
  return services;
}

json reloadJson(const ReloadRecord& record) {
  auto time = [](double at) { return at > 0 ? json(rounded(at)) : json(nullptr); };
  return {{"result", record.last_ok ? "success" : "failure"},
          {"time", time(record.last_attempt_time)},
          {"last_success_time", time(record.last_success_time)},
          {"successes", record.successes},
          {"failures", record.failures},
          {"errors", record.errors},
          {"restart_required", record.restart_required}};
}

}  // namespace

std::string renderStatus(const ServingState& state, const StatusSources& sources,
                         const StatusFilter& filter) {
  json out = {{"zones", zonesJson(*state.zones, filter.pools)},
              {"services", servicesJson(state, sources, filter)},
              {"drains", sources.drains},
              {"now", rounded(sources.now)},
              {"probers", probersJson(sources)},
              {"probers_heard", probersHeardJson(sources)},
              {"health_digest", healthViewDigest(state)},
              {"reload", reloadJson(sources.reload)},
              {"config_digest", sources.reload.config_digest},
              {"expected_digest", sources.reload.expected_digest.empty()
                                      ? json(nullptr)
                                      : json(sources.reload.expected_digest)}};
  if (sources.health != nullptr) out["health"] = healthJson(sources);
  const std::size_t events = std::min(filter.events, sources.events.size());
  out["events"] = changesJson(
      {sources.events.begin(), sources.events.begin() + static_cast<std::ptrdiff_t>(events)});
  return out.dump(2);
}

}  // namespace nines::dnsd
