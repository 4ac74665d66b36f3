// What the query path answered, counted per worker and summed at scrape time (DESIGN.md
// "Metrics", STYLE rule 12): no lock, no label lookup and no atomic shared between workers per
// query. Each worker owns one QueryCounters; only it writes, with a relaxed load and store (no
// read-modify-write: nobody else writes), and the scraper reads with relaxed loads.
//
// Counts are kept in a CounterBlock per zone table, indexed by the table's slots: zone slot x
// qtype bucket x rcode bucket x transport, service x region, service x outcome. A reload builds a
// new table with other slots, so a worker that sees a new table starts a new block (the one
// allocation, once per table and worker) and retires the old one under a mutex; the control
// thread takes retired blocks and folds them into totals by name (control/query_count_fold.h).
// Nothing is lost across a swap and nothing is counted under another table's names.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "nines/dnsd/serve/lookup.h"
#include "nines/dnsd/serve/query_pipeline.h"
#include "nines/dnsd/serve/serving_state.h"
#include "nines/dnsd/serve/zone_table.h"
#include "nines/dnsd/wire/message.h"
#include "nines/policy/select.h"

namespace nines::dnsd {

// The label values of nines_dns_queries_total, bounded: qtype A AAAA CNAME MX NS SOA TXT SRV CAA
// PTR HTTPS ANY other; rcode NOERROR NXDOMAIN SERVFAIL REFUSED FORMERR NOTIMP other.
inline constexpr std::size_t kQtypeBuckets = 13;
inline constexpr std::size_t kRcodeBuckets = 7;
inline constexpr std::size_t kTransports = 2;
const char* qtypeBucketName(std::size_t bucket) noexcept;
const char* rcodeBucketName(std::size_t bucket) noexcept;
const char* transportName(std::size_t transport) noexcept;  // "udp", "tcp"

namespace detail {
// Bucket by value for types below 256 (CAA, 257, is the one bucketed type above), and by RCODE for
// the sixteen header RCODEs: a table look-up instead of a chain of compares on the query path.
inline constexpr auto kQtypeBuckets256 = [] {
  std::array<std::uint8_t, 256> table{};
  table.fill(12);
  namespace rr = zones::rrtype;
  const std::uint16_t types[] = {rr::A,   rr::AAAA, rr::CNAME, rr::MX,  rr::NS,    rr::SOA,
                                 rr::TXT, rr::SRV,  rr::CAA,   rr::PTR, rr::HTTPS, rr::ANY};
  for (std::uint8_t bucket = 0; bucket < 12; ++bucket) {
    if (types[bucket] < 256) table[types[bucket]] = bucket;
  }
  return table;
}();
inline constexpr auto kRcodeBuckets16 = [] {
  std::array<std::uint8_t, 16> table{};
  table.fill(6);
  const std::uint8_t rcodes[] = {rcode::NoError, rcode::NxDomain, rcode::ServFail,
                                 rcode::Refused, rcode::FormErr,  rcode::NotImp};
  for (std::uint8_t bucket = 0; bucket < 6; ++bucket) table[rcodes[bucket]] = bucket;
  return table;
}();
}  // namespace detail

inline std::size_t qtypeBucket(std::uint16_t qtype) noexcept {
  if (qtype < 256) return detail::kQtypeBuckets256[qtype];
  return qtype == zones::rrtype::CAA ? 8 : 12;
}

inline std::size_t rcodeBucket(std::uint16_t value) noexcept {
  return value < 16 ? detail::kRcodeBuckets16[value] : 6;
}

// One worker's counts for one zone table, in that table's slots.
class CounterBlock {
 public:
  static constexpr std::size_t kPerZone = kQtypeBuckets * kRcodeBuckets * kTransports;

  explicit CounterBlock(const ZoneTable& table);

  std::uint64_t tableId() const noexcept { return table_id_; }
  // Zone rows: 0 is "none" (a name in no loaded zone, or no question), 1 + the zone's slot.
  std::size_t zoneRows() const noexcept { return zone_rows_; }
  std::size_t services() const noexcept { return region_offsets_.size() - 1; }
  std::size_t regions(std::size_t service) const noexcept {
    return region_offsets_[service + 1] - region_offsets_[service];
  }

