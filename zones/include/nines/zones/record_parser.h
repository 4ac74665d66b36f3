// One record of a zone file's [records] table, "[TTL] [IN] TYPE RDATA", from presentation format
// to wire form. RDATA is parsed by ldns (RFC 1035 §5.1 syntax, RFC 3597 "\# len hex" for any
// type); the result keeps names with the case they were written in.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "nines/zones/name.h"
#include "nines/zones/zone.h"

namespace nines::zones {

// Parses `text` as "[TTL] [IN] TYPE RDATA" (TTL and class in either order, both optional) for
// `owner`. Relative names in RDATA are completed with `origin`; a missing TTL is `default_ttl`.
// Any type ldns knows by mnemonic is accepted, and every type as TYPEnnn; meta and query types
// (0, OPT, 128-255) are not zone data and are refused. Type-specific rules of a zone (SOA, CNAME,
// DNAME ...) are the loader's business, not this function's.
// Returns the record (`where` left empty) or nullopt with a one-line reason in `error`.
// The plain forms of common types (A, AAAA, TXT, CNAME, NS, MX, PTR, SRV) are read without ldns,
// to the same result; everything else goes through ldns.
std::optional<Record> parseRecord(std::string_view text, const Name& owner, const Name& origin,
                                  std::uint32_t default_ttl, std::string* error);
// parseRecord with every RDATA read by ldns: the reference its fast path is tested against.
std::optional<Record> parseRecordByLdns(std::string_view text, const Name& owner,
                                        const Name& origin, std::uint32_t default_ttl,
                                        std::string* error);

// The RDATA of `record` in canonical form (RFC 4034 §6.2: names lowercased in the types listed
// there). Two records are duplicates when owner, type and canonical RDATA match (RFC 2181 §5).
// Falls back to the RDATA as it is when ldns cannot decode it. Common types are lowered without
// ldns, to the same result.
std::string canonicalRdata(const Record& record);
// canonicalRdata through ldns for every type: the reference of its fast path.
std::string canonicalRdataByLdns(const Record& record);

// "A", "HTTPS", "TYPE12345": the mnemonic of a type, or its RFC 3597 name.
std::string rrTypeName(std::uint16_t type);

// The type a mnemonic (any case) or an RFC 3597 "TYPEnnn" names; nullopt when it names none.
std::optional<std::uint16_t> rrTypeFromName(std::string_view word);

// RFC 6895 §3.1: 0 is reserved, OPT (41) is a pseudo-record, 128-255 are query and meta types.
bool isMetaType(std::uint16_t type);

}  // namespace nines::zones
