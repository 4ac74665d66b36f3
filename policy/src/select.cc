// select(): region order (region_order.cc) -> health filter -> endpoints -> ECS scope
// (ecs_scope.cc) -> explain (trace.cc).
//
// A worked scenario. Service www, policy geo, regions us-east (2 A), eu-west (1 A), ap-south
// (1 A), answers = 2. A client in Dublin (EU/IE, point (53.3, -6.3)), geo rule EU = [eu-west,
// us-east]: order eu-west, us-east, ap-south. All up: eu-west is the primary and gives its one
// address, us-east fills the second (spill). eu-west goes down: us-east gives both. Everything
// down with fallback "all": the same order with every endpoint taken as up (fail open). An AAAA
// query while eu-west (no IPv6) is the primary: NODATA, never a silent answer from us-east's
// IPv6.
#include <algorithm>
#include <exception>

#include "ecs_scope.h"
#include "select_internal.h"

namespace nines::policy {

namespace {

using detail::RegionOrder;

// How strict the health filter is. Healthy: rule 2 of the contract. FailOpen (fallback "all",
// nothing healthy): every non-drained region and endpoint counts as up. Everything: even drained
// ones, so that nothing configured ever yields an empty answer.
enum class Level : std::uint8_t { Healthy, FailOpen, Everything };
enum class Result : std::uint8_t { Answered, NoData, NoRegion, Empty };

bool endpointCounts(EndpointState state, Level level) noexcept {
  switch (level) {
    case Level::Healthy:
      return state == EndpointState::Up || state == EndpointState::Unknown;
    case Level::FailOpen:
      return state != EndpointState::Drained;
    case Level::Everything:
      break;
  }
  return true;
}

// Rule 2: a region is usable when neither the zone file (plan) nor the health view (API) drains
// it and at least min_up of its endpoints are Up or Unknown (Down and Drained do not count);
// min_up 0 keeps it usable while not drained.
bool usableAt(const ServicePlan& plan, const ServiceHealth& health, std::size_t slot,
              Level level) noexcept {
  const RegionPlan& region = plan.regions[slot];
  const RegionHealth* state = detail::regionHealth(health, slot);
  const bool drained = region.drain || (state != nullptr && state->drained);
  switch (level) {
    case Level::Healthy:
      return regionUsable(region, state);
    case Level::FailOpen:
      return !drained;
    case Level::Everything:
      break;
  }
  return true;
}

// Slow start for geo, latency and failover (weighted scales the region's weight instead): a
// ramping region admits a client subnet while its rampPoint() (client_hash.cc) is below the ramp.
bool ramping(const ServicePlan& plan, const ServiceHealth& health, std::size_t slot) noexcept {
  if (plan.policy == zones::PolicyKind::Weighted) return false;
  const RegionHealth* state = detail::regionHealth(health, slot);
  return state != nullptr && state->ramp < 1;  // NaN: not ramping
}

bool admitted(const ServicePlan& plan, const ServiceHealth& health, const detail::ClientKey& key,
              std::size_t slot) noexcept {
  if (!ramping(plan, health, slot)) return true;
  return detail::rampPoint(plan, key, slot) < detail::regionHealth(health, slot)->ramp;
}

// Rule 3: the first usable region is the primary. No endpoint of the family configured there:
// NODATA. Otherwise its endpoints of the family that count, from an offset hashed from the client
// subnet (sticky rotation), then the next usable regions', until `want` are collected.
struct Collector {
  const ServicePlan& plan;
  const ServiceHealth& health;
  const RegionOrder& order;
  const detail::ClientKey& key;
  Family family;
  std::size_t want;
  Decision& decision;
  std::size_t deepest = 0;  // position in the order of the last region that decided something
  std::int32_t primary = -1;
  std::size_t primary_position = 0;  // of `primary` in the order
  bool skip_ramping = false;  // slow start in force: skip regions that do not admit this client
  bool ramp_decided = false;  // a ramping region up to `deepest` made the answer client-specific

  // Usable at `level`, and with slow start in force, admitting this client.
  bool usable(std::size_t slot, Level level) const noexcept {
    if (!usableAt(plan, health, slot, level)) return false;
    return !skip_ramping || admitted(plan, health, key, slot);
  }

