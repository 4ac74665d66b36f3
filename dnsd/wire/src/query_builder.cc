#include "nines/dnsd/wire/query_builder.h"

#include "nines/dnsd/wire/message.h"
#include "nines/dnsd/wire/wire_writer.h"

namespace nines::dnsd {

std::vector<std::uint8_t> buildQuery(std::string_view qname, std::uint16_t qtype,
                                     const ClientSubnet* ecs) {
  std::vector<std::uint8_t> wire(kHeaderSize + qname.size() + 4 + optRecordSize(ecs));
  WireWriter writer(wire.data(), wire.size());
  writer.u16(0x4e39);  // an arbitrary, fixed ID
  writer.u16(0);       // flags: a standard query, RD clear
  writer.u16(1);       // QDCOUNT
  writer.u16(0);       // ANCOUNT
  writer.u16(0);       // NSCOUNT
  writer.u16(1);       // ARCOUNT: the OPT record
  writer.bytes(qname.data(), qname.size());
  writer.u16(qtype);
  writer.u16(kClassIn);
  writeOptRecord(writer, static_cast<std::uint16_t>(kMaxUdpPayload), 0, 0, ecs, 0);
  wire.resize(writer.position());
  return wire;
}

}  // namespace nines::dnsd
