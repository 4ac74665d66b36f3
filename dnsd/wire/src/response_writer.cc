#include "nines/dnsd/wire/response_writer.h"

#include <algorithm>
#include <cstring>

#include "nines/dnsd/wire/edns.h"
#include "nines/dnsd/wire/wire_writer.h"

namespace nines::dnsd {

namespace {

// Writes the plan's sections, one RRset at a time, each whole or not at all.
class SectionWriter {
 public:
  SectionWriter(WireWriter& out, const AnswerPlan& plan) noexcept
      : out_(out), apex_pointer_(pointerTo(kHeaderSize + plan.apex_offset)), plan_(plan) {}

  // Appends one RRset whole, or nothing when it does not fit. Returns the records written.
  std::uint16_t append(const PlanEntry& entry) noexcept {
    const WireWriter::Mark mark = out_.mark();
    const std::uint16_t records = entry.addresses ? appendAddresses(entry) : appendRendered(entry);
    return out_.commit(mark) ? records : 0;
  }

 private:
  std::uint16_t ownerPointer(const PlanEntry& entry) const noexcept {
    return entry.owner == OwnerKind::QnameSuffix ? pointerTo(kHeaderSize + entry.offset)
                                                 : pointerTo(last_cname_target_);
  }

  std::uint16_t appendRendered(const PlanEntry& entry) noexcept {
    const RenderedRRset& rrset = *entry.rrset;
    const RRsetWire& wire = entry.owner == OwnerKind::AtApex ? rrset.at_apex : rrset.at_pointer;
    const std::size_t at = out_.position();
    std::uint8_t* start = out_.claim(wire.bytes.size());
    if (start == nullptr) return 0;
    std::memcpy(start, wire.bytes.data(), wire.bytes.size());
    if (entry.owner != OwnerKind::AtApex) {
      const std::uint16_t owner = ownerPointer(entry);
      for (std::uint16_t patch : wire.ownerPatches()) storeU16(start + patch, owner);
    }
    for (std::uint16_t patch : wire.apexPatches()) storeU16(start + patch, apex_pointer_);
    if (rrset.type == type::CNAME && !wire.bytes.empty()) {
      // RDATA starts after the owner (a 2-octet pointer in this form), type, class, TTL, length.
      last_cname_target_ = at + 2 + 10;
    }
    return rrset.count;
  }

  // The policy's addresses as one A or AAAA RRset, claimed in one piece.
  std::uint16_t appendAddresses(const PlanEntry& entry) noexcept {
    const AddressRRset& rrset = plan_.addresses;
    const std::size_t address_size = rrset.type == type::A ? 4 : 16;
    const std::size_t record_size = 2 + 10 + address_size;
    std::uint8_t* p = out_.claim(rrset.count * record_size);
    if (p == nullptr) return 0;
    const std::uint16_t owner = ownerPointer(entry);
    for (std::uint8_t i = 0; i < rrset.count; ++i, p += record_size) {
      storeU16(p, owner);
      storeU16(p + 2, rrset.type);
      storeU16(p + 4, kClassIn);
      storeU32(p + 6, rrset.ttl);
      storeU16(p + 10, static_cast<std::uint16_t>(address_size));
      std::memcpy(p + 12, rrset.addresses[i], address_size);
    }
    return rrset.count;
  }

  WireWriter& out_;
  std::uint16_t apex_pointer_;
  const AnswerPlan& plan_;
  std::size_t last_cname_target_ = kHeaderSize;
};

// Writes the entries of one section; false when an RRset that must be whole did not fit.
template <std::size_t N>
bool writeSection(SectionWriter& writer, const PlanSection<N>& section, bool additional,
                  std::uint16_t& count) noexcept {
  for (std::uint8_t i = 0; i < section.size; ++i) {
    const PlanEntry& entry = section.entries[i];
    if (std::uint16_t written = writer.append(entry)) {
      count = static_cast<std::uint16_t>(count + written);
    } else if (!additional || entry.required) {
      // RFC 2181 §9: TC when an RRset of the answer or authority section is cut; RFC 9471 §3:
      // likewise for in-domain glue. Other additional data is left out quietly.
      return false;
    }
  }
  return true;
}

}  // namespace

std::size_t udpResponseLimit(const Query& query, std::size_t our_payload) noexcept {
  if (!query.has_edns) return kClassicUdpLimit;
  return std::clamp<std::size_t>(query.udp_size, kClassicUdpLimit,
                                 std::max(our_payload, kClassicUdpLimit));
}

std::size_t writeResponse(const std::uint8_t* query_bytes, const Query& query,
                          const AnswerPlan& plan, WriteLimits limits, std::uint8_t* out) noexcept {
  // Header: ID, QR, the query's opcode, RD and CD copied (RFC 1035 §4.1.1, RFC 6840 §5.9);
  // RA, Z and AD clear. RD, CD and AA are defined for QUERY only: the reply to any other opcode
  // (NOTIMP) copies the opcode alone and states no authority.
  const bool standard_query = (query.flags & 0x7800) == 0;
  const std::uint16_t copied = standard_query ? (flag::RD | flag::CD) : 0;
  std::uint16_t flags = static_cast<std::uint16_t>(flag::QR | (query.flags & (0x7800 | copied)) |
                                                   (plan.rcode & 0x0F));
  if (plan.authoritative && standard_query) flags |= flag::AA;
  WireWriter writer(out, limits.max_size, kHeaderSize);
  if (query.has_question) {
    writer.bytes(query_bytes + kHeaderSize, query.question_end - kHeaderSize);
  }
  const ClientSubnet* ecs = query.has_ecs ? &query.ecs : nullptr;
  const std::size_t opt = query.has_edns ? optRecordSize(ecs) : 0;
  // The OPT record always fits: the smallest limit is 512 octets.
  writer.setLimit(limits.max_size - opt);

  SectionWriter sections(writer, plan);
  std::uint16_t counts[3] = {0, 0, 0};
  // The response keeps the whole RRsets that fit before a cut one.
  const bool complete = writeSection(sections, plan.answer, false, counts[0]) &&
                        writeSection(sections, plan.authority, false, counts[1]) &&
                        writeSection(sections, plan.additional, true, counts[2]);
  if (!complete) flags |= flag::TC;
  if (opt) {
    writer.setLimit(limits.max_size);
    // RFC 6891 §6.1.3: DO copied (RFC 3225 §3), other flags clear; RFC 7871 §7.2.1: the scope
    // says what the answer depended on.
    writeOptRecord(writer, static_cast<std::uint16_t>(limits.advertised_payload), plan.rcode,
                   query.edns_flags & edns::FlagDo, ecs, plan.ecs_scope);
    counts[2] = static_cast<std::uint16_t>(counts[2] + 1);
  }
  storeU16(out, query.id);
  storeU16(out + 2, flags);
  storeU16(out + 4, query.has_question ? 1 : 0);
  storeU16(out + 6, counts[0]);
  storeU16(out + 8, counts[1]);
  storeU16(out + 10, counts[2]);
  return writer.position();
}

}  // namespace nines::dnsd
