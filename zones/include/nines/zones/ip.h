// IPv4/IPv6 addresses and CIDR prefixes, as zone files and dnsd.toml write them.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace nines::zones {

struct IpAddress {
  std::uint8_t family = 0;  // 4 or 6; 0: none
  std::array<std::uint8_t, 16> bytes{};  // IPv4 in the first four octets

  static std::optional<IpAddress> parse(std::string_view text);
  static IpAddress v4(const std::uint8_t* four) noexcept;
  static IpAddress v6(const std::uint8_t* sixteen) noexcept;
  std::string toString() const;
  std::uint8_t bitLength() const noexcept { return family == 4 ? 32 : 128; }
  // Bit `index` counted from the most significant bit of the first octet.
  bool bit(std::size_t index) const noexcept {
    return (bytes[index / 8] >> (7 - index % 8)) & 1u;
  }
  // This address with every bit past `prefix` cleared.
  IpAddress masked(std::uint8_t prefix) const noexcept;
  bool operator==(const IpAddress& other) const noexcept = default;
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
