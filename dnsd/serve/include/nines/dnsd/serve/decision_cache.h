// A per-worker cache of policy decisions (DESIGN.md: decisions precomputed per service, client
// subnet and health generation, so the query path stays cheap). An entry is keyed by the service
// slot, the record family, the ECS source prefix and the exact snapshot it was made under, and is
// reused only for clients inside the prefix policy::decisionPrefix() says the decision holds for;
// a decision select() marks shared_by_net is kept per geo net value instead (findByNet()).
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

  // Decisions select() marked shared_by_net, kept per geo net value rather than per client
  // subnet, so that clients from many subnets of one net share one entry: with a working set of
  // client subnets larger than the cache, they are what still hits. Keyed like Key, with the
  // value the service's geo nets gave the client in place of its subnet.
  struct NetKey {
    std::uint64_t generation;
    std::int32_t service;
    policy::Family family;
    std::int32_t value;  // PrefixMatch::value, >= 0
  };
  enum class NetLookup : std::uint8_t {
    Shared,    // the decision below holds for this client too: a hit
    Unshared,  // this net's last decision depended on more than the net: decide per subnet
    Unknown,   // nothing kept for this net (yet, or evicted): not counted, find() is next
  };
  NetLookup findByNet(const NetKey& key, const policy::Decision** shared) noexcept {
    const NetEntry& entry = net_entries_[netSlotFor(key)];
    if (entry.key.generation != key.generation || entry.key.service != key.service ||
        entry.key.family != key.family || entry.key.value != key.value) {
      return NetLookup::Unknown;
    }
    if (!entry.decision.shared_by_net) return NetLookup::Unshared;
    count(hits_);
    *shared = &entry.decision;
    return NetLookup::Shared;
  }
  // Keeps `decision` for the net, or, when it is not shared_by_net, that the net's decisions are
  // made per subnet.
  void storeByNet(const NetKey& key, const policy::Decision& decision) noexcept {
    NetEntry& entry = net_entries_[netSlotFor(key)];
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
  struct NetEntry {
    NetKey key{0, -1, policy::Family::V4, -1};
    policy::Decision decision;
  };
  // A service has as many net values as distinct region lists in its geo nets: a handful, or
  // hundreds, not the client subnets' hundreds of thousands.
  static constexpr unsigned kNetSlotBits = 10;
  static std::size_t netSlotFor(const NetKey& key) noexcept {
    const std::uint64_t h = (static_cast<std::uint64_t>(static_cast<std::uint32_t>(key.value)) << 32 |
                             static_cast<std::uint64_t>(static_cast<std::uint32_t>(key.service)) << 1 |
                             static_cast<std::uint64_t>(key.family)) *
                            base::kGoldenRatio64;
    return static_cast<std::size_t>(h >> (64 - kNetSlotBits));
  }
  unsigned slot_bits_;
  std::unique_ptr<Entry[]> entries_;
  std::unique_ptr<NetEntry[]> net_entries_{new NetEntry[std::size_t{1} << kNetSlotBits]};
  std::atomic<std::uint64_t> hits_{0};
  std::atomic<std::uint64_t> misses_{0};
};

}  // namespace nines::dnsd
