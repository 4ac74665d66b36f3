// The DNS check's messages: the query we send (built by hand, it is one question) and the
// verdict on a response (decoded with ldns, the independent parser; DESIGN.md).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "nines/zones/zone.h"

namespace nines::probers::detail {

// A query for check.query / check.query_type, class IN, no recursion desired, with `id`.
std::string buildDnsQuery(const zones::Check& check, std::uint16_t id);

enum class DnsVerdict { Ignore, Pass, Fail };
// Judges one datagram received for the query with `id`: Ignore for what is not an answer to it
// (too short, another id, not a response), else Pass when its RCODE is check.expect_rcode.
// `reason` says "DNS NOERROR", "DNS SERVFAIL, expected NOERROR", "dns: malformed response", ...
DnsVerdict judgeDnsResponse(const zones::Check& check, std::uint16_t id, const std::uint8_t* data,
                            std::size_t size, std::string& reason);

}  // namespace nines::probers::detail
