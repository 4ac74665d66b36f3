#include "nines/dnsd/control/query_count_fold.h"

#include <algorithm>

namespace nines::dnsd {

CounterNames CounterNames::of(const ZoneTable& table) {
  CounterNames names;
  names.table_id = table.id();
  names.zones.reserve(table.zones().size() + 1);
  names.zones.push_back("none");
  for (const auto& zone : table.zones()) names.zones.push_back(zone->origin.toText());
  for (const auto& plan : table.services().plans) {
    Service service;
    service.name = plan.owner_text;
    for (const auto& region : plan.regions) service.regions.push_back(region.name);
    names.services.push_back(std::move(service));
  }
  return names;
}

void QueryTotals::addNames(const CounterNames& names) {
  for (const auto& service : names.services) {
    auto& regions = answers[service.name];
    for (const auto& region : service.regions) regions.try_emplace(region, 0);
    decisions.try_emplace(service.name, DecisionCounts{});
  }
}

void QueryTotals::add(const CounterBlock& block, const CounterNames& names) {
  const std::size_t rows = std::min(block.zoneRows(), names.zones.size());
  for (std::size_t row = 0; row < rows; ++row) {
    QueryCounts* counts = nullptr;
    for (std::size_t q = 0; q < kQtypeBuckets; ++q) {
      for (std::size_t r = 0; r < kRcodeBuckets; ++r) {
        for (std::size_t t = 0; t < kTransports; ++t) {
          const std::uint64_t n = block.queries(row, q, r, t);
          if (n == 0) continue;
          if (counts == nullptr) counts = &queries.try_emplace(names.zones[row]).first->second;
          (*counts)[queryIndex(q, r, t)] += n;
        }
      }
    }
  }
  addNames(names);
  const std::size_t services = std::min(block.services(), names.services.size());
  for (std::size_t s = 0; s < services; ++s) {
    const CounterNames::Service& service = names.services[s];
    auto& regions = answers[service.name];
    const std::size_t count = std::min(block.regions(s), service.regions.size());
    for (std::size_t r = 0; r < count; ++r) regions[service.regions[r]] += block.answers(s, r);
    DecisionCounts& outcomes = decisions[service.name];
    for (std::size_t o = 0; o < policy::kDecisionOutcomes; ++o) {
      outcomes[o] += block.decisions(s, static_cast<policy::DecisionOutcome>(o));
    }
  }
}

void QueryCountFold::addTable(const ZoneTable& table) {
  auto names = std::make_shared<const CounterNames>(CounterNames::of(table));
  std::lock_guard lock(mutex_);
  names_[table.id()] = std::move(names);
  if (table.id() > latest_table_) {
    previous_table_ = latest_table_;
    latest_table_ = table.id();
  }
}

void QueryCountFold::addWorker(const QueryCounters* counters) {
  std::lock_guard lock(mutex_);
  workers_.push_back(counters);
}

void QueryCountFold::addDecisionCache(const DecisionCache* cache) {
  std::lock_guard lock(mutex_);
  decision_caches_.push_back(cache);
}

void QueryCountFold::foldRetired() {
  std::lock_guard lock(mutex_);
  foldRetiredLocked();
}

void QueryCountFold::foldRetiredLocked() {
  std::vector<std::unique_ptr<const CounterBlock>> retired;
  // The table before the latest may still be the one published (addTable() comes first), and a
  // worker that has not counted yet may start a block for it.
  std::uint64_t oldest_live = previous_table_;
  for (const QueryCounters* worker : workers_) {
    worker->collect(retired, [&](const CounterBlock& block) {
      oldest_live = std::min(oldest_live, block.tableId());
    });
  }
  for (const auto& block : retired) {
    auto it = names_.find(block->tableId());
    if (it != names_.end()) folded_.add(*block, *it->second);
  }
  // Table ids only grow and a worker only moves to the current table, so names older than every
  // live block and than the previous table will not be asked for again.
  names_.erase(names_.begin(), names_.lower_bound(oldest_live));
}

QueryTotals QueryCountFold::totals() {
  std::lock_guard lock(mutex_);
  foldRetiredLocked();
  QueryTotals totals = folded_;
  for (const QueryCounters* worker : workers_) {
    std::vector<std::unique_ptr<const CounterBlock>> retired;  // none: folded just above
    worker->collect(retired, [&](const CounterBlock& block) {
      auto it = names_.find(block.tableId());
      if (it != names_.end()) totals.add(block, *it->second);
    });
    for (const auto& block : retired) {
      auto it = names_.find(block->tableId());
      if (it == names_.end()) continue;
      folded_.add(*block, *it->second);
      totals.add(*block, *it->second);
    }
  }
  if (auto it = names_.find(latest_table_); it != names_.end()) totals.addNames(*it->second);
  for (const DecisionCache* cache : decision_caches_) {
    totals.decision_cache_hits += cache->hits();
    totals.decision_cache_misses += cache->misses();
    totals.decision_cache_entries += cache->entries();
  }
  return totals;
}

}  // namespace nines::dnsd
