// The RDATA of the common record types in their plain presentation forms, read without ldns: a
// zone of a hundred thousand names is mostly A, AAAA, TXT, CNAME, NS, MX, PTR and SRV written the
// simple way, and ldns's generic text path costs several microseconds a record. Anything this
// parser is not sure to read exactly as ldns does (escapes, parentheses, comments, out-of-range
// numbers, any other type) is declined and goes to ldns, which stays the reference:
// tests/zones/record_parser_test.cc compares both on every type. Private to the loader.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "nines/zones/name.h"

namespace nines::zones {

// The type a common mnemonic (any case) names, or 0 when `word` is not one of them.
std::uint16_t commonTypeFromName(std::string_view word) noexcept;

// The uncompressed wire RDATA of `text` (the words after the type) for `type`, relative names
// completed with `origin`; nullopt when the text is not in a form this parser reads (then ldns
// must), never because it is wrong.
std::optional<std::string> parseCommonRdata(std::uint16_t type, std::string_view text,
                                            const Name& origin);

// RFC 4034 §6.2 canonical form of the wire RDATA of a common type (names lowercased where that
// section says so); nullopt for a type this file does not know or RDATA it cannot walk.
std::optional<std::string> commonCanonicalRdata(std::uint16_t type, std::string_view rdata);

}  // namespace nines::zones
