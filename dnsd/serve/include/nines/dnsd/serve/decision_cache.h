// A per-worker cache of policy decisions (DESIGN.md: decisions precomputed per service, client
// subnet and health generation, so the query path stays cheap). An entry is keyed by the service
// slot, the record family, the ECS source prefix and the exact snapshot it was made under, and is
// reused only for clients inside the prefix policy::decisionPrefix() says the decision holds for.
#pragma once

#include <cstdint>
#include <memory>

#include "nines/base/hash.h"
#include "nines/policy/select.h"
#include "nines/zones/ip.h"

namespace nines::dnsd {

class DecisionCache {
 public:
  DecisionCache() : entries_(new Entry[kEntries]) {}

  struct Key {
    std::uint64_t generation;  // of the ServingState: zones, health and locator together
    std::int32_t service;
    policy::Family family;
    bool has_ecs;
    std::uint8_t source_prefix;
  };

  const policy::Decision* find(const Key& key, const zones::IpAddress& address) const noexcept {
    const Entry& entry = entries_[slotFor(key, address)];
    if (entry.key.generation != key.generation || entry.key.service != key.service ||
        entry.key.family != key.family || entry.key.has_ecs != key.has_ecs ||
        entry.key.source_prefix != key.source_prefix || entry.network.family != address.family ||
        !(address.masked(entry.prefix) == entry.network)) {
      return nullptr;
    }
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

 private:
  static constexpr unsigned kSlotBits = 11;
  static constexpr std::size_t kEntries = std::size_t{1} << kSlotBits;
  struct Entry {
    Key key{0, -1, policy::Family::V4, false, 0};
    std::uint8_t prefix = 0;
    zones::IpAddress network;
    policy::Decision decision;
  };
  // Direct-mapped on the service, the family and the client's /24 (IPv6: /48): every decision
  // prefix is at least that long or covers the whole address the resolver sent.
  static std::size_t slotFor(const Key& key, const zones::IpAddress& address) noexcept {
    const std::uint64_t salt =
        (static_cast<std::uint64_t>(key.service) << 1) | static_cast<std::uint64_t>(key.family);
    return base::subnetSlot(address.bytes.data(), address.family == 4 ? 3 : 6, salt, kSlotBits);
  }
  std::unique_ptr<Entry[]> entries_;
};

}  // namespace nines::dnsd