  Result run(Level level) noexcept {
    // Slow start applies to healthy answers only, and never leaves the client without an answer:
    // when no usable region admits it, or the ones that do have nothing to give, the ramps are
    // ignored.
    bool any_ramping = false, any_admitted = false;
    for (std::size_t pos = 0; level == Level::Healthy && pos < order.count; ++pos) {
      const std::size_t slot = order.slots[pos];
      if (!usableAt(plan, health, slot, level)) continue;
      any_ramping = any_ramping || ramping(plan, health, slot);
      any_admitted = any_admitted || admitted(plan, health, key, slot);
    }
    skip_ramping = any_ramping && any_admitted;
    Result result = collect(level);
    if (skip_ramping && result == Result::Empty) {
      skip_ramping = false;
      result = collect(level);
    }
    return result;
  }

  Result collect(Level level) noexcept {
    decision.count = 0;
    deepest = 0;
    primary = -1;
    primary_position = 0;
    ramp_decided = false;
    std::size_t first = order.count;
    for (std::size_t pos = 0; pos < order.count; ++pos) {
      if (usable(order.slots[pos], level)) {
        first = pos;
        break;
      }
    }
    if (first == order.count) return Result::NoRegion;
    primary = order.slots[first];
    primary_position = first;
    deepest = first;
    if (detail::familyEndpoints(plan.regions[order.slots[first]], family).empty()) {
      return finish(level, Result::NoData);
    }
    for (std::size_t pos = first; pos < order.count; ++pos) {
      const std::size_t slot = order.slots[pos];
      if (pos != first && !usable(slot, level)) continue;
      const std::vector<std::uint16_t>& list = detail::familyEndpoints(plan.regions[slot], family);
      const RegionHealth* state = detail::regionHealth(health, slot);
      const std::size_t offset = detail::rotationOffset(key, slot, list.size());
      for (std::size_t i = 0; i < list.size(); ++i) {
        const std::uint16_t endpoint = list[(offset + i) % list.size()];
        if (!endpointCounts(detail::endpointState(state, endpoint), level)) continue;
        decision.picks[decision.count++] = {static_cast<std::uint16_t>(slot), endpoint};
        deepest = pos;
        if (decision.count == want) return finish(level, Result::Answered);
      }
    }
    return finish(level, decision.count > 0 ? Result::Answered : Result::Empty);
  }

