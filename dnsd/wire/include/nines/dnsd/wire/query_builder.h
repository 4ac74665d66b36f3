// Queries built rather than received: `ninesctl explain` runs the one a resolver would send
// through the same pipeline as a real query.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "nines/dnsd/wire/edns.h"

namespace nines::dnsd {

// A standard query (RD clear, a fixed ID) for `qname`, an uncompressed wire name, of `qtype` in
// class IN, with an OPT record stating kMaxUdpPayload and, when `ecs` is given, its ECS option.
std::vector<std::uint8_t> buildQuery(std::string_view qname, std::uint16_t qtype,
                                     const ClientSubnet* ecs);

}  // namespace nines::dnsd
