// A per-worker cache of policy decisions (DESIGN.md: decisions precomputed per service, client
// subnet and health generation, so the query path stays cheap). An entry is keyed by the service
// slot, the record family, the ECS source prefix and the exact snapshot it was made under, and is
// reused only for clients inside the prefix policy::decisionPrefix() says the decision holds for;
// a decision select() marks shared_by_rule is kept per geo rule instead (findByRule()).
// Its size comes from [server] decision_cache_entries; its hits and misses are counted for
// nines_decision_cache_lookups_total (written by the owning worker alone, read by the scraper).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

#include "nines/base/hash.h"
#include "nines/policy/select.h"
#include "nines/zones/ip.h"

namespace nines::dnsd {

class DecisionCache {
 public:
  static constexpr std::size_t kDefaultEntries = 2048;
  // `entries` is rounded up to a power of two (at least 16).
  explicit DecisionCache(std::size_t entries = kDefaultEntries)
      : slot_bits_(bitsFor(entries)), entries_(new Entry[std::size_t{1} << slot_bits_]) {}

  struct Key {
    std::uint64_t generation;  // of the ServingState: zones, health and locator together
    std::int32_t service;
    policy::Family family;
    bool has_ecs;
    std::uint8_t source_prefix;
  };

  // The decision cached for this client, counted as a hit or a miss.
  const policy::Decision* find(const Key& key, const zones::IpAddress& address) noexcept {
    const Entry& entry = entries_[slotFor(key, address)];
    if (entry.key.generation != key.generation || entry.key.service != key.service ||
        entry.key.family != key.family || entry.key.has_ecs != key.has_ecs ||
        entry.key.source_prefix != key.source_prefix || entry.network.family != address.family ||
        !(address.masked(entry.prefix) == entry.network)) {
      count(misses_);
      return nullptr;
    }
    count(hits_);
    return &entry.decision;
  }

  void store(const Key& key, const zones::IpAddress& address, std::uint8_t prefix,
             const policy::Decision& decision) noexcept {
    Entry& entry = entries_[slotFor(key, address)];
    entry.key = key;
    entry.prefix = prefix;
    entry.network = address.masked(prefix);
    entry.decision = decision;
  }

  // Decisions select() marked shared_by_rule, kept per geo rule rather than per client subnet, so
  // that the clients of every subnet a rule leads share one entry: with a working set of client
  // subnets larger than the cache, they are what still hits. Keyed like Key, with the client's
  // policy::geoRuleKey() in place of its subnet.
  struct RuleKey {
    std::uint64_t generation;
    std::int32_t service;
    policy::Family family;
    std::int32_t rule;  // policy::geoRuleKey(), >= 0
  };
  enum class RuleLookup : std::uint8_t {
    Shared,    // the decision below holds for this client too: a hit
    Unshared,  // this rule's last decision depended on more than the rule: decide per subnet
    Unknown,   // nothing kept for this rule (yet, or evicted): not counted, find() is next
  };
  RuleLookup findByRule(const RuleKey& key, const policy::Decision** shared) noexcept {
    const RuleEntry& entry = rule_entries_[ruleSlotFor(key)];
    if (entry.key.generation != key.generation || entry.key.service != key.service ||
        entry.key.family != key.family || entry.key.rule != key.rule) {
      return RuleLookup::Unknown;
    }
    if (!entry.decision.shared_by_rule) return RuleLookup::Unshared;
    count(hits_);
    *shared = &entry.decision;
    return RuleLookup::Shared;
  }
  // Keeps `decision` for the rule, or, when it is not shared_by_rule, that the rule's decisions
  // are made per subnet.
  void storeByRule(const RuleKey& key, const policy::Decision& decision) noexcept {
    RuleEntry& entry = rule_entries_[ruleSlotFor(key)];
    entry.key = key;
    entry.decision = decision;
  }

  std::size_t entries() const noexcept { return std::size_t{1} << slot_bits_; }
  std::uint64_t hits() const noexcept { return hits_.load(std::memory_order_relaxed); }
  std::uint64_t misses() const noexcept { return misses_.load(std::memory_order_relaxed); }

 private:
  static unsigned bitsFor(std::size_t entries) noexcept {
    unsigned bits = 4;
    while (bits < 30 && (std::size_t{1} << bits) < entries) ++bits;
    return bits;
  }
  static void count(std::atomic<std::uint64_t>& counter) noexcept {
    counter.store(counter.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  }
  struct Entry {
    Key key{0, -1, policy::Family::V4, false, 0};
    std::uint8_t prefix = 0;
    zones::IpAddress network;
    policy::Decision decision;
  };
  // Direct-mapped on the service, the family and the client's /24 (IPv6: /48): every decision
  // prefix is at least that long or covers the whole address the resolver sent.
  std::size_t slotFor(const Key& key, const zones::IpAddress& address) const noexcept {
    const std::uint64_t salt =
        (static_cast<std::uint64_t>(key.service) << 1) | static_cast<std::uint64_t>(key.family);
    return base::subnetSlot(address.bytes.data(), address.family == 4 ? 3 : 6, salt, slot_bits_);
  }
  struct RuleEntry {
    RuleKey key{0, -1, policy::Family::V4, -1};
    policy::Decision decision;
  };
  // A service has as many rules as distinct region lists in its geo nets plus its country and
  // continent rules: a handful, or hundreds, not the client subnets' hundreds of thousands.
  static constexpr unsigned kRuleSlotBits = 10;
  static std::size_t ruleSlotFor(const RuleKey& key) noexcept {
    const std::uint64_t h = (static_cast<std::uint64_t>(static_cast<std::uint32_t>(key.rule)) << 32 |
                             static_cast<std::uint64_t>(static_cast<std::uint32_t>(key.service)) << 1 |
                             static_cast<std::uint64_t>(key.family)) *
                            base::kGoldenRatio64;
    return static_cast<std::size_t>(h >> (64 - kRuleSlotBits));
  }
  unsigned slot_bits_;
  std::unique_ptr<Entry[]> entries_;
  std::unique_ptr<RuleEntry[]> rule_entries_{new RuleEntry[std::size_t{1} << kRuleSlotBits]};
  std::atomic<std::uint64_t> hits_{0};
  std::atomic<std::uint64_t> misses_{0};
};

}  // namespace nines::dnsd
