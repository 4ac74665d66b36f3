// What select() shares between its parts: the region order each policy builds, the client key
// that makes answers sticky (client_hash.h), health accessors that tolerate a short health
// vector, the ECS scope rule and the explain text. Internal to nines_policy.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "client_hash.h"
#include "nines/policy/select.h"

namespace nines::policy::detail {

// --- Health (health.cc) ----------------------------------------------------------------------

inline std::size_t regionCount(const ServicePlan& plan) noexcept {
  return plan.regions.size() < kMaxRegions ? plan.regions.size() : kMaxRegions;
}
// Null when the health view has no entry for the slot (then everything is unknown).
inline const RegionHealth* regionHealth(const ServiceHealth& health, std::size_t slot) noexcept {
  return slot < health.regions.size() ? &health.regions[slot] : nullptr;
}
inline EndpointState endpointState(const RegionHealth* region, std::size_t index) noexcept {
  if (region == nullptr || index >= region->endpoints.size()) return EndpointState::Unknown;
  return region->endpoints[index];
}
struct EndpointCounts {
  std::size_t up = 0, unknown = 0, down = 0, drained = 0, total = 0;
  std::size_t usable() const noexcept { return up + unknown; }
};
EndpointCounts countEndpoints(const RegionPlan& region, const RegionHealth* health) noexcept;
// weight * ramp, with a ramp outside (0, 1] clamped into [0, 1].
double effectiveWeight(const RegionPlan& region, const RegionHealth* health) noexcept;
inline const std::vector<std::uint16_t>& familyEndpoints(const RegionPlan& region,
                                                         Family family) noexcept {
  return family == Family::V4 ? region.v4 : region.v6;
}

// --- Region order (region_order.cc) ----------------------------------------------------------

enum class GeoRule : std::uint8_t { None, Net, Country, Continent };

// Every region slot once, in the order the policy considers them, and what made that order.
struct RegionOrder {
  std::array<std::uint16_t, kMaxRegions> slots{};
  std::size_t count = 0;
  PrefixMatch geo_match;             // the service's [geo] nets on the client address
  GeoRule geo_rule = GeoRule::None;  // geo (and latency without RTT): the rule that led
  std::size_t rule_index = 0;        // into geo_net_lists / geo_country / geo_continent
  std::size_t rule_length = 0;       // leading slots that came from that rule
  bool by_distance = false;          // the rest by distance from the client (else `order`)
  std::int32_t vantage = -1;         // latency: the RTT vantage used; -1: ordered as geo
  std::size_t rtt_known = 0;         // latency: leading slots with a measured RTT
};

// The geo rule that leads the order: the client's net in plan.geo_nets (`net`), else its
// country's rule, else its continent's; kind None (and no regions) when none applies.
struct LeadingRule {
  GeoRule kind = GeoRule::None;
  std::size_t index = 0;  // into geo_net_lists / geo_country / geo_continent
  const std::vector<std::uint16_t>* regions = nullptr;
};
LeadingRule leadingRule(const ServicePlan& plan, const Client& client,
                        const PrefixMatch& net) noexcept;

void orderGeo(const ServicePlan& plan, const Client& client, RegionOrder& out) noexcept;
void orderLatency(const ServicePlan& plan, const RttMatrix* rtt, const Client& client,
                  RegionOrder& out) noexcept;
void orderWeighted(const ServicePlan& plan, const ServiceHealth& health, const Client& client,
                   const ClientKey& key, RegionOrder& out) noexcept;
void orderFailover(const ServicePlan& plan, const Client& client, RegionOrder& out) noexcept;

// The RTT matrix column of a region, -1 when it has none.
std::int32_t rttColumn(const RttMatrix& rtt, const std::string& region) noexcept;
// The measured RTT, negative when unknown.
double rttMs(const RttMatrix& rtt, std::int32_t vantage, std::int32_t column) noexcept;

// --- ECS scope (ecs_scope.cc) ----------------------------------------------------------------

// What decided the scope, for the explain text.
struct ScopeWhy {
  enum class Kind : std::uint8_t { OneRegion, Failover, Weighted, GeoNet, Location };
  Kind kind = Kind::OneRegion;
  std::uint8_t decided = 0;  // what decided the answer, before the ECS limits
  std::uint8_t base = 0;     // weighted: the hashed subnet's length
};

// Rule 5 of select(), ecsScope(), is in ecs_scope.h.

// --- Explain (trace.cc) ----------------------------------------------------------------------

// Everything select() decided, for the explain text.
struct Outcome {
  // "healthy", "fail open", "fail open (drained included)" or "fallback none".
  const char* level = "healthy";
  bool no_region = false;       // no region was usable at any level tried
  bool family_missing = false;  // NODATA: the primary region has no endpoint of the family
  std::int32_t primary = -1;    // slot of the primary region, -1 when none
};

void fillTrace(const ServicePlan& plan, const ServiceHealth& health, const RttMatrix* rtt,
               const Client& client, Family family, const RegionOrder& order, const ClientKey& key,
               const Decision& decision, const ScopeWhy& why, const Outcome& outcome, Trace& trace);

}  // namespace nines::policy::detail
