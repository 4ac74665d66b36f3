// EDNS(0) (RFC 6891): the OPT pseudo-record of a message, and the one option the server reads and
// writes, EDNS Client Subnet (RFC 7871). The query parser decodes with these, the response
// writer and the query builder encode with them, so the option has one codec.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "nines/dnsd/wire/message.h"
#include "nines/dnsd/wire/wire_writer.h"

namespace nines::dnsd {

namespace edns {
inline constexpr std::uint16_t OptionNsid = 3, OptionEcs = 8, OptionCookie = 10;
inline constexpr std::uint16_t FlagDo = 0x8000;
// Root owner, type, class (payload size), TTL (extended RCODE, version, flags), RDLENGTH.
inline constexpr std::size_t kOptFixedSize = 11;
}  // namespace edns

// RFC 7871 §6: the client subnet option as a query gave it (or as a query we build gives it).
struct ClientSubnet {
  std::uint16_t family = 0;  // 1 = IPv4, 2 = IPv6
  std::uint8_t source_prefix = 0;
  std::uint8_t scope_prefix = 0;
  std::array<std::uint8_t, 16> address{};  // zero-extended
};

// Decodes the data of an ECS option (what follows its code and length). False when it is
// malformed, which RFC 7871 §7.1.1 answers with FORMERR: an unknown family, a source prefix longer
// than the family's address, a non-zero scope, an address of the wrong length, or bits set beyond
// the source prefix. Inline: the query parser runs it for every query that carries the option.
inline bool parseEcsOption(const std::uint8_t* data, std::size_t length,
                           ClientSubnet& ecs) noexcept {
  if (length < 4) return false;
  ecs.family = loadU16(data);
  ecs.source_prefix = data[2];
  ecs.scope_prefix = data[3];
  std::size_t max_prefix;
  if (ecs.family == 1) {
    max_prefix = 32;
  } else if (ecs.family == 2) {
    max_prefix = 128;
  } else {
    return false;
  }
  if (ecs.source_prefix > max_prefix) return false;
  if (ecs.scope_prefix != 0) return false;  // §7.1.1: SCOPE PREFIX-LENGTH must be 0 in queries
  const std::size_t address_bytes = (ecs.source_prefix + 7u) / 8u;
  if (length - 4u != address_bytes) return false;
  ecs.address = {};
  std::memcpy(ecs.address.data(), data + 4, address_bytes);
  // Bits beyond the source prefix must be zero.
  if (ecs.source_prefix % 8 != 0) {
    std::uint8_t mask = static_cast<std::uint8_t>(0xFFu >> (ecs.source_prefix % 8));
    if (ecs.address[address_bytes - 1] & mask) return false;
  }
  return true;
}

// Octets the ECS option for `source_prefix` takes, its code and length included.
inline std::size_t ecsOptionSize(std::uint8_t source_prefix) noexcept {
  return 4 + 4 + (source_prefix + 7u) / 8u;
}

// The ECS option echoing `ecs` with SCOPE PREFIX-LENGTH `scope` (RFC 7871 §7.2.1: family, source
// prefix and address as the query had them), at `p`, which has room for
// ecsOptionSize(ecs.source_prefix) octets.
inline void storeEcsOption(std::uint8_t* p, const ClientSubnet& ecs, std::uint8_t scope) noexcept {
  const std::size_t address_bytes = (ecs.source_prefix + 7u) / 8u;
  storeU16(p, edns::OptionEcs);
  storeU16(p + 2, static_cast<std::uint16_t>(4 + address_bytes));
  storeU16(p + 4, ecs.family);
  p[6] = ecs.source_prefix;
  p[7] = scope;
  std::memcpy(p + 8, ecs.address.data(), address_bytes);
}
// The same through a writer (nothing written when it does not fit).
inline void writeEcsOption(WireWriter& out, const ClientSubnet& ecs, std::uint8_t scope) noexcept {
  if (std::uint8_t* p = out.claim(ecsOptionSize(ecs.source_prefix))) storeEcsOption(p, ecs, scope);
}

// Octets of an OPT record carrying the ECS option of `ecs` (none when null).
inline std::size_t optRecordSize(const ClientSubnet* ecs) noexcept {
  return edns::kOptFixedSize + (ecs ? ecsOptionSize(ecs->source_prefix) : 0);
}

// The OPT record (RFC 6891 §6.1.2–6.1.3): root owner, `payload` as its CLASS, the upper eight
// bits of the 12-bit `rcode` and version 0 in its TTL with `flags` (only DO is ever set), and the
// ECS option of `ecs` with `scope` when `ecs` is not null. Inline, and one claim for the whole
// record: it is written for every EDNS response.
inline void writeOptRecord(WireWriter& out, std::uint16_t payload, std::uint16_t rcode,
                           std::uint16_t flags, const ClientSubnet* ecs,
                           std::uint8_t scope) noexcept {
  const std::size_t option = ecs ? ecsOptionSize(ecs->source_prefix) : 0;
  std::uint8_t* p = out.claim(edns::kOptFixedSize + option);
  if (p == nullptr) return;
  p[0] = 0;  // root owner
  storeU16(p + 1, type::OPT);
  storeU16(p + 3, payload);
  storeU32(p + 5, (std::uint32_t{static_cast<std::uint8_t>(rcode >> 4)} << 24) | flags);
  storeU16(p + 9, static_cast<std::uint16_t>(option));
  if (ecs) storeEcsOption(p + edns::kOptFixedSize, *ecs, scope);
}

}  // namespace nines::dnsd
