// Records to wire form, once, when the zones are loaded: the two forms of an RRset the response
// writer places (RenderedRRset in answer_plan.h), with in-zone names in RDATA compressed against
// the apex where RFC 1035 §4.1.4 allows it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "nines/dnsd/serve/zone_table.h"
#include "nines/zones/zone.h"

namespace nines::dnsd {

// The RRset of `records` (one owner, one type, at least one record) of the zone at `origin`,
// with `ttl` for every record.
RRset renderRRset(const std::vector<const zones::Record*>& records, std::uint32_t ttl,
                  const zones::Name& origin);

// Length of the uncompressed wire name at `rdata[pos]`, or 0 when it is malformed.
std::size_t nameLengthAt(std::string_view rdata, std::size_t pos);

}  // namespace nines::dnsd