  // Notes whether a ramping region up to `deepest` took part (admitted or skipped): then other
  // subnets of the client's location may get another answer.
  Result finish(Level level, Result result) noexcept {
    ramp_decided = false;
    for (std::size_t pos = 0; level == Level::Healthy && pos <= deepest && pos < order.count;
         ++pos) {
      const std::size_t slot = order.slots[pos];
      if (usableAt(plan, health, slot, level) && ramping(plan, health, slot)) {
        ramp_decided = true;
      }
    }
    return result;
  }
};

bool anyRamping(const ServicePlan& plan, const ServiceHealth& health) noexcept {
  for (std::size_t slot = 0; slot < detail::regionCount(plan); ++slot) {
    if (ramping(plan, health, slot)) return true;
  }
  return false;
}

// Whether a region up to `deepest` in the order has more than one endpoint of the family, so that
// the client's rotation offset (rotationOffset()) may have chosen among them.
bool rotationTookPart(const ServicePlan& plan, const RegionOrder& order, std::size_t deepest,
                      Family family) noexcept {
  for (std::size_t pos = 0; pos <= deepest && pos < order.count; ++pos) {
    if (detail::familyEndpoints(plan.regions[order.slots[pos]], family).size() > 1) return true;
  }
  return false;
}

// The DecisionOutcome (select.h) of a decision the health filter answered (Level::Healthy).
DecisionOutcome healthyOutcome(const ServicePlan& plan, const ServiceHealth& health,
                               const RegionOrder& order, const Collector& collector,
                               const Decision& decision) noexcept {
  if (collector.primary_position == 0) {
    for (std::uint8_t i = 0; i < decision.count; ++i) {
      if (decision.picks[i].region != collector.primary) return DecisionOutcome::Spillover;
    }
    return DecisionOutcome::Primary;
  }
  const std::size_t first = order.slots[0];
  const RegionHealth* state = detail::regionHealth(health, first);
  if (plan.regions[first].drain || (state != nullptr && state->drained)) {
    return DecisionOutcome::DrainedSkip;
  }
  // Usable and yet not the primary: slow start passed it over for this client.
  if (usableAt(plan, health, first, Level::Healthy)) return DecisionOutcome::SlowStartSkip;
  return DecisionOutcome::Fallback;
}

}  // namespace

std::string_view decisionOutcomeName(DecisionOutcome outcome) noexcept {
  switch (outcome) {
    case DecisionOutcome::Primary:
      return "primary";
    case DecisionOutcome::Spillover:
      return "spillover";
    case DecisionOutcome::Fallback:
      return "fallback";
    case DecisionOutcome::FailOpen:
      return "fail_open";
    case DecisionOutcome::DrainedSkip:
      return "drained_skip";
    case DecisionOutcome::SlowStartSkip:
      return "slow_start_skip";
    case DecisionOutcome::Unanswered:
      break;
  }
  return "unanswered";
}

void select(const ServicePlan& plan, const ServiceHealth& health, const RttMatrix* rtt,
            const Client& client, Family family, Decision& decision, Trace* trace) noexcept {
  decision = Decision{};
  const detail::ClientKey key = detail::clientKey(plan, client);

  // Rule 1: the region order.
  RegionOrder order;
  switch (plan.policy) {
    case zones::PolicyKind::Geo:
      detail::orderGeo(plan, client, order);
      break;
    case zones::PolicyKind::Latency:
      detail::orderLatency(plan, rtt, client, order);
      break;
    case zones::PolicyKind::Weighted:
      detail::orderWeighted(plan, health, client, key, order);
      break;
    case zones::PolicyKind::Failover:
      detail::orderFailover(plan, client, order);
      break;
  }

  // Rules 2-4: health, answer, fallback.
  const std::size_t want = std::clamp<std::size_t>(plan.answers, 1, kMaxAnswers);
  Collector collector{plan, health, order, key, family, want, decision};
  detail::Outcome outcome;
  Result result = collector.run(Level::Healthy);
  const bool healthy = result == Result::Answered || result == Result::NoData;
  if (healthy) decision.outcome = healthyOutcome(plan, health, order, collector, decision);
  if (result == Result::NoRegion || result == Result::Empty) {
    if (plan.fallback == zones::Fallback::All) {
      // Fail open: answer as if every non-drained region and endpoint were up; if drains leave
      // nothing, use everything rather than answer empty.
      outcome.level = "fail open";
      result = collector.run(Level::FailOpen);
      if (result == Result::NoRegion || result == Result::Empty) {
        outcome.level = "fail open (drained included)";
        result = collector.run(Level::Everything);
      }
      decision.fail_open = result == Result::Answered;
    } else {
      outcome.level = "fallback none";
      outcome.no_region = true;
      decision.count = 0;
    }
  }
  if (!healthy) {
    decision.outcome = decision.fail_open ? DecisionOutcome::FailOpen : DecisionOutcome::Unanswered;
  }
  if (result != Result::Answered) {
    decision.count = 0;
    decision.nodata = true;
    outcome.family_missing = result == Result::NoData;
    outcome.no_region = outcome.no_region || result == Result::NoRegion;
  }
  outcome.primary = collector.primary;

  // Rule 5: the ECS scope (ecs_scope.cc).
  detail::ScopeWhy why;
  decision.scope =
      detail::ecsScope(plan, client, order, collector.deepest, collector.ramp_decided, key, why);
  // Every region order looked the client up in the service's geo nets.
  decision.reuse_prefix = detail::decisionPrefix(plan, client, key, order.geo_match);
  // The leading rule's regions alone decided (up to `deepest`, all from the rule's list), and
  // nothing of the client beyond that rule took part.
  decision.shared_by_rule =
      plan.policy == zones::PolicyKind::Geo && order.geo_rule != detail::GeoRule::None &&
      collector.deepest < order.rule_length && why.kind != detail::ScopeWhy::Kind::OneRegion &&
      !anyRamping(plan, health) && !rotationTookPart(plan, order, collector.deepest, family);

  if (trace != nullptr) {
    // Explain only: allocation is fine here, but select() stays noexcept; a failed allocation
    // leaves a partial trace rather than terminating.
    try {
      detail::fillTrace(plan, health, rtt, client, family, order, key, decision, why, outcome,
                        *trace);
    } catch (const std::exception&) {
    }
  }
}

bool regionUsable(const RegionPlan& region, const RegionHealth* health,
                  std::size_t* usable_endpoints) noexcept {
  const std::size_t usable = detail::countEndpoints(region, health).usable();
  if (usable_endpoints != nullptr) *usable_endpoints = usable;
  const bool drained = region.drain || (health != nullptr && health->drained);
  return !drained && usable >= region.min_up;
}

}  // namespace nines::policy
