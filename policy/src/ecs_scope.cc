// The ECS scope rule (RFC 7871 §7.2.1): the SCOPE PREFIX-LENGTH of an answer covers exactly what
// decided it, so that a resolver caching the answer for that network never hands one region's
// answer to a client select() would send elsewhere, nor caches it for fewer clients than it
// could. SOURCE PREFIX-LENGTH 0 ("do not use my address", §7.1.2), like a query without ECS, gets
// scope 0. When what decided is longer than the source prefix that was sent, the scope says so
// (§7.2.1: a SCOPE PREFIX-LENGTH longer than the SOURCE PREFIX-LENGTH means the source prefix was
// not specific enough); capping it at the source would claim the answer holds for the whole of
// the source network. decisionPrefix() is the same rule turned inward: how far a worker may
// reuse a decision in its cache.
//
// The other halves: dnsd/serve's ecs_client.h decides who the client is (the ECS address and
// source prefix, or the query's source address), and dnsd/wire's edns.h reads and writes the
// option.
#include "ecs_scope.h"

#include <algorithm>

namespace nines::policy {

std::uint8_t decisionPrefix(const ServicePlan& plan, const Client& client) noexcept {
  return detail::decisionPrefix(plan, client, detail::clientKey(plan, client),
                                plan.geo_nets.match(client.address));
}

std::int32_t geoRuleKey(const ServicePlan& plan, const Client& client,
                        const PrefixMatch& net) noexcept {
  // Net values stay below 2^23 (PrefixTable::kMaxValue); country and continent rules follow.
  constexpr std::int32_t kCountryRules = 1 << 24, kContinentRules = 1 << 25;
  const detail::LeadingRule rule = detail::leadingRule(plan, client, net);
  switch (rule.kind) {
    case detail::GeoRule::Net:
      return static_cast<std::int32_t>(rule.index);
    case detail::GeoRule::Country:
      return kCountryRules + static_cast<std::int32_t>(rule.index);
    case detail::GeoRule::Continent:
      return kContinentRules + static_cast<std::int32_t>(rule.index);
    case detail::GeoRule::None:
      break;
  }
  return -1;
}

void withRuleScope(const Decision& shared, const Client& client, const PrefixMatch& net,
                   Decision& out) noexcept {
  out = shared;
  // ecsScope()'s rule for what decided: the client's net (ScopeWhy::Kind::GeoNet) when a net led,
  // else its location, without covering a net inside it (Kind::Location).
  const std::uint8_t decided = net.value >= 0 ? net.scope : std::max(net.scope, client.location.scope);
  out.scope = detail::sentScope(std::min(decided, client.address.bitLength()), client);
  out.reuse_prefix = client.address.bitLength();
}

}  // namespace nines::policy
