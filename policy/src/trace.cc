// The explain text of one select() decision (`ninesctl explain`, the status page). Off the query
// path: only ever called with a Trace, so it may allocate.
#include <cstdio>

#include "select_internal.h"

namespace nines::policy::detail {

namespace {

std::string number(double value, int decimals = 1) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
  return buffer;
}

std::string point(const zones::GeoPoint& p) {
  return "(" + number(p.latitude) + ", " + number(p.longitude) + ")";
}

std::string cidr(const zones::IpAddress& address, std::uint8_t prefix) {
  return address.masked(prefix).toString() + "/" + std::to_string(prefix);
}

std::string names(const ServicePlan& plan, const std::vector<std::uint16_t>& slots) {
  std::string out = "[";
  for (std::size_t i = 0; i < slots.size(); ++i) {
    if (i > 0) out += ", ";
    out += slots[i] < plan.regions.size() ? plan.regions[slots[i]].name : "?";
  }
  return out + "]";
}

std::string describeLocation(const Client& client) {
  const Location& where = client.location;
  std::string out = client.address.toString() + " -> " + sourceName(where.source);
  if (where.source != Location::Source::Unknown) {
    out += " " + cidr(client.address, where.prefix) + ":";
    out += " " + std::string(where.continent[0] ? where.continent : "--") + "/" +
           std::string(where.country[0] ? where.country : "--");
    if (where.has_point) out += " " + point(where.point);
    if (where.asn != 0) out += " AS" + std::to_string(where.asn);
  } else {
    out += " (no nets entry and no database record)";
  }
  out += ", valid for " + cidr(client.address, where.scope);
  return out;
}

// The service geo net that matched, as the zone file wrote it, and the network it was merged
// into when neighbours naming the same regions widened it (prefix_table.h).
std::string writtenNet(const ServicePlan& plan, const Client& client, const RegionOrder& order) {
  const std::int32_t index = plan.geo_nets.writtenMatch(client.address);
  if (index < 0) return "?";
  const zones::Cidr& written = plan.geo_nets.written(static_cast<std::size_t>(index));
  std::string text = written.toString();
  if (order.geo_match.prefix != written.prefix) {
    text += " (merged with neighbours naming the same regions into " +
            cidr(client.address, order.geo_match.prefix) + ")";
  }
  return text;
}

std::string describeGeo(const ServicePlan& plan, const Client& client, const RegionOrder& order) {
  std::string rule;
  switch (order.geo_rule) {
    case GeoRule::Net:
      rule = "net " + writtenNet(plan, client, order) + " -> " +
             names(plan, plan.geo_net_lists[order.rule_index]);
      break;
    case GeoRule::Country:
      rule = "country " + plan.geo_country[order.rule_index].first + " -> " +
             names(plan, plan.geo_country[order.rule_index].second);
      break;
    case GeoRule::Continent:
      rule = "continent " + plan.geo_continent[order.rule_index].first + " -> " +
             names(plan, plan.geo_continent[order.rule_index].second);
      break;
    case GeoRule::None:
      break;
  }
  std::string rest;
  if (order.by_distance) {
    rest = "nearest by distance from " + point(client.location.point);
  } else if (!plan.order.empty()) {
    rest = "order " + names(plan, plan.order) + " (no client location point)";
  } else {
    rest = "plan order (no client location point)";
  }
  if (rule.empty()) return "geo: " + rest;
  if (order.rule_length >= order.count) return "geo: " + rule;
  return "geo: " + rule + ", then " + rest;
}

std::string describeRule(const ServicePlan& plan, const RttMatrix* rtt, const Client& client,
                         const RegionOrder& order, const ClientKey& key) {
  switch (plan.policy) {
    case zones::PolicyKind::Geo:
      return describeGeo(plan, client, order);
    case zones::PolicyKind::Latency: {
      if (order.vantage < 0) {
        const char* why = !client.location.has_point ? "latency: the client location has no point"
                                                     : "latency: no RTT measured";
        return std::string(why) + "; as " + describeGeo(plan, client, order);
      }
      const RttMatrix::Vantage& vantage = rtt->vantages[static_cast<std::size_t>(order.vantage)];
      std::string out = "latency: RTT from vantage " + vantage.region + " " +
                        point(vantage.location) + ", nearest to the client at " +
                        point(client.location.point) + " (" +
                        number(distanceKm(client.location.point, vantage.location), 0) + " km)";
      if (order.rtt_known < order.count) {
        out += "; unmeasured regions after, as " + describeGeo(plan, client, order);
      }
      return out;
    }
    case zones::PolicyKind::Weighted:
      return "weighted: rendezvous on " + cidr(key.network, key.prefix);
    case zones::PolicyKind::Failover:
      return "failover: order";
  }
  return "";
}

std::string describeRegion(const ServicePlan& plan, const ServiceHealth& health,
                           const RttMatrix* rtt, const Client& client, const RegionOrder& order,
                           const ClientKey& key, std::size_t slot) {
  const RegionPlan& region = plan.regions[slot];
  const RegionHealth* state = regionHealth(health, slot);
  const EndpointCounts counts = countEndpoints(region, state);
  std::string out = region.name + ": ";
  if (region.drain) {
    out += "drained (zone file)";
  } else if (state != nullptr && state->drained) {
    out += "drained (API)";
  } else {
    out += counts.usable() >= region.min_up ? "up" : "down";
  }
  out +=
      " (" + std::to_string(counts.usable()) + "/" + std::to_string(counts.total) + " endpoints up";
  if (counts.unknown > 0) out += ", " + std::to_string(counts.unknown) + " of them unknown";
  if (counts.drained > 0) out += ", " + std::to_string(counts.drained) + " drained";
  out += ", min_up " + std::to_string(region.min_up) + ")";
  if (region.v4.empty()) out += ", no IPv4";
  if (region.v6.empty()) out += ", no IPv6";
  const bool located =
      plan.policy == zones::PolicyKind::Geo || plan.policy == zones::PolicyKind::Latency;
  if (located && client.location.has_point && region.location) {
    out += ", " + number(distanceKm(client.location.point, *region.location), 0) + " km";
  }
  if (plan.policy == zones::PolicyKind::Weighted) {
    const double weight = effectiveWeight(region, state);
    out += ", weight " + std::to_string(region.weight);
    if (state != nullptr && state->ramp < 1) out += " x ramp " + number(state->ramp, 2);
    if (weight > 0) out += ", score " + number(rendezvousScore(plan, key, slot, weight), 2);
  }
  if (plan.policy != zones::PolicyKind::Weighted && state != nullptr && state->ramp < 1) {
    const bool admits = rampPoint(plan, key, slot) < state->ramp;
    out += ", slow start at " + number(state->ramp * 100, 0) + "%: " +
           (admits ? "admits this client's subnet"
                   : "skips this client's subnet unless no region admits it");
  }
  if (plan.policy == zones::PolicyKind::Latency && order.vantage >= 0) {
    const double ms = rttMs(*rtt, order.vantage, rttColumn(*rtt, region.name));
    out += ms >= 0 ? ", rtt " + number(ms) + " ms" : ", rtt unknown";
  }
  return out;
}

std::string describeScope(const ServicePlan& plan, const Client& client, const RegionOrder& order,
                          const Decision& decision, const ScopeWhy& why) {
  const std::string nets = "/" + std::to_string(order.geo_match.scope);
  std::string out;
  switch (why.kind) {
    case ScopeWhy::Kind::OneRegion:
      out = "0: one region, the answer does not depend on the client";
      break;
    case ScopeWhy::Kind::Failover:
      out = "0: failover order is the same for every client";
      break;
    case ScopeWhy::Kind::Weighted:
      out = "/" + std::to_string(why.decided) + ": weighted hashes the client's /" +
            std::to_string(why.base) + " (service geo nets need " + nets + ")";
      break;
    case ScopeWhy::Kind::GeoNet:
      out = "/" + std::to_string(why.decided) + ": service geo net " +
            writtenNet(plan, client, order) + " decided";
      break;
    case ScopeWhy::Kind::Location:
      out = "/" + std::to_string(why.decided) + ": the client location decided (" +
            sourceName(client.location.source) + ", valid for /" +
            std::to_string(client.location.scope) + "; service geo nets need " + nets + ")";
      break;
  }
  if (!client.has_ecs) {
    out += "; sent as 0: the query had no ECS";
  } else if (client.source_prefix == 0) {
    out += "; sent as 0: ECS source prefix 0 means do not use (RFC 7871 7.1.2)";
  } else if (decision.scope > client.source_prefix) {
    out += "; longer than the ECS source prefix /" + std::to_string(client.source_prefix) +
           ": it was not specific enough (RFC 7871 7.2.1)";
  }
  return out;
}

std::string describeOutcome(const ServicePlan& plan, Family family, const Decision& decision,
                            const Outcome& outcome) {
  const char* kind = family == Family::V4 ? "IPv4" : "IPv6";
  if (decision.nodata) {
    if (outcome.family_missing && outcome.primary >= 0) {
      return std::string("NODATA: the primary region ") +
             plan.regions[static_cast<std::size_t>(outcome.primary)].name + " has no " + kind +
             " endpoints (no fallback to the other family)";
    }
    if (plan.fallback == zones::Fallback::None) {
      return "NODATA: no region is usable and fallback is \"none\"";
    }
    return std::string("NODATA: no ") + kind + " endpoint is configured";
  }
  std::string regions;
  for (std::size_t i = 0; i < decision.count; ++i) {
    const std::uint16_t slot = decision.picks[i].region;
    bool seen = false;
    for (std::size_t j = 0; j < i; ++j) seen = seen || decision.picks[j].region == slot;
    if (!seen) regions += (regions.empty() ? "" : ", ") + plan.regions[slot].name;
  }
  if (decision.fail_open) {
    return std::string(outcome.level) + ": no region had a healthy " + kind +
           " endpoint; answered from " + regions + " as if up";
  }
  return "answered from " + regions;
}

}  // namespace

void fillTrace(const ServicePlan& plan, const ServiceHealth& health, const RttMatrix* rtt,
               const Client& client, Family family, const RegionOrder& order, const ClientKey& key,
               const Decision& decision, const ScopeWhy& why, const Outcome& outcome,
               Trace& trace) {
  trace = Trace{};
  trace.policy = policyName(plan.policy);
  trace.location = describeLocation(client);
  trace.rule = describeRule(plan, rtt, client, order, key);
  for (std::size_t i = 0; i < order.count; ++i) {
    trace.order.push_back(plan.regions[order.slots[i]].name);
    trace.regions.push_back(describeRegion(plan, health, rtt, client, order, key, order.slots[i]));
  }
  for (std::size_t i = 0; i < decision.count; ++i) {
    const Decision::Pick& pick = decision.picks[i];
    trace.answer.push_back(plan.regions[pick.region].endpoints[pick.endpoint].toString());
  }
  trace.scope_reason = describeScope(plan, client, order, decision, why);
  trace.fail_open = decision.fail_open;
  trace.outcome = describeOutcome(plan, family, decision, outcome);
  trace.decision_outcome = decisionOutcomeName(decision.outcome);
}

}  // namespace nines::policy::detail
