// IPv4/IPv6 addresses and CIDR prefixes, as zone files and dnsd.toml write them.
#pragma once

#include <array>
#include <bit>
#include <cstring>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace nines::zones {

struct IpAddress {
  std::uint8_t family = 0;  // 4 or 6; 0: none
  std::array<std::uint8_t, 16> bytes{};  // IPv4 in the first four octets

  static std::optional<IpAddress> parse(std::string_view text);
  static IpAddress v4(const std::uint8_t* four) noexcept {
    IpAddress address;
    address.family = 4;
    std::memcpy(address.bytes.data(), four, 4);
    return address;
  }
  static IpAddress v6(const std::uint8_t* sixteen) noexcept {
    IpAddress address;
    address.family = 6;
    std::memcpy(address.bytes.data(), sixteen, 16);
    return address;
  }
  std::string toString() const;
  std::uint8_t bitLength() const noexcept { return family == 4 ? 32 : 128; }
  // Bit `index` counted from the most significant bit of the first octet.
  bool bit(std::size_t index) const noexcept {
    return (bytes[index / 8] >> (7 - index % 8)) & 1u;
  }
  // This address with every bit past `prefix` cleared. Inline, word at a time: the query path
  // masks each client address a few times (ECS, the decision and location caches).
  IpAddress masked(std::uint8_t prefix) const noexcept {
    IpAddress out;
    out.family = family;
    std::uint64_t high, low;
    std::memcpy(&high, bytes.data(), 8);
    std::memcpy(&low, bytes.data() + 8, 8);
    high &= leadingOnes(prefix >= 64 ? 64 : prefix);
    low &= leadingOnes(prefix <= 64 ? 0 : prefix >= 128 ? 64 : prefix - 64);
    std::memcpy(out.bytes.data(), &high, 8);
    std::memcpy(out.bytes.data() + 8, &low, 8);
    return out;
  }
  bool operator==(const IpAddress& other) const noexcept = default;

 private:
  // A mask of the first `bits` (0-64) bits of eight octets in memory order, as a native word.
  static std::uint64_t leadingOnes(unsigned bits) noexcept {
    if (bits == 0) return 0;
    const std::uint64_t mask = ~std::uint64_t{0} << (64 - bits);
    if constexpr (std::endian::native == std::endian::little) return __builtin_bswap64(mask);
    return mask;
  }
};

struct Cidr {
  IpAddress network;
  std::uint8_t prefix = 0;

  // "192.0.2.0/24", "2001:db8::/32". Host bits beyond the prefix must be zero.
  static std::optional<Cidr> parse(std::string_view text, std::string* error);
  bool contains(const IpAddress& address) const noexcept;
  std::string toString() const;
  bool operator==(const Cidr& other) const noexcept = default;
};

// For finding a network written twice among hundreds of thousands (geo tables).
struct CidrHash {
  std::size_t operator()(const Cidr& cidr) const noexcept;
};

}  // namespace nines::zones
