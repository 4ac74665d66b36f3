// The one place a response becomes bytes (STYLE rule 7): header, the question echoed as asked,
// the plan's sections, and the OPT record; truncation at RRset boundaries happens only here.
#pragma once

#include <cstddef>
#include <cstdint>

#include "nines/dnsd/wire/answer_plan.h"
#include "nines/dnsd/wire/query_parser.h"

namespace nines::dnsd {

struct WriteLimits {
  std::size_t max_size;            // the most the response may use (UDP payload or 65535 for TCP)
  std::size_t advertised_payload;  // our EDNS UDP payload size, written in the OPT record
};

// The response size for a query over UDP: 512 without EDNS (RFC 1035 §4.2.1), else the
// client's payload size, at least 512 (RFC 6891 §6.2.5) and at most ours.
std::size_t udpResponseLimit(const Query& query, std::size_t our_payload) noexcept;

// Writes the response to `query_bytes`/`query` described by `plan` into `out` (capacity at least
// `limits.max_size`). Returns the number of octets written.
std::size_t writeResponse(const std::uint8_t* query_bytes, const Query& query,
                          const AnswerPlan& plan, WriteLimits limits, std::uint8_t* out) noexcept;

}  // namespace nines::dnsd
