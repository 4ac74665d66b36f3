// The ECS scope rule, the one place it is written: see ecs_scope.cc's comment. Inline, because
// select() applies it to every decision.
#pragma once

#include <algorithm>

#include "select_internal.h"

namespace nines::policy {

namespace detail {

// The SCOPE PREFIX-LENGTH of an answer that the first `decided` bits of the client address
// decided. No ECS, or source prefix 0: scope 0. Otherwise what decided, even when that is longer
// than the source prefix sent: RFC 7871 §7.2.1 has a longer scope say the prefix was not specific
// enough, rather than claim the answer holds for the whole of it.
inline std::uint8_t sentScope(std::uint8_t decided, const Client& client) noexcept {
  if (!client.has_ecs || client.source_prefix == 0) return 0;
  return decided;
}

// Rule 5 of select(): the ECS SCOPE PREFIX-LENGTH of an answer made from `order`, where `deepest`
// is the position in the order of the last region that decided something and `ramp_decided`
// says a ramping region up to there admitted or skipped this client. 0 without ECS or with source
// prefix 0; may be longer than the source prefix (RFC 7871 §7.2.1). Fills `why`.
inline std::uint8_t ecsScope(const ServicePlan& plan, const Client& client,
                             const RegionOrder& order, std::size_t deepest, bool ramp_decided,
                             const ClientKey& key, ScopeWhy& why) noexcept {
  using Kind = ScopeWhy::Kind;
  std::uint8_t scope = 0;
  const std::uint8_t nets = order.geo_match.scope;
  if (regionCount(plan) <= 1) {
    why.kind = Kind::OneRegion;  // nothing to choose between
  } else if (plan.policy == zones::PolicyKind::Failover) {
    why.kind = Kind::Failover;  // the order is the same for every client
  } else if (plan.policy == zones::PolicyKind::Weighted) {
    // The hash reads the client's /24 or /56; a service net inside it must not be covered.
    why.kind = Kind::Weighted;
    why.base = client.address.family == 4 ? 24 : 56;
    scope = std::max(why.base, nets);
  } else if (order.vantage < 0 && order.geo_rule == GeoRule::Net && deepest < order.rule_length) {
    // Every region that decided came from the matched service net's list: that net decided (its
    // scope already stops short of any more specific service net inside it).
    why.kind = Kind::GeoNet;
    scope = nets;
  } else {
    // The client's location decided (country, continent, distance, nearest vantage); the scope
    // must stay inside the location's network and not cover a subnet a service net answers
    // differently.
    why.kind = Kind::Location;
    scope = std::max(nets, client.location.scope);
  }
  // Slow start admitted or skipped a region by the hash of the client's subnet: the answer holds
  // for that subnet only.
  if (ramp_decided && why.kind != Kind::OneRegion) scope = std::max(scope, key.prefix);
  scope = std::min(scope, client.address.bitLength());
  why.decided = scope;
  return sentScope(scope, client);
}

// decisionPrefix() from the client key and service-net match select() has already made.
inline std::uint8_t decisionPrefix(const ServicePlan& plan, const Client& client,
                                   const ClientKey& key, const PrefixMatch& nets) noexcept {
  std::uint8_t prefix = std::max(key.prefix, nets.scope);
  if (plan.policy == zones::PolicyKind::Geo || plan.policy == zones::PolicyKind::Latency) {
    prefix = std::max(prefix, client.location.scope);
  }
  return prefix;
}

}  // namespace detail

}  // namespace nines::policy
