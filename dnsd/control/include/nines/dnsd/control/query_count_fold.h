// The query path's per-worker counters (serve/query_counters.h) summed by name for /metrics.
//
// A worker's counts live in blocks indexed by one zone table's slots. Names are captured when a
// table is built (addTable(), before it is published), because by the time a worker's block for
// it is retired the table itself may be gone. foldRetired() moves the counts of retired blocks
// into running totals by name and frees the blocks (the control thread calls it every second, so
// blocks do not pile up between scrapes); totals() adds the live blocks to those totals. A count
// is therefore in exactly one place at any moment: a live block, a retired block not yet folded,
// or the folded totals, and never under another table's names.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "nines/dnsd/serve/query_counters.h"
#include "nines/dnsd/serve/zone_table.h"
#include "nines/policy/select.h"

namespace nines::dnsd {

// The label values of one table's counter slots.
struct CounterNames {
  struct Service {
    std::string name;                  // "www.example.test."
    std::vector<std::string> regions;  // by region slot
  };
  std::uint64_t table_id = 0;
  std::vector<std::string> zones;  // by CounterBlock zone row: "none", then each origin
  std::vector<Service> services;   // by service slot

  static CounterNames of(const ZoneTable& table);
};

// Counts summed over workers and tables, by label value.
struct QueryTotals {
  using QueryCounts = std::array<std::uint64_t, CounterBlock::kPerZone>;  // CounterBlock order
  using DecisionCounts = std::array<std::uint64_t, policy::kDecisionOutcomes>;
  std::map<std::string, QueryCounts> queries;                           // by zone
  std::map<std::string, std::map<std::string, std::uint64_t>> answers;  // service -> region
  std::map<std::string, DecisionCounts> decisions;                      // by service
  // The workers' policy decision caches: lookups that found a decision, lookups that did not,
  // and the entries they hold between them.
  std::uint64_t decision_cache_hits = 0;
  std::uint64_t decision_cache_misses = 0;
  std::uint64_t decision_cache_entries = 0;

  // Adds every count of `block`, named by `names` (which must be of the block's table). Every
  // service and region of the table gets an entry, zero or not; zones only when counted.
  void add(const CounterBlock& block, const CounterNames& names);
  // Entries (zero) for every service and region of `names`.
  void addNames(const CounterNames& names);
  static std::size_t queryIndex(std::size_t qtype, std::size_t rcode, std::size_t transport) {
    return (qtype * kRcodeBuckets + rcode) * kTransports + transport;
  }
};

class QueryCountFold {
 public:
  // Before `table` is published: its names, for the blocks workers will keep for it.
  void addTable(const ZoneTable& table);
  // Before the worker starts; `counters` must outlive this.
  void addWorker(const QueryCounters* counters);
  // Before the worker starts; `cache` must outlive this.
  void addDecisionCache(const DecisionCache* cache);
  // Folds and frees every retired block. Any thread.
  void foldRetired();
  // Everything counted so far. Any thread.
  QueryTotals totals();

 private:
  void foldRetiredLocked();  // mutex_ held
  std::mutex mutex_;
  std::vector<const QueryCounters*> workers_;
  std::vector<const DecisionCache*> decision_caches_;
  std::map<std::uint64_t, std::shared_ptr<const CounterNames>> names_;  // by table id
  std::uint64_t latest_table_ = 0;                                      // the last addTable()
  std::uint64_t previous_table_ = 0;                                    // the one before it
  QueryTotals folded_;
};

}  // namespace nines::dnsd
