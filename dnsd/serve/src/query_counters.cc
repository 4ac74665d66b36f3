#include "nines/dnsd/serve/query_counters.h"

#include <new>

namespace nines::dnsd {

const char* qtypeBucketName(std::size_t bucket) noexcept {
  static constexpr const char* kNames[kQtypeBuckets] = {
      "A", "AAAA", "CNAME", "MX", "NS", "SOA", "TXT", "SRV", "CAA", "PTR", "HTTPS", "ANY", "other"};
  return bucket < kQtypeBuckets ? kNames[bucket] : "other";
}

const char* rcodeBucketName(std::size_t bucket) noexcept {
  static constexpr const char* kNames[kRcodeBuckets] = {
      "NOERROR", "NXDOMAIN", "SERVFAIL", "REFUSED", "FORMERR", "NOTIMP", "other"};
  return bucket < kRcodeBuckets ? kNames[bucket] : "other";
}

const char* transportName(std::size_t transport) noexcept {
  return transport == static_cast<std::size_t>(Transport::Tcp) ? "tcp" : "udp";
}

CounterBlock::CounterBlock(const ZoneTable& table)
    : table_id_(table.id()), zone_rows_(table.zones().size() + 1) {
  const auto& plans = table.services().plans;
  region_offsets_.reserve(plans.size() + 1);
  std::uint32_t offset = 0;
  for (const auto& plan : plans) {
    region_offsets_.push_back(offset);
    offset += static_cast<std::uint32_t>(plan.regions.size());
  }
  region_offsets_.push_back(offset);
  // Value-initialised: every counter starts at zero.
  queries_.reset(new Counter[zone_rows_ * kPerZone]());
  answers_.reset(new Counter[offset]());
  decisions_.reset(new Counter[plans.size() * policy::kDecisionOutcomes]());
}

bool QueryCounters::startBlock(const ZoneTable& table) noexcept {
  std::unique_ptr<CounterBlock> next;
  try {
    next = std::make_unique<CounterBlock>(table);
  } catch (const std::bad_alloc&) {
    return false;
  }
  std::lock_guard lock(mutex_);
  if (block_) {
    try {
      retired_.push_back(std::move(block_));
    } catch (const std::bad_alloc&) {
      // No room to retire it: its counts are lost, the new table's are still counted.
    }
  }
  block_ = std::move(next);
  return true;
}

}  // namespace nines::dnsd
