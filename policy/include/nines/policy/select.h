// The policies: a pure function of (service, client, health) to the addresses to answer with and
// the ECS scope that decided them (DESIGN.md "Policies"). No sockets, no clocks, no allocation
// on the query path; the same function, given a Trace, explains itself to `ninesctl explain`.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "nines/policy/health.h"
#include "nines/policy/location.h"
#include "nines/policy/service_plan.h"
#include "nines/zones/ip.h"

namespace nines::policy {

inline constexpr std::size_t kMaxAnswers = 16;

struct Client {
  zones::IpAddress address;    // the ECS address when the query had one, else the source
  std::uint8_t source_prefix;  // ECS SOURCE PREFIX-LENGTH, or the full length without ECS
  bool has_ecs = false;
  Location location;  // ClientLocator::locate(address)
};

enum class Family : std::uint8_t { V4, V6 };

// Why a decision answered from where it did, for nines_decisions_total{service,outcome}. The
// policy orders the regions (rule 1 of select()); the *first region* is the head of that order
// and the *primary* is the first region the health filter let through. Exactly one applies:
//   FailOpen       every region was down and fallback = "all" answered anyway (fail_open set)
//   Unanswered     nothing to answer with: every region down and fallback = "none", or nothing
//                  configured at all even failing open (NODATA)
//   Primary        the first region is the primary and every address came from it (also a
//                  NODATA because the primary has no address of the family)
//   Spillover      the first region is the primary but had fewer usable addresses of the family
//                  than `answers`, so later regions filled the rest
//   DrainedSkip    the first region is drained (zone file or API): a later region is the primary
//   SlowStartSkip  the first region is usable but ramping (slow_start) and did not admit this
//                  client's subnet: a later region is the primary (geo, latency, failover; a
//                  weighted ramp lowers the region's weight instead, so never this)
//   Fallback       the first region is down (fewer than min_up endpoints up or unknown): a later
//                  region is the primary
// Only the first region decides between the last three, so a client whose first region is
// drained counts as drained_skip even when its second is down as well.
enum class DecisionOutcome : std::uint8_t {
  Primary,
  Spillover,
  Fallback,
  FailOpen,
  DrainedSkip,
  SlowStartSkip,
  Unanswered,
};
inline constexpr std::size_t kDecisionOutcomes = 7;
// "primary", "spillover", "fallback", "fail_open", "drained_skip", "slow_start_skip",
// "unanswered": the outcome label of nines_decisions_total.
std::string_view decisionOutcomeName(DecisionOutcome outcome) noexcept;

struct Decision {
  // The endpoints to answer with, as (region slot, endpoint index) pairs, in answer order.
  struct Pick {
    std::uint16_t region;
    std::uint16_t endpoint;
  };
  std::array<Pick, kMaxAnswers> picks{};
  std::uint8_t count = 0;
  std::uint8_t scope = 0;  // ECS SCOPE PREFIX-LENGTH for the response (may exceed the source)
  // decisionPrefix() of this client, worked out from the lookups select() made anyway.
  std::uint8_t reuse_prefix = 0;
  bool fail_open = false;  // every region was down and fallback = "all" answered anyway
  bool nodata = false;     // nothing of this family to give (or fallback = "none")
  DecisionOutcome outcome = DecisionOutcome::Primary;
  // Everything but the ECS scope is the same for every client with the same geoRuleKey(), under
  // the same plan, health and family: the region list of the geo rule that led (the client's net,
  // else its country or continent rule) decided it alone; no distance, no slow start and no
  // endpoint rotation took part. A worker may keep it per rule (withRuleScope()) instead of per
  // client subnet.
  bool shared_by_rule = false;
};

// A human-readable account of one decision, filled only when asked for (explain).
struct Trace {
  std::string policy;                // "geo", "weighted", ...
  std::string location;              // "nets 192.0.2.0/24: NA/US (38.9, -77.0)"
  std::string rule;                  // which rule made the region order, and why
  std::vector<std::string> order;    // region names in the order considered
  std::vector<std::string> regions;  // one line per region: health and why
  std::vector<std::string> answer;   // the addresses returned
  std::string scope_reason;          // why the ECS scope is what it is
  bool fail_open = false;
  // How the answer came out: "answered from eu-west", "NODATA: ...", "fail open: ...".
  std::string outcome;
  // decisionOutcomeName() of the decision: the outcome label /metrics counts it under.
  std::string decision_outcome;
  // describeTtl() (answer_ttl.h): which TTL the answer carries and why. Filled by explain, which
  // knows the time.
  std::string ttl;
};

// Fills `decision` for a query of `family` (A: V4, AAAA: V6). `rtt` may be null (nothing
// measured). `health.regions` has one entry per plan region. When `trace` is null nothing is
// allocated and nothing throws.
void select(const ServicePlan& plan, const ServiceHealth& health, const RttMatrix* rtt,
            const Client& client, Family family, Decision& decision,
            Trace* trace = nullptr) noexcept;

// The geo rule that leads a geo service's region order for `client`, as one number: the value of
// its net in plan.geo_nets (`net`, that table's match() of the client address), else its country
// rule, else its continent rule (these read client.location); -1 when no rule leads and distance
// or the plan's order decide. Clients with the same key are ordered alike as far as the rule goes.
std::int32_t geoRuleKey(const ServicePlan& plan, const Client& client,
                        const PrefixMatch& net) noexcept;

// A decision select() marked shared_by_rule, as select() would make it for `client`, whose
// geoRuleKey() is the one it was made for (`net` as given to that): only the ECS scope is the
// client's own, its net's or, under a country or continent rule, what its location holds for.
// reuse_prefix is the whole address (it does not say how far the client's subnet reaches).
void withRuleScope(const Decision& shared, const Client& client, const PrefixMatch& net,
                   Decision& out) noexcept;

// Rule 2 of select(), for everything else that reports health (status, slow start): a region can
// take traffic when neither the zone file (`region.drain`) nor the health view drains it and at
// least min_up of its endpoints are Up or Unknown. `health` may be null (all unknown);
// `usable_endpoints`, when given, receives the number of Up or Unknown endpoints.
bool regionUsable(const RegionPlan& region, const RegionHealth* health,
                  std::size_t* usable_endpoints = nullptr) noexcept;

// The prefix length around `client.address` within which select() makes this same decision for
// the same plan, health, family and ECS source prefix: the client subnet it hashes, the service
// geo net it falls in and, for geo and latency, the network its location is valid for. Lets a
// worker cache decisions per client subnet without ever giving one client another's answer.
std::uint8_t decisionPrefix(const ServicePlan& plan, const Client& client) noexcept;

// Great-circle distance in kilometres (haversine).
double distanceKm(const zones::GeoPoint& a, const zones::GeoPoint& b) noexcept;
// `point` on the unit sphere (x, y, z). The dot product of two such vectors falls as the
// great-circle distance between the points grows, so it orders regions by distance alike.
std::array<double, 3> unitVector(const zones::GeoPoint& point) noexcept;

}  // namespace nines::policy
