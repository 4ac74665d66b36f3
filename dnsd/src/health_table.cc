#include "nines/dnsd/health_table.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>

namespace nines::dnsd {

namespace {

std::string number(double value, int decimals) {
  char text[32];
  std::snprintf(text, sizeof text, "%.*f", decimals, value);
  return text;
}

// "0.5", "0.667": the quorum as written, without trailing zeros.
std::string shortNumber(double value) {
  std::string text = number(value, 3);
  while (text.size() > 1 && text.back() == '0') text.pop_back();
  if (!text.empty() && text.back() == '.') text.pop_back();
  return text;
}

double median(std::vector<double>& values) {
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

}  // namespace

HealthTable::HealthTable(HealthTableOptions options, Clock clock)
    : options_(options), clock_(std::move(clock)) {}

void HealthTable::setTargets(const std::vector<std::string>& ids) {
  std::lock_guard lock(mutex_);
  std::vector<std::string> next_ids;
  std::unordered_map<std::string_view, std::uint32_t, NameHash, std::equal_to<>> next_index;
  // Reserved once, so the views in next_index (into these strings) never see a reallocation.
  next_ids.reserve(ids.size());
  next_index.reserve(ids.size());
  std::vector<std::ptrdiff_t> old_index;  // by new index
  for (const auto& id : ids) {
    if (next_index.count(std::string_view(id))) continue;  // listed twice: one target
    next_ids.push_back(id);
    next_index.emplace(next_ids.back(), static_cast<std::uint32_t>(next_ids.size() - 1));
    old_index.push_back(indexOf(id));
  }
  for (auto& row : votes_) {
    std::vector<Vote> next(next_ids.size());
    for (std::size_t i = 0; i < next.size(); ++i) {
      if (old_index[i] >= 0) next[i] = std::move(row[static_cast<std::size_t>(old_index[i])]);
    }
    row = std::move(next);
  }
  for (auto& order : order_) order.clear();
  // Moving the vector moves its buffer, not the strings: the views stay good.
  ids_ = std::move(next_ids);
  index_ = std::move(next_index);
  ++version_;
}

bool HealthTable::knows(std::string_view target) const {
  std::lock_guard lock(mutex_);
  return indexOf(target) >= 0;
}

std::ptrdiff_t HealthTable::indexOf(std::string_view target) const {
  auto it = index_.find(target);
  return it == index_.end() ? -1 : static_cast<std::ptrdiff_t>(it->second);
}

std::vector<std::int32_t> HealthTable::indicesOf(const std::vector<std::string>& ids,
                                                 std::uint64_t* version) const {
  std::lock_guard lock(mutex_);
  std::vector<std::int32_t> out;
  out.reserve(ids.size());
  for (const auto& id : ids) out.push_back(static_cast<std::int32_t>(indexOf(id)));
  if (version != nullptr) *version = version_;
  return out;
}

std::uint32_t HealthTable::proberIndex(const ProberInfo& prober) {
  for (std::size_t i = 0; i < probers_.size(); ++i) {
    if (probers_[i].id != prober.id) continue;
    // The region and location of its latest report count.
    probers_[i] = prober;
    return static_cast<std::uint32_t>(i);
  }
  probers_.push_back(prober);
  votes_.emplace_back(ids_.size());
  order_.emplace_back();
  return static_cast<std::uint32_t>(probers_.size() - 1);
}

std::size_t HealthTable::apply(const ProberInfo& prober,
                               const std::vector<probers::ReportResult>& results) {
  const double now = clock_();
  std::lock_guard lock(mutex_);
  const std::uint32_t p = proberIndex(prober);
  std::vector<Vote>& row = votes_[p];
  std::vector<std::uint32_t>& order = order_[p];
  order.resize(results.size(), kNoTarget);
  std::size_t applied = 0;
  for (std::size_t i = 0; i < results.size(); ++i) {
    const auto& result = results[i];
    std::uint32_t target = order[i];
    if (target >= ids_.size() || ids_[target] != result.target) {
      const std::ptrdiff_t found = indexOf(result.target);
      target = found < 0 ? kNoTarget : static_cast<std::uint32_t>(found);
      order[i] = target;
      if (found < 0) continue;
    }
    Vote& vote = row[target];
    vote.up = result.up;
    vote.rtt_ms = result.rtt_ms;
    vote.received_at = now;
    vote.reason = result.reason;
    ++applied;
  }
  return applied;
}

HealthTable::Tally HealthTable::tally(std::size_t target, double now) const noexcept {
  Tally out;
  for (std::size_t p = 0; p < votes_.size(); ++p) {
    const Vote& vote = votes_[p][target];
    if (vote.received_at < 0) continue;
    out.last = std::max(out.last, vote.received_at);
    if (!fresh(vote, now)) continue;
    ++out.fresh;
    if (vote.up) {
      ++out.up;
    } else if (out.first_down < 0) {
      out.first_down = static_cast<std::ptrdiff_t>(p);
    }
  }
  return out;
}

policy::EndpointState HealthTable::stateOf(const Tally& tally) const noexcept {
  if (tally.fresh == 0) return policy::EndpointState::Unknown;
  // up / fresh > quorum, multiplied out so that 1 of 2 against 0.5 compares exactly (not up).
  const bool up = static_cast<double>(tally.up) > options_.quorum * static_cast<double>(tally.fresh);
  return up ? policy::EndpointState::Up : policy::EndpointState::Down;
}

Verdict HealthTable::verdict(const std::string& target, double now) const {
  std::lock_guard lock(mutex_);
  Verdict out;
  const std::ptrdiff_t index = indexOf(target);
  const Tally counted = index < 0 ? Tally{} : tally(static_cast<std::size_t>(index), now);
  if (counted.last < 0) {
    out.reason = "no votes yet";
    return out;
  }
  out.fresh = counted.fresh;
  out.up = counted.up;
  out.state = stateOf(counted);
  if (counted.fresh == 0) {
    out.reason = "no fresh votes (last " + number(now - counted.last, 1) + " s ago)";
    return out;
  }
  out.reason = std::to_string(out.up) + "/" + std::to_string(out.fresh) +
               " fresh votes up (quorum > " + shortNumber(options_.quorum) + ")";
  if (out.state == policy::EndpointState::Down && counted.first_down >= 0) {
    const auto p = static_cast<std::size_t>(counted.first_down);
    const Vote& down = votes_[p][static_cast<std::size_t>(index)];
    out.reason += "; " + probers_[p].id + ": " + (down.reason.empty() ? "down" : down.reason);
  }
  return out;
}

bool HealthTable::states(double now, std::uint64_t version,
                         std::vector<policy::EndpointState>& out) const {
  std::lock_guard lock(mutex_);
  if (version != version_) return false;
  out.resize(ids_.size());
  for (std::size_t t = 0; t < ids_.size(); ++t) out[t] = stateOf(tally(t, now));
  return true;
}

std::vector<VoteView> HealthTable::votes(const std::string& target, double now) const {
  std::lock_guard lock(mutex_);
  std::vector<VoteView> out;
  const std::ptrdiff_t index = indexOf(target);
  if (index < 0) return out;
  for (std::size_t p = 0; p < votes_.size(); ++p) {
    const Vote& vote = votes_[p][static_cast<std::size_t>(index)];
    if (vote.received_at < 0) continue;
    const ProberInfo& prober = probers_[p];
    out.push_back({prober.id, prober.region, vote.up, vote.rtt_ms, vote.reason, vote.received_at,
                   now - vote.received_at, fresh(vote, now)});
  }
  std::sort(out.begin(), out.end(),
            [](const VoteView& a, const VoteView& b) { return a.prober < b.prober; });
  return out;
}

policy::RttMatrix HealthTable::rttMatrix(
    const std::vector<std::pair<std::string, std::string>>& members,
    const std::vector<std::pair<std::string, zones::GeoPoint>>& region_locations,
    double now) const {
  std::lock_guard lock(mutex_);
  // (vantage region, service region) -> fresh RTTs. Each (target, service region) pair once, so
  // an endpoint listed by two services of a region is not counted twice.
  std::set<std::pair<std::string, std::string>> pairs(members.begin(), members.end());
  std::map<std::string, std::map<std::string, std::vector<double>>> samples;
  std::set<std::string> columns;
  for (const auto& [target, region] : pairs) {
    columns.insert(region);
    const std::ptrdiff_t index = indexOf(target);
    if (index < 0) continue;
    for (std::size_t p = 0; p < votes_.size(); ++p) {
      const Vote& vote = votes_[p][static_cast<std::size_t>(index)];
      if (!fresh(vote, now) || !(vote.rtt_ms >= 0)) continue;
      samples[probers_[p].region][region].push_back(vote.rtt_ms);
    }
  }
  policy::RttMatrix matrix;
  if (samples.empty()) return matrix;
  matrix.regions.assign(columns.begin(), columns.end());
  struct Candidate {
    std::string region;
    std::optional<zones::GeoPoint> location;
  };
  std::vector<Candidate> candidates;
  for (const auto& [vantage, by_region] : samples) {
    Candidate candidate{vantage, std::nullopt};
    for (const ProberInfo& prober : probers_) {
      if (prober.region == vantage && prober.location) candidate.location = prober.location;
    }
    for (const auto& [name, point] : region_locations) {
      if (!candidate.location && name == vantage) candidate.location = point;
    }
    candidates.push_back(std::move(candidate));
  }
  for (auto& candidate : candidates) {
    if (!candidate.location && candidates.size() > 1) continue;
    matrix.vantages.push_back({candidate.region, candidate.location.value_or(zones::GeoPoint{})});
    std::vector<double> row(matrix.regions.size(), -1);
    auto& by_region = samples[candidate.region];
    for (std::size_t c = 0; c < matrix.regions.size(); ++c) {
      auto cell = by_region.find(matrix.regions[c]);
      if (cell != by_region.end() && !cell->second.empty()) row[c] = median(cell->second);
    }
    matrix.rtt_ms.push_back(std::move(row));
  }
  if (matrix.vantages.empty()) return policy::RttMatrix{};
  return matrix;
}

}  // namespace nines::dnsd
