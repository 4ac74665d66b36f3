#include "nines/dnsd/wire/edns.h"

#include <cstring>

namespace nines::dnsd {

bool parseEcsOption(const std::uint8_t* data, std::size_t length, ClientSubnet& ecs) noexcept {
  if (length < 4) return false;
  ecs.family = loadU16(data);
  ecs.source_prefix = data[2];
  ecs.scope_prefix = data[3];
  std::size_t max_prefix;
  if (ecs.family == 1) {
    max_prefix = 32;
  } else if (ecs.family == 2) {
    max_prefix = 128;
  } else {
    return false;
  }
  if (ecs.source_prefix > max_prefix) return false;
  if (ecs.scope_prefix != 0) return false;  // §7.1.1: SCOPE PREFIX-LENGTH must be 0 in queries
  std::size_t address_bytes = (ecs.source_prefix + 7u) / 8u;
  if (length - 4u != address_bytes) return false;
  ecs.address = {};
  std::memcpy(ecs.address.data(), data + 4, address_bytes);
  // Bits beyond the source prefix must be zero.
  if (ecs.source_prefix % 8 != 0) {
    std::uint8_t mask = static_cast<std::uint8_t>(0xFFu >> (ecs.source_prefix % 8));
    if (ecs.address[address_bytes - 1] & mask) return false;
  }
  return true;
}

namespace {

// The option at `p`, which has room for ecsOptionSize(ecs.source_prefix) octets.
void storeEcsOption(std::uint8_t* p, const ClientSubnet& ecs, std::uint8_t scope) noexcept {
  const std::size_t address_bytes = (ecs.source_prefix + 7u) / 8u;
  storeU16(p, edns::OptionEcs);
  storeU16(p + 2, static_cast<std::uint16_t>(4 + address_bytes));
  storeU16(p + 4, ecs.family);
  p[6] = ecs.source_prefix;
  p[7] = scope;
  std::memcpy(p + 8, ecs.address.data(), address_bytes);
}

}  // namespace

void writeEcsOption(WireWriter& out, const ClientSubnet& ecs, std::uint8_t scope) noexcept {
  if (std::uint8_t* p = out.claim(ecsOptionSize(ecs.source_prefix))) storeEcsOption(p, ecs, scope);
}

void writeOptRecord(WireWriter& out, std::uint16_t payload, std::uint16_t rcode,
                    std::uint16_t flags, const ClientSubnet* ecs, std::uint8_t scope) noexcept {
  // One claim for the whole record: this runs for every EDNS response.
  const std::size_t option = ecs ? ecsOptionSize(ecs->source_prefix) : 0;
  std::uint8_t* p = out.claim(edns::kOptFixedSize + option);
  if (p == nullptr) return;
  p[0] = 0;  // root owner
  storeU16(p + 1, type::OPT);
  storeU16(p + 3, payload);
  storeU32(p + 5, (std::uint32_t{static_cast<std::uint8_t>(rcode >> 4)} << 24) | flags);
  storeU16(p + 9, static_cast<std::uint16_t>(option));
  if (ecs) storeEcsOption(p + edns::kOptFixedSize, *ecs, scope);
}

}  // namespace nines::dnsd
