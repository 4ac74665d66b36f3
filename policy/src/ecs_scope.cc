// The ECS scope rule (RFC 7871 §7.2.1): the SCOPE PREFIX-LENGTH of an answer covers exactly what
// decided it, so that a resolver caching the answer for that network never hands one region's
// answer to a client select() would send elsewhere, nor caches it for fewer clients than it
// could. SOURCE PREFIX-LENGTH 0 ("do not use my address", §7.1.2), like a query without ECS, gets
// scope 0. The scope is never longer than the source prefix that was sent: §7.2.1 allows a longer
// one as a hint that the prefix was too short, but the resolver then caches at the source prefix
// anyway (§7.3.1), so we answer for what we were told. decisionPrefix() is the same rule turned
// inward: how far a worker may reuse a decision in its cache.
//
// The other halves: dnsd/serve's ecs_client.h decides who the client is (the ECS address and
// source prefix, or the query's source address), and dnsd/wire's edns.h reads and writes the
// option.
#include <algorithm>

#include "select_internal.h"

namespace nines::policy {

namespace detail {

std::uint8_t ecsScope(const ServicePlan& plan, const Client& client, const RegionOrder& order,
                      std::size_t deepest, bool ramp_decided, const ClientKey& key,
                      ScopeWhy& why) noexcept {
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
  // No ECS, or source prefix 0: scope 0. Otherwise never longer than the source prefix sent.
  if (!client.has_ecs || client.source_prefix == 0) return 0;
  return std::min(scope, client.source_prefix);
}

}  // namespace detail

std::uint8_t decisionPrefix(const ServicePlan& plan, const Client& client) noexcept {
  std::uint8_t prefix = detail::clientKey(plan, client).prefix;
  if (!plan.geo_nets.empty()) prefix = std::max(prefix, plan.geo_nets.match(client.address).scope);
  if (plan.policy == zones::PolicyKind::Geo || plan.policy == zones::PolicyKind::Latency) {
    prefix = std::max(prefix, client.location.scope);
  }
  return prefix;
}

}  // namespace nines::policy
