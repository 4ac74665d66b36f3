// The hashes on the query path, in one place, because two of them are promises and the rest are
// not, and a reader must be able to tell which is which.
//
// Contracts (changing them changes answers; tests/base/hash_test.cc pins them with vectors):
// - fnv1a() and mix64() make the weighted policy's stickiness, rendezvous scores, endpoint
//   rotation and slow-start admission (policy's client_hash.cc). Every dnsd answering for a zone,
//   whatever its build, machine or version, must send a client subnet to the same region, or a
//   resolver that asks two nameservers sees the answer flap. Byte order, seeds and the way the
//   hashed fields are laid out are part of the contract.
//
// Process-local (free to change; nothing outside one process ever sees them):
// - hashName(): slots of the zone table's name indexes.
// - subnetSlot(): slots of the per-worker location and decision caches.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace nines::base {

// --- Contracts ---------------------------------------------------------------------------------

// FNV-1a (64-bit) over `size` bytes, continuing from `hash` (start with kFnvOffset).
inline constexpr std::uint64_t kFnvOffset = 0xcbf29ce484222325ull;
inline std::uint64_t fnv1a(std::uint64_t hash, const void* data, std::size_t size) noexcept {
  const auto* bytes = static_cast<const unsigned char*>(data);
  for (std::size_t i = 0; i < size; ++i) {
    hash ^= bytes[i];
    hash *= 0x100000001b3ull;
  }
  return hash;
}

// The splitmix64 finalizer: FNV alone mixes its last bytes poorly, and rendezvous hashing needs
// every output bit uniform.
inline std::uint64_t mix64(std::uint64_t x) noexcept {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ull;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebull;
  x ^= x >> 31;
  return x;
}

// --- Process-local -----------------------------------------------------------------------------

inline constexpr std::uint64_t kGoldenRatio64 = 0x9E3779B97F4A7C15ull;

// A lowercased wire name to 64 bits: eight octets a step with a multiply-xorshift mix. Names are
// short and this runs a few times per query, so it matters more that it is cheap than that it is
// strong.
inline std::uint64_t hashName(std::string_view key) noexcept {
  std::uint64_t h = key.size() * kGoldenRatio64;
  const char* p = key.data();
  std::size_t n = key.size();
  while (n >= 8) {
    std::uint64_t v;
    std::memcpy(&v, p, 8);
    h = (h ^ v) * kGoldenRatio64;
    h ^= h >> 29;
    p += 8;
    n -= 8;
  }
  std::uint64_t tail = 0;
  std::memcpy(&tail, p, n);
  h = (h ^ tail) * kGoldenRatio64;
  h ^= h >> 32;
  return h;
}

// A cache slot in [0, 2^bits) for the first `octets` octets of an address (its /24 or /48, say)
// and a small `salt` (which service, which family): a multiplicative hash of the octets.
inline std::size_t subnetSlot(const std::uint8_t* address, std::size_t octets, std::uint64_t salt,
                              unsigned bits) noexcept {
  std::uint64_t h = (salt + 1) * kGoldenRatio64;
  for (std::size_t i = 0; i < octets; ++i) h = (h ^ address[i]) * 0x100000001B3ull;
  h *= kGoldenRatio64;
  return static_cast<std::size_t>(h >> (64 - bits));
}

}  // namespace nines::base
