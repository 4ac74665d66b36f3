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
  std::unordered_map<std::string, std::vector<Vote>> next;
  next.reserve(ids.size());
  for (const auto& id : ids) {
    auto it = votes_.find(id);
    next.emplace(id, it != votes_.end() ? std::move(it->second) : std::vector<Vote>{});
  }
  votes_ = std::move(next);
}

bool HealthTable::knows(const std::string& target) const {
  std::lock_guard lock(mutex_);
  return votes_.count(target) > 0;
}

std::uint32_t HealthTable::proberIndex(const ProberInfo& prober) {
  for (std::size_t i = 0; i < probers_.size(); ++i) {
    if (probers_[i].id != prober.id) continue;
    // The region and location of its latest report count.
    probers_[i] = prober;
    return static_cast<std::uint32_t>(i);
  }
  probers_.push_back(prober);
  return static_cast<std::uint32_t>(probers_.size() - 1);
}

std::size_t HealthTable::apply(const ProberInfo& prober,
                               const std::vector<probers::ReportResult>& results) {
  const double now = clock_();
  std::lock_guard lock(mutex_);
  const std::uint32_t index = proberIndex(prober);
  std::size_t applied = 0;
  for (const auto& result : results) {
    auto it = votes_.find(result.target);
    if (it == votes_.end()) continue;
    Vote vote{index, result.up, result.rtt_ms, now, result.reason};
    auto& list = it->second;
    auto same =
        std::find_if(list.begin(), list.end(), [&](const Vote& v) { return v.prober == index; });
    if (same != list.end()) {
      *same = std::move(vote);
    } else {
      list.push_back(std::move(vote));
    }
    ++applied;
  }
  return applied;
}

Verdict HealthTable::verdict(const std::string& target, double now) const {
  std::lock_guard lock(mutex_);
  Verdict out;
  auto it = votes_.find(target);
  if (it == votes_.end() || it->second.empty()) {
    out.reason = "no votes yet";
    return out;
  }
  double last = -1;
  const Vote* first_down = nullptr;
  for (const Vote& vote : it->second) {
    last = std::max(last, vote.received_at);
    if (!fresh(vote, now)) continue;
    ++out.fresh;
    if (vote.up) {
      ++out.up;
    } else if (first_down == nullptr) {
      first_down = &vote;
    }
  }
  if (out.fresh == 0) {
    out.reason = "no fresh votes (last " + number(now - last, 1) + " s ago)";
    return out;
  }
  // up / fresh > quorum, multiplied out so that 1 of 2 against 0.5 compares exactly (not up).
  const bool up = static_cast<double>(out.up) > options_.quorum * static_cast<double>(out.fresh);
  out.state = up ? policy::EndpointState::Up : policy::EndpointState::Down;
  out.reason = std::to_string(out.up) + "/" + std::to_string(out.fresh) +
               " fresh votes up (quorum > " + shortNumber(options_.quorum) + ")";
  if (!up && first_down != nullptr) {
    out.reason += "; " + probers_[first_down->prober].id + ": " +
                  (first_down->reason.empty() ? "down" : first_down->reason);
  }
  return out;
}

std::vector<VoteView> HealthTable::votes(const std::string& target, double now) const {
  std::lock_guard lock(mutex_);
  std::vector<VoteView> out;
  auto it = votes_.find(target);
  if (it == votes_.end()) return out;
  for (const Vote& vote : it->second) {
    const ProberInfo& prober = probers_[vote.prober];
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
    auto it = votes_.find(target);
    if (it == votes_.end()) continue;
    for (const Vote& vote : it->second) {
      if (!fresh(vote, now) || !(vote.rtt_ms >= 0)) continue;
      samples[probers_[vote.prober].region][region].push_back(vote.rtt_ms);
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
