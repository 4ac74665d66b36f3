// A per-worker cache of client locations (DESIGN.md: location lookups cached per client prefix
// per worker). Direct-mapped on the client's /24 or /48; an entry is reused only for addresses
// inside the network its location is valid for (its ECS-safe scope), so a /25 nets entry or a
// small database network is never handed to a neighbour it does not cover.
#pragma once

#include <array>
#include <cstdint>
#include <memory>

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
    if (entry.locator == &locator && entry.network.family == address.family &&
        address.masked(entry.location.scope) == entry.network) {
      return entry.location;
    }
    policy::Location location = locator.locate(address);
    entry.locator = &locator;
    entry.location = location;
    entry.network = address.masked(location.scope);
    return location;
  }

 private:
  static constexpr std::size_t kEntries = 4096;
  struct Entry {
    const policy::ClientLocator* locator = nullptr;
    zones::IpAddress network;
    policy::Location location;
  };
  static std::size_t slotFor(const zones::IpAddress& address) noexcept {
    std::uint64_t key =
        address.family == 4
            ? (std::uint64_t{address.bytes[0]} << 16) | (std::uint64_t{address.bytes[1]} << 8) |
                  address.bytes[2]
            : (std::uint64_t{address.bytes[0]} << 40) | (std::uint64_t{address.bytes[1]} << 32) |
                  (std::uint64_t{address.bytes[2]} << 24) |
                  (std::uint64_t{address.bytes[3]} << 16) | (std::uint64_t{address.bytes[4]} << 8) |
                  address.bytes[5] | (std::uint64_t{1} << 63);
    key *= 0x9E3779B97F4A7C15ull;
    return static_cast<std::size_t>(key >> 52) & (kEntries - 1);
  }
  std::unique_ptr<Entry[]> entries_;
};

}  // namespace nines::dnsd
