// A service compiled for answering (gdnsd style: everything indexed at load, nothing looked up by
// name per query): regions by integer slot, endpoints split by family, geo rules as tables.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "nines/policy/health.h"
#include "nines/policy/prefix_table.h"
#include "nines/zones/zone.h"

namespace nines::policy {

// select() considers at most this many regions of a service (the first ones, in pool order): its
// working buffers live on the stack so that a query allocates nothing. A loader should reject a
// service with more pools than this.
inline constexpr std::size_t kMaxRegions = 128;

struct RegionPlan {
  std::string name;
  std::optional<zones::GeoPoint> location;
  // `location` on the unit sphere (x, y, z): regions are ordered by distance from a client by the
  // dot product with the client's point, one multiply-add each instead of a haversine.
  std::array<double, 3> unit{};
  std::uint32_t weight = 100;
  std::uint32_t min_up = 1;
  std::optional<std::uint32_t> capacity;  // requests/s the pool can carry; none: not said
  bool drain = false;                     // the zone file drains the region or its pool
  // Endpoint indices (into the pool's endpoints, file order) of each family.
  std::vector<std::uint16_t> v4;
  std::vector<std::uint16_t> v6;
  std::vector<zones::IpAddress> endpoints;  // the pool's endpoints, file order
};

// "geo", "latency", "weighted", "failover": as zone files spell them.
const char* policyName(zones::PolicyKind kind) noexcept;

struct ServicePlan {
  std::string zone;  // origin, presentation form
  std::string name;  // service key
  zones::Name owner;
  std::string owner_text;  // owner.toText(), kept for labels, logs and explain
  zones::PolicyKind policy = zones::PolicyKind::Geo;
  std::uint32_t ttl = 30;
  std::optional<std::uint32_t> ttl_unstable;  // none: answers always carry ttl
  double ttl_calm = 300;                      // seconds
  std::uint32_t answers = 1;
  zones::Fallback fallback = zones::Fallback::All;
  double slow_start = 0;
  std::optional<double> expected_load;  // requests/s the service must carry (capacity.h)
  std::string check;  // the zone's [checks] entry its endpoints are probed by; empty: none
  std::vector<RegionPlan> regions;   // one per pool, in pool order
  std::vector<std::uint16_t> order;  // `order`, as region slots
  // [services.X.geo]: each rule is an ordered list of region slots. Nets that name the same list
  // share one entry of geo_net_lists, so the table merges them (prefix_table.h); the networks as
  // written stay in geo_nets for explain.
  PrefixTable geo_nets;  // value: index into geo_net_lists
  std::vector<std::vector<std::uint16_t>> geo_net_lists;
  std::vector<std::pair<std::string, std::vector<std::uint16_t>>> geo_country;
  std::vector<std::pair<std::string, std::vector<std::uint16_t>>> geo_continent;

  // Builds the plan of `service` of `zone`. The loader has validated names, so regions named in
  // the service exist.
  static ServicePlan compile(const zones::Zone& zone, const zones::Service& service);
};

// Every service of the served zones, by slot (gdnsd style: integer slots fixed when the zones are
// loaded), with the health each has before anything is known. Built with the zone table and
// published with it; health views are built against it, slot for slot.
struct ServiceSet {
  // Distinct for every set built in this process (an address can come back; this cannot), so what
  // is derived from a set can be cached against it.
  std::uint64_t id = 0;
  std::vector<ServicePlan> plans;
  std::vector<ServiceHealth> initial_health;  // every endpoint unknown; zone-file drains only

  ServiceSet();  // takes the next id
  // Every service of `zones`, zone by zone in file order: the slots a ZoneTable built from the
  // same zones gives them.
  static ServiceSet compile(const std::vector<zones::Zone>& zones);
  // Compiles `service` of `zone` into the next slot; returns the slot.
  std::size_t add(const zones::Zone& zone, const zones::Service& service);
  std::size_t size() const noexcept { return plans.size(); }
};

}  // namespace nines::policy
