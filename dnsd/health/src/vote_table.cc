#include "nines/dnsd/health/vote_table.h"

#include <algorithm>
#include <cstdio>
#include <limits>
#include <unordered_set>

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

// `names` sorted, each once; then positionIn() numbers them.
void sortUnique(std::vector<std::string>& names) {
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
}

std::size_t positionIn(const std::vector<std::string>& sorted, const std::string& name) {
  return static_cast<std::size_t>(std::lower_bound(sorted.begin(), sorted.end(), name) -
                                  sorted.begin());
}

double median(std::vector<double>& values) {
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

}  // namespace

VoteTable::VoteTable(VoteTableOptions options, Clock clock)
    : options_(options), clock_(std::move(clock)) {}

void VoteTable::setOptions(VoteTableOptions options) {
  std::lock_guard lock(mutex_);
  options_ = options;
  recount_all_ = true;
}

bool VoteTable::forgetProber(const std::string& id) {
  std::lock_guard lock(mutex_);
  for (std::size_t p = 0; p < probers_.size(); ++p) {
    if (probers_[p].id != id) continue;
    const auto at = static_cast<std::ptrdiff_t>(p);
    probers_.erase(probers_.begin() + at);
    votes_.erase(votes_.begin() + at);
    order_.erase(order_.begin() + at);
    recount_all_ = true;
    return true;
  }
  return false;
}

void VoteTable::setTargets(const std::vector<std::string>& ids) {
  std::lock_guard lock(mutex_);
  // The ids back to back in one buffer, in index order: a report walks its targets in that order,
  // so comparing each result's target with the id it expects reads memory the way it lies.
  std::vector<const std::string*> unique;
  {
    std::unordered_set<std::string_view> seen;
    for (const auto& id : ids) {
      if (seen.insert(id).second) unique.push_back(&id);  // listed twice: one target
    }
  }
  std::size_t bytes = 0;
  for (const auto* id : unique) bytes += id->size();
  std::vector<char> next_arena;
  next_arena.reserve(bytes);
  std::vector<std::uint32_t> next_offsets{0};
  for (const auto* id : unique) {
    next_arena.insert(next_arena.end(), id->begin(), id->end());
    next_offsets.push_back(static_cast<std::uint32_t>(next_arena.size()));
  }
  std::unordered_map<std::string_view, std::uint32_t, NameHash, std::equal_to<>> next_index;
  next_index.reserve(unique.size());
  std::vector<std::ptrdiff_t> old_index;  // by new index
  for (std::size_t i = 0; i < unique.size(); ++i) {
    next_index.emplace(std::string_view(next_arena.data() + next_offsets[i],
                                        next_offsets[i + 1] - next_offsets[i]),
                       static_cast<std::uint32_t>(i));
    old_index.push_back(indexOf(*unique[i]));
  }
  for (auto& row : votes_) {
    std::vector<Vote> next(unique.size());
    for (std::size_t i = 0; i < next.size(); ++i) {
      if (old_index[i] >= 0) next[i] = std::move(row[static_cast<std::size_t>(old_index[i])]);
    }
    row = std::move(next);
  }
  for (auto& order : order_) order.clear();
  recount_all_ = true;
  changed_.clear();
  is_changed_.assign(unique.size(), false);
  // Moving a vector hands over its buffer: the views in next_index stay good.
  arena_ = std::move(next_arena);
  offsets_ = std::move(next_offsets);
  index_ = std::move(next_index);
  ++version_;
}

bool VoteTable::knows(std::string_view target) const {
  std::lock_guard lock(mutex_);
  return indexOf(target) >= 0;
}

std::ptrdiff_t VoteTable::indexOf(std::string_view target) const {
  auto it = index_.find(target);
  return it == index_.end() ? -1 : static_cast<std::ptrdiff_t>(it->second);
}

std::vector<std::int32_t> VoteTable::indicesOf(const std::vector<std::string>& ids,
                                               std::uint64_t* version) const {
  std::lock_guard lock(mutex_);
  std::vector<std::int32_t> out;
  out.reserve(ids.size());
  for (const auto& id : ids) out.push_back(static_cast<std::int32_t>(indexOf(id)));
  if (version != nullptr) *version = version_;
  return out;
}

std::uint32_t VoteTable::proberIndex(const ProberInfo& prober) {
  for (std::size_t i = 0; i < probers_.size(); ++i) {
    if (probers_[i].id != prober.id) continue;
    // The region and location of its latest report count.
    probers_[i] = prober;
    return static_cast<std::uint32_t>(i);
  }
  probers_.push_back(prober);
  votes_.emplace_back(targetCount());
  order_.emplace_back();
  return static_cast<std::uint32_t>(probers_.size() - 1);
}

std::size_t VoteTable::apply(const ProberInfo& prober,
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
    if (target >= targetCount() || id(target) != result.target) {
      const std::ptrdiff_t found = indexOf(result.target);
      target = found < 0 ? kNoTarget : static_cast<std::uint32_t>(found);
      order[i] = target;
      if (found < 0) continue;
    }
    Vote& vote = row[target];
    if (!fresh(vote, now)) {
      markChanged(target);
      // A vote that has just become fresh is the next to go stale if none older is fresh.
      next_expiry_ = std::min(next_expiry_, now + options_.report_ttl);
    } else if (vote.up != result.up) {
      markChanged(target);
    }
    vote.up = result.up;
    vote.rtt_ms = result.rtt_ms;
    vote.received_at = now;
    vote.reason = result.reason;
    ++applied;
  }
  return applied;
}

void VoteTable::markChanged(std::uint32_t target) {
  if (target >= is_changed_.size() || is_changed_[target]) return;
  is_changed_[target] = true;
  changed_.push_back(target);
}

