#include "nines/dnsd/response_writer.h"

#include <algorithm>
#include <cstring>

#include "nines/dnsd/wire.h"

namespace nines::dnsd {

namespace {

constexpr std::size_t kOptFixedSize = 11;  // root owner, type, class, TTL, RDLENGTH
constexpr std::uint16_t kTypeOpt = 41;

std::size_t ecsOptionSize(const Query& query) noexcept {
  if (!query.has_ecs) return 0;
  return 4 + 4 + (query.ecs.source_prefix + 7u) / 8u;
}

std::size_t optSize(const Query& query) noexcept {
  return query.has_edns ? kOptFixedSize + ecsOptionSize(query) : 0;
}

class SectionWriter {
 public:
  SectionWriter(std::uint8_t* out, std::size_t pos, std::size_t limit, const AnswerPlan& plan)
      : out_(out),
        pos_(pos),
        limit_(limit),
        apex_pointer_(pointerTo(kHeaderSize + plan.apex_offset)),
        plan_(plan) {}

  // Appends one RRset whole, or nothing when it does not fit. Returns the records written.
  std::uint16_t append(const PlanEntry& entry) noexcept {
    if (entry.dynamic) return appendDecision(entry);
    const RRsetWire& wire =
        entry.owner == OwnerKind::AtApex ? entry.rrset->at_apex : entry.rrset->at_pointer;
    std::size_t size = wire.bytes.size();
    if (size > limit_ - pos_) return 0;
    std::uint8_t* start = out_ + pos_;
    std::memcpy(start, wire.bytes.data(), size);
    if (entry.owner != OwnerKind::AtApex) {
      std::uint16_t owner = entry.owner == OwnerKind::QnameSuffix
                                ? pointerTo(kHeaderSize + entry.offset)
                                : pointerTo(last_cname_target_);
      for (std::uint16_t at : wire.owner_patches) storeU16(start + at, owner);
    }
    for (std::uint16_t at : wire.apex_patches) storeU16(start + at, apex_pointer_);
    if (entry.rrset->type == zones::rrtype::CNAME && !wire.bytes.empty()) {
      // RDATA starts after the owner (a 2-octet pointer in this form), type, class, TTL, length.
      last_cname_target_ = pos_ + 2 + 10;
    }
    pos_ += size;
    return entry.rrset->count;
  }
  std::size_t position() const noexcept { return pos_; }

 private:
  // The service's addresses as one A or AAAA RRset with the service's TTL.
  std::uint16_t appendDecision(const PlanEntry& entry) noexcept {
    const policy::Decision& decision = plan_.decision;
    std::size_t address_size = plan_.dynamic_type == zones::rrtype::A ? 4 : 16;
    std::size_t record_size = 2 + 10 + address_size;
    if (decision.count * record_size > limit_ - pos_) return 0;
    std::uint16_t owner = entry.owner == OwnerKind::QnameSuffix
                              ? pointerTo(kHeaderSize + entry.offset)
                              : pointerTo(last_cname_target_);
    std::uint8_t* p = out_ + pos_;
    for (std::uint8_t i = 0; i < decision.count; ++i) {
      const auto& pick = decision.picks[i];
      const auto& address = plan_.service->regions[pick.region].endpoints[pick.endpoint];
      storeU16(p, owner);
      storeU16(p + 2, plan_.dynamic_type);
      storeU16(p + 4, zones::kClassIN);
      storeU32(p + 6, plan_.service->ttl);
      storeU16(p + 10, static_cast<std::uint16_t>(address_size));
      std::memcpy(p + 12, address.bytes.data(), address_size);
      p += record_size;
    }
    pos_ += decision.count * record_size;
    return decision.count;
  }

  static std::uint16_t pointerTo(std::size_t offset) noexcept {
    return static_cast<std::uint16_t>(0xC000u | offset);
  }

