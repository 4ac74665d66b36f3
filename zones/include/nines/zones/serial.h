// The serial of a zone whose [soa] says `serial = 0`: derived from the zone's content.
#pragma once

#include <cstdint>
#include <vector>

#include "nines/zones/zone.h"

namespace nines::zones {

// FNV-1a (32 bit) over the zone's records in canonical form and order (RFC 4034 §6.2, §6.3):
// for each record, lowercased owner, type, class, TTL, RDATA length and canonical RDATA. The
// serial field of the SOA is hashed as zero, so the result does not depend on itself; a hash of 0
// becomes 1 (0 means "derive"). The same content gives the same serial on every dnsd whatever the
// order, case or spelling of the file, and any change of content changes it (barring a 1 in 2^32
// collision). It is not monotonic (RFC 1982 arithmetic means nothing here): Nines instances do not
// transfer zones, so the serial only has to tell versions of a zone apart.
std::uint32_t contentSerial(const std::vector<Record>& records);

}  // namespace nines::zones