VoteTable::Tally VoteTable::tally(std::size_t target, double now,
                                  double* oldest_fresh) const noexcept {
  Tally out;
  for (std::size_t p = 0; p < votes_.size(); ++p) {
    const Vote& vote = votes_[p][target];
    if (vote.received_at < 0) continue;
    out.last = std::max(out.last, vote.received_at);
    if (!fresh(vote, now)) continue;
    if (oldest_fresh != nullptr) *oldest_fresh = std::min(*oldest_fresh, vote.received_at);
    ++out.fresh;
    if (vote.up) {
      ++out.up;
    } else if (out.first_down < 0) {
      out.first_down = static_cast<std::ptrdiff_t>(p);
    }
  }
  return out;
}

policy::EndpointState VoteTable::stateOf(const Tally& tally) const noexcept {
  if (tally.fresh == 0) return policy::EndpointState::Unknown;
  // up / fresh > quorum, multiplied out so that 1 of 2 against 0.5 compares exactly (not up).
  const bool up =
      static_cast<double>(tally.up) > options_.quorum * static_cast<double>(tally.fresh);
  return up ? policy::EndpointState::Up : policy::EndpointState::Down;
}

Verdict VoteTable::verdict(const std::string& target, double now) const {
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

bool VoteTable::states(double now, std::uint64_t version,
                       std::vector<policy::EndpointState>& out) const {
  std::lock_guard lock(mutex_);
  if (version != version_) return false;
  const std::size_t count = targetCount();
  if (recount_all_ || now > next_expiry_ || now < last_count_ || states_.size() != count) {
    states_.resize(count);
    double oldest = std::numeric_limits<double>::infinity();
    for (std::size_t t = 0; t < count; ++t) states_[t] = stateOf(tally(t, now, &oldest));
    next_expiry_ = oldest + options_.report_ttl;
    recount_all_ = false;
  } else {
    for (std::uint32_t t : changed_) states_[t] = stateOf(tally(t, now));
  }
  for (std::uint32_t t : changed_) is_changed_[t] = false;
  changed_.clear();
  last_count_ = now;
  out = states_;
  return true;
}

std::vector<VoteView> VoteTable::votes(const std::string& target, double now) const {
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

policy::RttMatrix VoteTable::rttMatrix(
    const std::vector<std::pair<std::string, std::string>>& members,
    const std::vector<std::pair<std::string, zones::GeoPoint>>& region_locations,
    double now) const {
  std::lock_guard lock(mutex_);
  // Columns: the service regions, sorted. Then each (target, column) pair once, so an endpoint
  // listed by two services of a region is not counted twice. Indices, not names, from here on:
  // with thousands of endpoints and a dozen probers this runs over every vote.
  std::vector<std::string> columns;
  for (const auto& member : members) columns.push_back(member.second);
  sortUnique(columns);
  std::vector<std::pair<std::size_t, std::size_t>> pairs;  // target index, column
  pairs.reserve(members.size());
  for (const auto& [target, region] : members) {
    const std::ptrdiff_t index = indexOf(target);
    if (index < 0) continue;
    pairs.emplace_back(static_cast<std::size_t>(index), positionIn(columns, region));
  }
  std::sort(pairs.begin(), pairs.end());
  pairs.erase(std::unique(pairs.begin(), pairs.end()), pairs.end());
  // Vantages: the probers' regions, sorted; each prober's row feeds its region's.
  std::vector<std::string> vantages;
  for (const auto& prober : probers_) vantages.push_back(prober.region);
  sortUnique(vantages);
  std::vector<std::size_t> vantage_of;
  for (const auto& prober : probers_) vantage_of.push_back(positionIn(vantages, prober.region));
  // samples[vantage][column]: fresh RTTs.
  std::vector<std::vector<std::vector<double>>> samples(
      vantages.size(), std::vector<std::vector<double>>(columns.size()));
  std::vector<bool> sampled(vantages.size(), false);
  for (std::size_t p = 0; p < votes_.size(); ++p) {
    const auto& row = votes_[p];
    auto& by_column = samples[vantage_of[p]];
    for (const auto& [target, column] : pairs) {
      const Vote& vote = row[target];
      if (!fresh(vote, now) || !(vote.rtt_ms >= 0)) continue;
      by_column[column].push_back(vote.rtt_ms);
      sampled[vantage_of[p]] = true;
    }
  }
  struct Candidate {
    std::size_t vantage;
    std::optional<zones::GeoPoint> location;
  };
  std::vector<Candidate> candidates;
  for (std::size_t v = 0; v < vantages.size(); ++v) {
    if (!sampled[v]) continue;
    Candidate candidate{v, std::nullopt};
    for (const ProberInfo& prober : probers_) {
      if (prober.region == vantages[v] && prober.location) candidate.location = prober.location;
    }
    for (const auto& [name, point] : region_locations) {
      if (!candidate.location && name == vantages[v]) candidate.location = point;
    }
    candidates.push_back(candidate);
  }
  policy::RttMatrix matrix;
  if (candidates.empty()) return matrix;
  matrix.regions = columns;
  for (const auto& candidate : candidates) {
    if (!candidate.location && candidates.size() > 1) continue;
    matrix.vantages.push_back(
        {vantages[candidate.vantage], candidate.location.value_or(zones::GeoPoint{})});
    std::vector<double> row(columns.size(), -1);
    for (std::size_t c = 0; c < columns.size(); ++c) {
      auto& cell = samples[candidate.vantage][c];
      if (!cell.empty()) row[c] = median(cell);
    }
    matrix.rtt_ms.push_back(std::move(row));
  }
  if (matrix.vantages.empty()) return policy::RttMatrix{};
  return matrix;
}

}  // namespace nines::dnsd
