// A bounded write cursor for messages we send, with transactions (PowerDNS's packet writer
// commit/rollback, made bounded like Knot's wire_ctx).
//
// Every write checks the room left under the current limit; one that does not fit writes nothing
// and latches `ok()` to false. A group of writes that must land whole — an RRset, later an RRset
// and its RRSIG, or one message of a zone transfer — starts with mark() and ends with commit(),
// which keeps the group when all of it fit and otherwise drops it (rollback) and says so. Nothing
// allocates; nothing throws.
//
//   WireWriter::Mark mark = writer.mark();
//   writeRRset(writer, ...);           // any number of writes
//   if (!writer.commit(mark)) { ... }  // did not fit: the message is as it was at mark()
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "nines/dnsd/wire/message.h"

namespace nines::dnsd {

class WireWriter {
 public:
  // Writes into `out`, which holds `capacity` octets, starting at `position`.
  WireWriter(std::uint8_t* out, std::size_t capacity, std::size_t position = 0) noexcept
      : out_(out), capacity_(capacity), limit_(capacity), pos_(position) {}

  bool ok() const noexcept { return ok_; }
  std::size_t position() const noexcept { return pos_; }
  std::size_t remaining() const noexcept { return limit_ - pos_; }
  std::uint8_t* data() const noexcept { return out_; }

  // Lets writes go up to `limit` octets from the start (at most the capacity, at least where the
  // cursor is): a response keeps room for its OPT record this way, then takes it back.
  void setLimit(std::size_t limit) noexcept {
    limit_ = limit > capacity_ ? capacity_ : limit < pos_ ? pos_ : limit;
  }

  // The next `n` octets, for the caller to fill, or null (and !ok()) when they do not fit.
  std::uint8_t* claim(std::size_t n) noexcept {
    if (!ok_ || n > limit_ - pos_) {
      ok_ = false;
      return nullptr;
    }
    std::uint8_t* at = out_ + pos_;
    pos_ += n;
    return at;
  }
  void bytes(const void* data, std::size_t n) noexcept {
    if (std::uint8_t* at = claim(n)) std::memcpy(at, data, n);
  }
  void u8(std::uint8_t v) noexcept {
    if (std::uint8_t* at = claim(1)) *at = v;
  }
  void u16(std::uint16_t v) noexcept {
    if (std::uint8_t* at = claim(2)) storeU16(at, v);
  }
  void u32(std::uint32_t v) noexcept {
    if (std::uint8_t* at = claim(4)) storeU32(at, v);
  }
  // Rewrites two octets already written (a count, a length, a compression pointer).
  void patchU16(std::size_t at, std::uint16_t v) noexcept {
    if (at + 2 <= pos_) storeU16(out_ + at, v);
  }

  struct Mark {
    std::size_t position;
  };
  Mark mark() const noexcept { return {pos_}; }
  // Drops everything written since `mark` and clears the failure, so writing can go on.
  void rollback(Mark mark) noexcept {
    pos_ = mark.position;
    ok_ = true;
  }
  // True when everything written since `mark` fit; otherwise rolls back to it and returns false.
  bool commit(Mark mark) noexcept {
    if (ok_) return true;
    rollback(mark);
    return false;
  }

 private:
  std::uint8_t* out_;
  std::size_t capacity_;
  std::size_t limit_;
  std::size_t pos_;
  bool ok_ = true;
};

}  // namespace nines::dnsd
