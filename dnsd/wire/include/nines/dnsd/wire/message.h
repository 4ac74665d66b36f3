// DNS message constants and the big-endian loads and stores every reader and writer of messages
// uses (RFC 1035 §4.1).
#pragma once

#include <cstddef>
#include <cstdint>

namespace nines::dnsd {

inline constexpr std::size_t kHeaderSize = 12;
inline constexpr std::size_t kMaxUdpPayload = 1232;  // our advertised EDNS size (DNS flag day 2020)
inline constexpr std::size_t kClassicUdpLimit = 512;  // RFC 1035 §4.2.1, without EDNS
inline constexpr std::size_t kMaxTcpMessage = 65535;  // RFC 7766 §8, two-octet length prefix
inline constexpr std::uint16_t kClassIn = 1;

namespace rcode {
inline constexpr std::uint8_t NoError = 0, FormErr = 1, ServFail = 2, NxDomain = 3, NotImp = 4,
                              Refused = 5;
inline constexpr std::uint16_t BadVers = 16;  // extended RCODE, RFC 6891 §6.1.3
}  // namespace rcode

namespace opcode {
inline constexpr std::uint8_t Query = 0;
}

// Header flag bits in the 16-bit flags word.
namespace flag {
inline constexpr std::uint16_t QR = 0x8000, AA = 0x0400, TC = 0x0200, RD = 0x0100, RA = 0x0080,
                               Z = 0x0040, AD = 0x0020, CD = 0x0010;
}

// The record types the message layer itself handles (the rest are the zone model's business).
namespace type {
inline constexpr std::uint16_t A = 1, CNAME = 5, AAAA = 28, OPT = 41;
}

inline std::uint16_t loadU16(const std::uint8_t* p) noexcept {
  return static_cast<std::uint16_t>((p[0] << 8) | p[1]);
}
inline std::uint32_t loadU32(const std::uint8_t* p) noexcept {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         std::uint32_t{p[3]};
}
inline void storeU16(std::uint8_t* p, std::uint16_t v) noexcept {
  p[0] = static_cast<std::uint8_t>(v >> 8);
  p[1] = static_cast<std::uint8_t>(v);
}
inline void storeU32(std::uint8_t* p, std::uint32_t v) noexcept {
  p[0] = static_cast<std::uint8_t>(v >> 24);
  p[1] = static_cast<std::uint8_t>(v >> 16);
  p[2] = static_cast<std::uint8_t>(v >> 8);
  p[3] = static_cast<std::uint8_t>(v);
}

// A compression pointer to `offset` in the message (RFC 1035 §4.1.4).
inline constexpr std::uint16_t pointerTo(std::size_t offset) noexcept {
  return static_cast<std::uint16_t>(0xC000u | offset);
}

}  // namespace nines::dnsd
