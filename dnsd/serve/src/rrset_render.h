// Records to wire form, once, when the zones are loaded: the two forms of an RRset the response
// writer places (RenderedRRset in answer_plan.h), with in-zone names in RDATA compressed against
// the apex where RFC 1035 §4.1.4 allows it. The forms are written into the zone table's arena.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "nines/dnsd/serve/arena.h"
#include "nines/dnsd/serve/zone_table.h"
#include "nines/zones/zone.h"

namespace nines::dnsd {

// Renders RRsets into one arena, reusing its working buffers from one RRset to the next.
class RRsetRenderer {
 public:
  RRsetRenderer(const zones::Name& origin, Arena& arena) : origin_(origin), arena_(arena) {}

  // The RRset of `records` (one owner, one type, at least one record), with `ttl` for every
  // record.
  RRset render(std::span<const zones::Record* const> records, std::uint32_t ttl);

 private:
  enum class OwnerForm { Pointer, Apex };
  RRsetWire renderForm(std::span<const zones::Record* const> records, std::uint32_t ttl,
                       OwnerForm form);
  void pointer(std::vector<std::uint16_t>& patches);
  void name(std::string_view wire);
  void rdata(std::uint16_t type, std::string_view data);

  const zones::Name& origin_;
  Arena& arena_;
  std::string bytes_;
  std::vector<std::uint16_t> owner_patches_;
  std::vector<std::uint16_t> apex_patches_;
};

// Length of the uncompressed wire name at `rdata[pos]`, or 0 when it is malformed.
std::size_t nameLengthAt(std::string_view rdata, std::size_t pos);

}  // namespace nines::dnsd
