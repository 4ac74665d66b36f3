// ECS options for the wire tests: a ClientSubnet from its family, source prefix and the octets of
// its address that the prefix covers.
#pragma once

#include <cstdint>
#include <vector>

#include "nines/dnsd/wire/edns.h"

namespace nines::dnsd::test {

inline ClientSubnet subnet(std::uint16_t family, std::uint8_t source,
                           const std::vector<std::uint8_t>& address) {
  ClientSubnet ecs;
  ecs.family = family;
  ecs.source_prefix = source;
  for (std::size_t i = 0; i < address.size() && i < ecs.address.size(); ++i) {
    ecs.address[i] = address[i];
  }
  return ecs;
}

}  // namespace nines::dnsd::test
