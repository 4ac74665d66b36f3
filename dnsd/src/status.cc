#include "nines/dnsd/status.h"

#include <cmath>
#include <nlohmann/json.hpp>

#include "nines/dnsd/embedded_prober.h"
#include "nines/policy/select.h"

namespace nines::dnsd {

namespace {

// Seconds to the millisecond: enough for ages and times, and short to read.
double rounded(double seconds) { return std::round(seconds * 1000) / 1000; }

nlohmann::json votesJson(const HealthTable& table, const std::string& target, double now) {
  nlohmann::json votes = nlohmann::json::array();
  for (const VoteView& vote : table.votes(target, now)) {
    votes.push_back({{"prober", vote.prober},
                     {"region", vote.region},
                     {"up", vote.up},
                     {"rtt_ms", vote.rtt_ms >= 0 ? nlohmann::json(vote.rtt_ms) : nullptr},
                     {"reason", vote.reason},
                     {"age", rounded(vote.age)},
                     {"fresh", vote.fresh}});
  }
  return votes;
}

nlohmann::json healthJson(const StatusSources& sources) {
  nlohmann::json nets = nlohmann::json::array();
  for (const auto& net : sources.health->allow_nets) nets.push_back(net.toString());
  return {{"mode", sources.embedded ? "embedded" : "probers"},
          {"quorum", sources.health->quorum},
          {"report_ttl", sources.health->report_ttl},
          {"max_skew", sources.health->max_skew},
          {"allow_nets", nets}};
}

nlohmann::json probersJson(const StatusSources& sources) {
  nlohmann::json probers = nlohmann::json::array();
  if (sources.embedded) {
    probers.push_back(
        {{"id", kEmbeddedProber},
         {"region", kEmbeddedRegion},
         {"last_report_age", sources.embedded_last_feed > 0
                                 ? nlohmann::json(rounded(sources.now - sources.embedded_last_feed))
                                 : nullptr}});
  }
  for (const auto& stats : sources.probers) {
    nlohmann::json counts = nlohmann::json::object();
    for (std::size_t i = 0; i < kReportOutcomes; ++i) {
      counts[outcomeName(static_cast<ReportOutcome>(i))] = stats.counts[i];
    }
    probers.push_back(
        {{"id", stats.id},
         {"region", stats.region},
         {"last_seq", stats.has_seq ? nlohmann::json(stats.last_seq) : nullptr},
         {"last_report_age", stats.last_report > 0
                                 ? nlohmann::json(rounded(sources.now - stats.last_report))
                                 : nullptr},
         {"reports", counts}});
  }
  return probers;
}

}  // namespace

std::string renderStatus(const ServingState& state, const StatusSources& sources,
                         const StatusFilter& filter) {
  const double now = sources.now;
  const HealthSelector& pools = filter.pools;
  nlohmann::json zones = nlohmann::json::array();
  for (const auto& zone : state.zones->zones()) {
    if (!pools.takesZone(zone->origin.toText())) continue;
    zones.push_back({{"origin", zone->origin.toText()},
                     {"file", zone->source.file},
                     {"serial", zone->source.serial},
                     {"records", zone->source.records.size()}});
  }
  nlohmann::json services = nlohmann::json::array();
  const auto& plans = state.zones->services();
  for (std::size_t s = 0; s < plans.size(); ++s) {
    const auto& plan = plans[s];
    if (!pools.takesService(plan.zone, plan.name)) continue;
    const auto& health = state.health && s < state.health->services.size()
                             ? state.health->services[s]
                             : state.zones->initialHealth()[s];
    const std::vector<RegionNote>* notes =
        state.health && s < state.health->notes.size() ? &state.health->notes[s] : nullptr;
    nlohmann::json regions = nlohmann::json::array();
    for (std::size_t r = 0; r < plan.regions.size(); ++r) {
      const auto& region = plan.regions[r];
      if (!pools.takesRegion(region.name)) continue;
      const auto& region_health = health.regions[r];
      const RegionNote* note = notes != nullptr && r < notes->size() ? &(*notes)[r] : nullptr;
      nlohmann::json endpoints = nlohmann::json::array();
      std::size_t usable = 0;
      const bool usable_region = policy::regionUsable(region, &region_health, &usable);
      for (std::size_t e = 0; e < region.endpoints.size(); ++e) {
        auto endpoint_state = region_health.endpoints[e];
        nlohmann::json entry = {{"address", region.endpoints[e].toString()},
                                {"state", policy::endpointStateName(endpoint_state)}};
        if (note != nullptr && e < note->endpoints.size()) {
          const EndpointNote& detail = note->endpoints[e];
          std::string reason = detail.reason;
          // The published state with the verdict's reason as of now: the counts and ages move
          // on between publications.
          if (detail.verdict && sources.table != nullptr) {
            reason = sources.table->verdict(detail.target, now).reason;
          }
          entry["reason"] = reason;
          entry["since"] = rounded(detail.since);
          entry["since_age"] = rounded(now - detail.since);
          if (!detail.target.empty()) {
            entry["target"] = detail.target;
            if (sources.table != nullptr && filter.votes) {
              entry["votes"] = votesJson(*sources.table, detail.target, now);
            }
          }
        }
        endpoints.push_back(std::move(entry));
      }
      std::string verdict, reason;
      if (region.drain || region_health.drained) {
        verdict = "drained";
        reason = region.drain ? "drained in the zone file" : "drained by the API";
      } else if (usable_region) {
        verdict = "up";
        reason = std::to_string(usable) + "/" + std::to_string(region.endpoints.size()) +
                 " endpoints up or unknown, min_up " + std::to_string(region.min_up);
        if (region_health.ramp < 1) {
          reason += "; slow start at " +
                    std::to_string(static_cast<int>(region_health.ramp * 100)) + "% of its share";
        }
      } else {
        verdict = "down";
        reason = std::to_string(usable) + "/" + std::to_string(region.endpoints.size()) +
                 " endpoints up or unknown, min_up " + std::to_string(region.min_up);
      }
      nlohmann::json entry = {{"name", region.name},
                              {"state", verdict},
                              {"reason", reason},
                              {"weight", region.weight},
                              {"ramp", rounded(region_health.ramp)},
                              {"endpoints", endpoints}};
      if (note != nullptr) {
        entry["since"] = rounded(note->since);
        entry["since_age"] = rounded(now - note->since);
      }
      regions.push_back(std::move(entry));
    }
    if (!pools.region.empty() && regions.empty()) continue;
    services.push_back({{"zone", plan.zone},
                        {"name", plan.name},
                        {"policy", policy::policyName(plan.policy)},
                        {"ttl", plan.ttl},
                        {"answers", plan.answers},
                        {"fallback", plan.fallback == zones::Fallback::All ? "all" : "none"},
                        {"slow_start", plan.slow_start},
                        {"regions", regions}});
  }
  nlohmann::json out = {{"zones", zones},
                        {"services", services},
                        {"drains", sources.drains},
                        {"now", rounded(now)},
                        {"probers", probersJson(sources)}};
  if (sources.health != nullptr) out["health"] = healthJson(sources);
  return out.dump(2);
}

}  // namespace nines::dnsd
