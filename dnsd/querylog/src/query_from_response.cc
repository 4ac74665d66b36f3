#include "nines/dnsd/querylog/query_from_response.h"

#include <algorithm>
#include <array>

#include "nines/dnsd/wire/edns.h"
#include "nines/dnsd/wire/message.h"
#include "nines/dnsd/wire/wire_reader.h"

namespace nines::dnsd::querylog {

namespace {

// Past a name: labels, ended by the root or by a compression pointer. False when malformed.
bool skipName(WireReader& in, bool allow_pointer) noexcept {
  for (std::size_t labels = 0; labels < 128; ++labels) {
    const std::uint8_t length = in.u8();
    if (!in.ok()) return false;
    if (length == 0) return true;
    if ((length & 0xC0) == 0xC0) {
      in.skip(1);
      return allow_pointer && in.ok();
    }
    if (length & 0xC0) return false;
    in.skip(length);
  }
  return false;
}

}  // namespace

std::optional<std::vector<std::uint8_t>> queryFromResponse(const std::uint8_t* response,
                                                           std::size_t size) {
  WireReader in(response, size);
  const std::uint16_t id = in.u16();
  const std::uint16_t flags = in.u16();
  const std::uint16_t questions = in.u16();
  const std::uint16_t answers = in.u16();
  const std::uint16_t authorities = in.u16();
  const std::uint16_t additionals = in.u16();
  if (!in.ok() || !(flags & flag::QR) || questions != 1) return std::nullopt;
  // The question as the query had it (dnsd copies its octets: never compressed).
  const std::size_t question_start = in.position();
  if (!skipName(in, false)) return std::nullopt;
  in.skip(4);  // type, class
  if (!in.ok()) return std::nullopt;
  const std::size_t question_end = in.position();

  // The OPT record, in the additional section after the answer and authority records.
  bool has_opt = false;
  std::uint16_t payload = 0;
  std::uint16_t edns_flags = 0;
  bool has_ecs = false;
  ClientSubnet ecs;
  const unsigned records = unsigned{answers} + authorities + additionals;
  for (unsigned i = 0; i < records; ++i) {
    const std::size_t owner = in.position();
    if (!skipName(in, true)) return std::nullopt;
    const bool root_owner = in.position() == owner + 1;
    const std::uint16_t rr_type = in.u16();
    const std::uint16_t rr_class = in.u16();
    const std::uint32_t ttl = in.u32();
    const std::uint16_t rdlength = in.u16();
    if (!in.ok() || in.remaining() < rdlength) return std::nullopt;
    if (i >= unsigned{answers} + authorities && rr_type == type::OPT && root_owner && !has_opt) {
      has_opt = true;
      payload = rr_class;
      edns_flags = static_cast<std::uint16_t>(ttl & edns::FlagDo);
      WireReader options(in.current(), rdlength);
      while (options.remaining() >= 4) {
        const std::uint16_t code = options.u16();
        const std::uint16_t length = options.u16();
        if (options.remaining() < length) return std::nullopt;
        std::array<std::uint8_t, 4 + 16> option;  // family, prefixes, at most 16 octets
        if (code == edns::OptionEcs && length >= 4 && length <= option.size()) {
          // The echo carries the scope the answer depended on; a query's scope is zero.
          std::copy(options.current(), options.current() + length, option.begin());
          option[3] = 0;
          has_ecs = parseEcsOption(option.data(), length, ecs);
        }
        options.skip(length);
      }
    }
    in.skip(rdlength);
  }

  std::vector<std::uint8_t> query(kHeaderSize + (question_end - question_start) +
                                  (has_opt ? optRecordSize(has_ecs ? &ecs : nullptr) : 0));
  storeU16(query.data(), id);
  storeU16(query.data() + 2, static_cast<std::uint16_t>(flags & (0x7800 | flag::RD | flag::CD)));
  storeU16(query.data() + 4, 1);
  storeU16(query.data() + 6, 0);
  storeU16(query.data() + 8, 0);
  storeU16(query.data() + 10, has_opt ? 1 : 0);
  std::copy(response + question_start, response + question_end, query.begin() + kHeaderSize);
  if (has_opt) {
    WireWriter out(query.data(), query.size(), kHeaderSize + (question_end - question_start));
    writeOptRecord(out, payload, 0, edns_flags, has_ecs ? &ecs : nullptr, 0);
  }
  return query;
}

}  // namespace nines::dnsd::querylog
