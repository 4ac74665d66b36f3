// A bounds-checked read cursor for bytes from the network (STYLE rule 5, after Knot's wire_ctx).
#pragma once

#include <cstddef>
#include <cstdint>

#include "nines/dnsd/wire/message.h"

namespace nines::dnsd {

// Every read checks what remains; the first failure latches `ok()` to false and later reads
// return zeros, so a parser checks once at the end of a step.
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