  std::uint64_t queries(std::size_t row, std::size_t qtype, std::size_t rcode,
                        std::size_t transport) const noexcept {
    return queries_[queryIndex(row, qtype, rcode, transport)].load(std::memory_order_relaxed);
  }
  std::uint64_t answers(std::size_t service, std::size_t region) const noexcept {
    return answers_[region_offsets_[service] + region].load(std::memory_order_relaxed);
  }
  std::uint64_t decisions(std::size_t service, policy::DecisionOutcome outcome) const noexcept {
    return decisions_[service * policy::kDecisionOutcomes + static_cast<std::size_t>(outcome)].load(
        std::memory_order_relaxed);
  }

  // The owning worker only.
  void countQuery(std::size_t row, std::size_t qtype, std::size_t rcode,
                  std::size_t transport) noexcept {
    bump(queries_[queryIndex(row, qtype, rcode, transport)]);
  }
  void countDecision(std::size_t service, const policy::Decision& decision) noexcept {
    bump(decisions_[service * policy::kDecisionOutcomes +
                    static_cast<std::size_t>(decision.outcome)]);
    // Picks come region by region: each region in the answer is counted once.
    for (std::uint8_t i = 0; i < decision.count; ++i) {
      const std::uint16_t region = decision.picks[i].region;
      if (i > 0 && decision.picks[i - 1].region == region) continue;
      bump(answers_[region_offsets_[service] + region]);
    }
  }

 private:
  using Counter = std::atomic<std::uint64_t>;
  // Written by one thread only, so a load and a store (plain moves on x86) instead of a locked
  // read-modify-write.
  static void bump(Counter& counter) noexcept {
    counter.store(counter.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  }
  static std::size_t queryIndex(std::size_t row, std::size_t qtype, std::size_t rcode,
                                std::size_t transport) noexcept {
    return ((row * kQtypeBuckets + qtype) * kRcodeBuckets + rcode) * kTransports + transport;
  }

  std::uint64_t table_id_;
  std::size_t zone_rows_;
  std::vector<std::uint32_t> region_offsets_;  // per service, into answers_; one past the end last
  std::unique_ptr<Counter[]> queries_;
  std::unique_ptr<Counter[]> answers_;
  std::unique_ptr<Counter[]> decisions_;
};

class QueryCounters {
 public:
  QueryCounters() = default;
  QueryCounters(const QueryCounters&) = delete;
  QueryCounters& operator=(const QueryCounters&) = delete;

  // The owning worker, after processQuery(): one query of `state` that came to `result`.
  void count(const ServingState& state, const Query& query, const QueryResult& result,
             Transport transport, const PolicyContext& policy) noexcept {
    if (block_ == nullptr || block_->tableId() != state.zones->id()) [[unlikely]] {
      if (!startBlock(*state.zones)) return;
    }
    const std::size_t row = policy.zone ? 1 + policy.zone->slot : 0;
    const std::size_t qtype = result.parse == ParseOutcome::Ok ? qtypeBucket(query.qtype) : 12;
    block_->countQuery(row, qtype, rcodeBucket(result.rcode), static_cast<std::size_t>(transport));
    if (policy.service != nullptr) {
      const auto service =
          static_cast<std::size_t>(policy.service - state.zones->services().plans.data());
      block_->countDecision(service, policy.decision);
    }
  }

  // The scraper: hands every retired block over to `retired` and calls `visit(block)` on the
  // current one (if any) while the worker cannot swap it.
  template <typename Visit>
  void collect(std::vector<std::unique_ptr<const CounterBlock>>& retired, Visit&& visit) const {
    std::lock_guard lock(mutex_);
    for (auto& block : retired_) retired.push_back(std::move(block));
    retired_.clear();
    if (block_) visit(static_cast<const CounterBlock&>(*block_));
  }

 private:
  // A block for `table`, the old one retired. False when it could not be allocated (then this
  // query is not counted, and the next one tries again).
  bool startBlock(const ZoneTable& table) noexcept;

  mutable std::mutex mutex_;             // guards the swap of block_ and retired_
  std::unique_ptr<CounterBlock> block_;  // written by the worker under mutex_
  mutable std::vector<std::unique_ptr<const CounterBlock>> retired_;  // guarded by mutex_
};

}  // namespace nines::dnsd
