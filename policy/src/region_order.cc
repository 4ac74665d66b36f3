// Step 1 of select(): the order in which a policy considers a service's regions. Each function
// puts every region slot in `out.slots` exactly once; health is applied afterwards (select.cc),
// so a region going down only moves the clients whose order it led.
#include <algorithm>
#include <cmath>

#include "select_internal.h"

namespace nines::policy {

double distanceKm(const zones::GeoPoint& a, const zones::GeoPoint& b) noexcept {
  constexpr double kEarthRadiusKm = 6371.0;  // mean radius (IUGG)
  constexpr double kRadians = 3.14159265358979323846 / 180.0;
  const double dlat = (b.latitude - a.latitude) * kRadians;
  const double dlon = (b.longitude - a.longitude) * kRadians;
  const double h = std::sin(dlat / 2) * std::sin(dlat / 2) +
                   std::cos(a.latitude * kRadians) * std::cos(b.latitude * kRadians) *
                       std::sin(dlon / 2) * std::sin(dlon / 2);
  return 2 * kEarthRadiusKm * std::asin(std::sqrt(std::min(1.0, std::max(0.0, h))));
}

std::array<double, 3> unitVector(const zones::GeoPoint& point) noexcept {
  constexpr double kRadians = 3.14159265358979323846 / 180.0;
  const double latitude = point.latitude * kRadians, longitude = point.longitude * kRadians;
  return {std::cos(latitude) * std::cos(longitude), std::cos(latitude) * std::sin(longitude),
          std::sin(latitude)};
}

namespace detail {

std::int32_t rttColumn(const RttMatrix& rtt, const std::string& region) noexcept {
  for (std::size_t c = 0; c < rtt.regions.size(); ++c) {
    if (rtt.regions[c] == region) return static_cast<std::int32_t>(c);
  }
  return -1;
}

double rttMs(const RttMatrix& rtt, std::int32_t vantage, std::int32_t column) noexcept {
  if (vantage < 0 || column < 0) return -1;
  const auto v = static_cast<std::size_t>(vantage);
  const auto c = static_cast<std::size_t>(column);
  if (v >= rtt.rtt_ms.size() || c >= rtt.rtt_ms[v].size()) return -1;
  const double value = rtt.rtt_ms[v][c];
  return std::isfinite(value) ? value : -1;
}

namespace {

// Sorts slots[0, n) by `key` ascending, ties kept in their current order. Insertion sort: n is a
// handful of regions, and std::stable_sort may allocate a buffer.
void sortByKey(std::uint16_t* slots, double* keys, std::size_t n) noexcept {
  for (std::size_t i = 1; i < n; ++i) {
    const std::uint16_t slot = slots[i];
    const double key = keys[i];
    std::size_t j = i;
    for (; j > 0 && keys[j - 1] > key; --j) {
      slots[j] = slots[j - 1];
      keys[j] = keys[j - 1];
    }
    slots[j] = slot;
    keys[j] = key;
  }
}

bool sameCode(const std::string& rule, const char* code) noexcept {
  if (rule.size() != 2 || code[0] == '\0') return false;
  auto upper = [](char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 32) : c; };
  return upper(rule[0]) == upper(code[0]) && upper(rule[1]) == upper(code[1]);
}

// Appends the slots of `list` that are in range and not yet placed.
void place(const std::vector<std::uint16_t>& list, std::size_t n, bool* placed,
           RegionOrder& out) noexcept {
  for (std::uint16_t slot : list) {
    if (slot >= n || placed[slot]) continue;
    placed[slot] = true;
    out.slots[out.count++] = slot;
  }
}

// The regions not yet placed: by distance from `from` (regions without a location last, in plan
// order), or, with no point, `order` then plan order.
void placeRest(const ServicePlan& plan, const zones::GeoPoint* from, bool* placed,
               RegionOrder& out) noexcept {
  const std::size_t n = regionCount(plan);
  if (from != nullptr) {
    out.by_distance = true;
    std::array<double, kMaxRegions> keys{};
    const std::size_t first = out.count;
    const std::array<double, 3> client = unitVector(*from);
    for (std::size_t slot = 0; slot < n; ++slot) {
      if (placed[slot] || !plan.regions[slot].location) continue;
      placed[slot] = true;
      const std::array<double, 3>& region = plan.regions[slot].unit;
      // Nearest first: the largest dot product.
      keys[out.count - first] =
          -(client[0] * region[0] + client[1] * region[1] + client[2] * region[2]);
      out.slots[out.count++] = static_cast<std::uint16_t>(slot);
    }
    sortByKey(out.slots.data() + first, keys.data(), out.count - first);
  } else {
    place(plan.order, n, placed, out);
  }
  for (std::size_t slot = 0; slot < n; ++slot) {
    if (placed[slot]) continue;
    placed[slot] = true;
    out.slots[out.count++] = static_cast<std::uint16_t>(slot);
  }
}

}  // namespace

LeadingRule leadingRule(const ServicePlan& plan, const Client& client,
                        const PrefixMatch& net) noexcept {
  if (net.value >= 0 && static_cast<std::size_t>(net.value) < plan.geo_net_lists.size()) {
    const auto index = static_cast<std::size_t>(net.value);
    return {GeoRule::Net, index, &plan.geo_net_lists[index]};
  }
  for (std::size_t i = 0; i < plan.geo_country.size(); ++i) {
    if (sameCode(plan.geo_country[i].first, client.location.country)) {
      return {GeoRule::Country, i, &plan.geo_country[i].second};
    }
  }
  for (std::size_t i = 0; i < plan.geo_continent.size(); ++i) {
    if (sameCode(plan.geo_continent[i].first, client.location.continent)) {
      return {GeoRule::Continent, i, &plan.geo_continent[i].second};
    }
  }
  return {};
}

// geo: the most specific [services.X.geo] rule leads (the client address's longest geo net,
// else its country, else its continent); the remaining regions follow by great-circle distance
// from the client's point, or, when the location has no point, in `order` then plan order.
void orderGeo(const ServicePlan& plan, const Client& client, RegionOrder& out) noexcept {
  const std::size_t n = regionCount(plan);
  std::array<bool, kMaxRegions> placed{};
  out.count = 0;
  out.geo_match = plan.geo_nets.match(client.address);
  const LeadingRule rule = leadingRule(plan, client, out.geo_match);
  out.geo_rule = rule.kind;
  out.rule_index = rule.index;
  if (rule.regions != nullptr) place(*rule.regions, n, placed.data(), out);
  out.rule_length = out.count;
  placeRest(plan, client.location.has_point ? &client.location.point : nullptr, placed.data(), out);
}

// latency: the RTT vantage nearest the client; regions by that vantage's RTT ascending, those
// without a measurement after them in geo order. No RTT data or no client point: exactly geo.
void orderLatency(const ServicePlan& plan, const RttMatrix* rtt, const Client& client,
                  RegionOrder& out) noexcept {
  orderGeo(plan, client, out);
  if (rtt == nullptr || rtt->vantages.empty() || !client.location.has_point) return;
  std::size_t nearest = 0;
  double best = distanceKm(client.location.point, rtt->vantages[0].location);
  for (std::size_t v = 1; v < rtt->vantages.size(); ++v) {
    const double d = distanceKm(client.location.point, rtt->vantages[v].location);
    if (d < best) {
      best = d;
      nearest = v;
    }
  }
  out.vantage = static_cast<std::int32_t>(nearest);
  // Stable partition of the geo order into measured and unmeasured, then sort the measured ones.
  std::array<std::uint16_t, kMaxRegions> unknown{};
  std::array<double, kMaxRegions> keys{};
  std::size_t known = 0, unknown_count = 0;
  for (std::size_t i = 0; i < out.count; ++i) {
    const std::uint16_t slot = out.slots[i];
    const double ms = rttMs(*rtt, out.vantage, rttColumn(*rtt, plan.regions[slot].name));
    if (ms >= 0) {
      keys[known] = ms;
      out.slots[known++] = slot;
    } else {
      unknown[unknown_count++] = slot;
    }
  }
  sortByKey(out.slots.data(), keys.data(), known);
  for (std::size_t i = 0; i < unknown_count; ++i) out.slots[known + i] = unknown[i];
  out.rtt_known = known;
}

// weighted: rendezvous (highest random weight) hashing on the client subnet. Each region's score
// depends only on the client, the service, the region and its own weight, so a region's share of
// first choices is its share of the total weight, a subnet keeps its order while weights stand,
// and a region going down (or ramping) moves only the clients it ranked first.
void orderWeighted(const ServicePlan& plan, const ServiceHealth& health, const Client& client,
                   const ClientKey& key, RegionOrder& out) noexcept {
  const std::size_t n = regionCount(plan);
  out.count = 0;
  out.geo_match = plan.geo_nets.match(client.address);
  std::array<double, kMaxRegions> keys{};
  for (std::size_t slot = 0; slot < n; ++slot) {
    const double weight = effectiveWeight(plan.regions[slot], regionHealth(health, slot));
    if (weight <= 0) continue;
    keys[out.count] = -rendezvousScore(plan, key, slot, weight);  // descending score
    out.slots[out.count++] = static_cast<std::uint16_t>(slot);
  }
  sortByKey(out.slots.data(), keys.data(), out.count);
  // Weight 0 (configured, or a ramp that has not started): last, in plan order.
  for (std::size_t slot = 0; slot < n; ++slot) {
    if (effectiveWeight(plan.regions[slot], regionHealth(health, slot)) > 0) continue;
    out.slots[out.count++] = static_cast<std::uint16_t>(slot);
  }
}

// failover: `order` (active first, then the passives), then the regions it leaves out in plan
// order.
void orderFailover(const ServicePlan& plan, const Client& client, RegionOrder& out) noexcept {
  std::array<bool, kMaxRegions> placed{};
  out.count = 0;
  out.geo_match = plan.geo_nets.match(client.address);
  placeRest(plan, nullptr, placed.data(), out);
}

}  // namespace detail
}  // namespace nines::policy
