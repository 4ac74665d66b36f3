// DNS message constants and a bounds-checked reader for bytes from the network (RFC 1035 §4).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace nines::dnsd {

inline constexpr std::size_t kHeaderSize = 12;
inline constexpr std::size_t kMaxUdpPayload = 1232;  // our advertised EDNS size (DNS flag day 2020)
inline constexpr std::size_t kClassicUdpLimit = 512;  // RFC 1035 §4.2.1, without EDNS
inline constexpr std::size_t kMaxTcpMessage = 65535;  // RFC 7766 §8, two-octet length prefix

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

namespace edns {
inline constexpr std::uint16_t OptionNsid = 3, OptionEcs = 8, OptionCookie = 10;
inline constexpr std::uint16_t FlagDo = 0x8000;
}  // namespace edns

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

// A read cursor over untrusted bytes. Every read checks what remains; the first failure latches
// `ok()` to false and later reads return zeros, so a parser checks once at the end of a step.
class WireReader {
 public:
  WireReader(const std::uint8_t* data, std::size_t size) noexcept : data_(data), size_(size) {}

  bool ok() const noexcept { return ok_; }
  std::size_t position() const noexcept { return pos_; }
  std::size_t remaining() const noexcept { return ok_ ? size_ - pos_ : 0; }
  const std::uint8_t* data() const noexcept { return data_; }
  const std::uint8_t* current() const noexcept { return data_ + pos_; }

  std::uint8_t u8() noexcept {
    if (!need(1)) return 0;
    return data_[pos_++];
  }
  std::uint16_t u16() noexcept {
    if (!need(2)) return 0;
    auto v = loadU16(data_ + pos_);
    pos_ += 2;
    return v;
  }
  std::uint32_t u32() noexcept {
    if (!need(4)) return 0;
    auto v = loadU32(data_ + pos_);
    pos_ += 4;
    return v;
  }
  void skip(std::size_t n) noexcept {
    if (need(n)) pos_ += n;
  }
  void fail() noexcept { ok_ = false; }

 private:
  bool need(std::size_t n) noexcept {
    if (!ok_ || size_ - pos_ < n) {
      ok_ = false;
      return false;
    }
    return true;
  }

  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t pos_ = 0;
  bool ok_ = true;
};

}  // namespace nines::dnsd
