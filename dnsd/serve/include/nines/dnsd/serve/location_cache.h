// A per-worker cache of client locations (DESIGN.md: location lookups cached per client prefix
// per worker). Direct-mapped on the client's /24 or /48; an entry is reused only for addresses
// inside the network its location is valid for (its ECS-safe scope), so a /25 nets entry or a
// small database network is never handed to a neighbour it does not cover, and only for the
// locator it came from (by ClientLocator::id(), never by address: a reloaded geo database may be
// allocated where the old one was).
#pragma once

#include <array>
#include <cstdint>
#include <memory>

#include "nines/base/hash.h"
#include "nines/policy/location.h"
#include "nines/zones/ip.h"

namespace nines::dnsd {

class LocationCache {
 public:
  LocationCache() : entries_(new Entry[kEntries]) {}

  policy::Location locate(const policy::ClientLocator& locator,
                          const zones::IpAddress& address) noexcept {
    std::size_t slot = slotFor(address);
    Entry& entry = entries_[slot];
    if (entry.locator == locator.id() && entry.network.family == address.family &&
        address.masked(entry.location.scope) == entry.network) {
      return entry.location;
    }
    policy::Location location = locator.locate(address);
    entry.locator = locator.id();
    entry.location = location;
    entry.network = address.masked(location.scope);
    return location;
  }

 private:
  static constexpr unsigned kSlotBits = 12;
  static constexpr std::size_t kEntries = std::size_t{1} << kSlotBits;
  struct Entry {
    std::uint64_t locator = 0;  // ClientLocator::id(); 0: empty
    zones::IpAddress network;
    policy::Location location;
  };
  static std::size_t slotFor(const zones::IpAddress& address) noexcept {
    return base::subnetSlot(address.bytes.data(), address.family == 4 ? 3 : 6, address.family,
                            kSlotBits);
  }
  std::unique_ptr<Entry[]> entries_;
};

}  // namespace nines::dnsd
