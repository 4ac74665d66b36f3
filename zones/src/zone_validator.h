// The rules of a zone as a whole (RFC 1034, RFC 2181), checked once every record is parsed. Private
// to the loader.
#pragma once

#include <unordered_set>
#include <vector>

#include "nines/base/diagnostic.h"
#include "nines/zones/name.h"
#include "nines/zones/zone.h"

namespace nines::zones {

// Checks `records` (all inside `origin`, the SOA included) against each other and appends every
// problem to `errors`, each at the record it is about:
// duplicates, RRsets with more than one TTL, CNAME rules, a missing apex NS (reported at
// `apex_where`), data hidden by a delegation, DS away from a delegation, in-zone NS targets
// without address (glue) records, and NS/MX/SRV targets that are aliases.
// `incomplete_owners` are names where a record failed to parse: rules that complain about a
// record missing there are skipped, so one typo is reported once.
using NameSet = std::unordered_set<Name, NameHash>;
// `file` is the zone's file, where the records are.
void validateZone(const std::string& file, const Name& origin, const std::vector<Record>& records,
                  const NameSet& incomplete_owners, const base::SourceLocation& apex_where,
                  base::Diagnostics& errors);

}  // namespace nines::zones
