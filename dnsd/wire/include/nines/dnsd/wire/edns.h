// EDNS(0) (RFC 6891): the OPT pseudo-record of a message, and the one option the server reads and
// writes, EDNS Client Subnet (RFC 7871). The query parser decodes with these, the response
// writer and the query builder encode with them, so the option has one codec.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

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
// the source prefix.
bool parseEcsOption(const std::uint8_t* data, std::size_t length, ClientSubnet& ecs) noexcept;

// Octets the ECS option for `source_prefix` takes, its code and length included.
inline std::size_t ecsOptionSize(std::uint8_t source_prefix) noexcept {
  return 4 + 4 + (source_prefix + 7u) / 8u;
}

// The ECS option echoing `ecs` with SCOPE PREFIX-LENGTH `scope` (RFC 7871 §7.2.1: family, source
// prefix and address as the query had them).
void writeEcsOption(WireWriter& out, const ClientSubnet& ecs, std::uint8_t scope) noexcept;

// Octets of an OPT record carrying the ECS option of `ecs` (none when null).
inline std::size_t optRecordSize(const ClientSubnet* ecs) noexcept {
  return edns::kOptFixedSize + (ecs ? ecsOptionSize(ecs->source_prefix) : 0);
}

// The OPT record (RFC 6891 §6.1.2–6.1.3): root owner, `payload` as its CLASS, the upper eight
// bits of the 12-bit `rcode` and version 0 in its TTL with `flags` (only DO is ever set), and the
// ECS option of `ecs` with `scope` when `ecs` is not null.
void writeOptRecord(WireWriter& out, std::uint16_t payload, std::uint16_t rcode,
                    std::uint16_t flags, const ClientSubnet* ecs, std::uint8_t scope) noexcept;

}  // namespace nines::dnsd