  std::uint8_t* out_;
  std::size_t pos_;
  std::size_t limit_;
  std::uint16_t apex_pointer_;
  const AnswerPlan& plan_;
  std::size_t last_cname_target_ = kHeaderSize;
};

std::size_t writeOpt(const Query& query, const AnswerPlan& plan, std::size_t payload,
                     std::uint8_t* p) noexcept {
  // RFC 6891 §6.1.2–6.1.3: root owner, our payload size in CLASS, extended RCODE and version 0 in
  // TTL, and the DO bit copied (RFC 3225 §3); other flags are left clear.
  p[0] = 0;
  storeU16(p + 1, kTypeOpt);
  storeU16(p + 3, static_cast<std::uint16_t>(payload));
  std::uint32_t ttl = (std::uint32_t{static_cast<std::uint8_t>(plan.rcode >> 4)} << 24) |
                      (query.edns_flags & edns::FlagDo);
  storeU32(p + 5, ttl);
  std::size_t ecs = ecsOptionSize(query);
  storeU16(p + 9, static_cast<std::uint16_t>(ecs));
  std::uint8_t* o = p + kOptFixedSize;
  if (ecs) {
    // RFC 7871 §7.2.1: echo family, source prefix and address; SCOPE says what the answer
    // depended on.
    std::size_t address_bytes = ecs - 8;
    storeU16(o, edns::OptionEcs);
    storeU16(o + 2, static_cast<std::uint16_t>(ecs - 4));
    storeU16(o + 4, query.ecs.family);
    o[6] = query.ecs.source_prefix;
    o[7] = plan.ecs_scope;
    std::memcpy(o + 8, query.ecs.address.data(), address_bytes);
  }
  return kOptFixedSize + ecs;
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
  // RA, Z and AD clear.
  std::uint16_t flags = static_cast<std::uint16_t>(
      flag::QR | (query.flags & (0x7800 | flag::RD | flag::CD)) | (plan.rcode & 0x0F));
  if (plan.authoritative) flags |= flag::AA;
  storeU16(out, query.id);
  std::size_t pos = kHeaderSize;
  bool question = query.has_question;
  if (question) {
    std::size_t length = query.question_end - kHeaderSize;
    std::memcpy(out + pos, query_bytes + kHeaderSize, length);
    pos += length;
  }
  std::size_t opt = optSize(query);
  std::size_t limit = limits.max_size - opt;  // OPT always fits: the minimum limit is 512

  SectionWriter writer(out, pos, limit, plan);
  std::uint16_t counts[3] = {0, 0, 0};
  bool truncated = false;
  // RFC 2181 §9: TC only when an RRset of the answer or authority section is cut; the response
  // keeps the whole RRsets that fit before it.
  for (std::uint8_t i = 0; i < plan.answer.size && !truncated; ++i) {
    if (std::uint16_t written = writer.append(plan.answer.entries[i])) {
      counts[0] = static_cast<std::uint16_t>(counts[0] + written);
    } else {
      truncated = true;
    }
  }
  for (std::uint8_t i = 0; i < plan.authority.size && !truncated; ++i) {
    if (std::uint16_t written = writer.append(plan.authority.entries[i])) {
      counts[1] = static_cast<std::uint16_t>(counts[1] + written);
    } else {
      truncated = true;
    }
  }
  for (std::uint8_t i = 0; i < plan.additional.size && !truncated; ++i) {
    const PlanEntry& entry = plan.additional.entries[i];
    if (std::uint16_t written = writer.append(entry)) {
      counts[2] = static_cast<std::uint16_t>(counts[2] + written);
    } else if (entry.required) {
      truncated = true;  // RFC 9471 §3: in-domain glue that does not fit sets TC
    }
  }
  pos = writer.position();
  if (truncated) flags |= flag::TC;
  if (opt) {
    pos += writeOpt(query, plan, limits.advertised_payload, out + pos);
    counts[2] = static_cast<std::uint16_t>(counts[2] + 1);
  }
  storeU16(out + 2, flags);
  storeU16(out + 4, question ? 1 : 0);
  storeU16(out + 6, counts[0]);
  storeU16(out + 8, counts[1]);
  storeU16(out + 10, counts[2]);
  return pos;
}

}  // namespace nines::dnsd
