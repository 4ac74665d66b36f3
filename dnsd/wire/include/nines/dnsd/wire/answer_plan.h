// What a response will say, decided before a byte is written (NSD's answer plan): the RCODE, the
// flags, and the RRsets of each section with where their owner names come from. Fixed capacity,
// filled on the query path without allocating. Everything here is wire form: the lookup that
// fills a plan knows zones and policies; the writer that reads it knows only these.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

namespace nines::dnsd {

// One RRset in one wire form, with the offsets (into `bytes`) of the compression pointers that
// are filled in when it is written: to its owner name where that already stands in the message,
// and to the zone apex. A view: the octets and offsets live in whatever rendered them (the zone
// table's arena), which outlives every write.
struct RRsetWire {
  std::string_view bytes;
  const std::uint16_t* patches = nullptr;  // owner pointers first, then apex pointers
  std::uint16_t owner_patch_count = 0;     // the at_pointer form only
  std::uint16_t apex_patch_count = 0;

  std::span<const std::uint16_t> ownerPatches() const noexcept {
    return {patches, owner_patch_count};
  }
  std::span<const std::uint16_t> apexPatches() const noexcept {
    return {patches + owner_patch_count, apex_patch_count};
  }
};

// An RRset rendered when the zones were loaded, in the two forms the writer can place:
// - `at_pointer`: every owner is a compression pointer, to where the owner already stands in the
//   message (the question name or one of its suffixes, or the last CNAME target written);
// - `at_apex`: every owner is its labels below the zone apex, then a pointer to the apex.
// Names in RDATA that may be compressed and lie in the zone are labels plus a pointer to the apex
// in both forms. Since the apex is always a suffix of the question name, writing one costs a
// memcpy and the patches.
struct RenderedRRset {
  std::uint16_t type = 0;
  std::uint16_t count = 0;  // records
  RRsetWire at_pointer;
  RRsetWire at_apex;
};

enum class OwnerKind : std::uint8_t {
  QnameSuffix,      // a pointer into the question name at `offset` (0: the name itself)
  LastCnameTarget,  // a pointer to the target of the CNAME written just before
  AtApex,           // the RRset's own labels below the apex, then a pointer to the apex
};

struct PlanEntry {
  const RenderedRRset* rrset = nullptr;
  OwnerKind owner = OwnerKind::QnameSuffix;
  std::uint8_t offset = 0;
  bool required = false;   // additional only: TC when it does not fit (in-domain glue)
  bool addresses = false;  // the plan's AddressRRset (a policy's answer) instead of `rrset`
};

template <std::size_t N>
struct PlanSection {
  std::array<PlanEntry, N> entries;
  std::uint8_t size = 0;
  bool push(const PlanEntry& entry) noexcept {
    if (size == N) return false;
    entries[size++] = entry;
    return true;
  }
};

// Addresses chosen for this one query (a service's policy answer), written as one A or AAAA
// RRset with the owner its PlanEntry gives. The addresses point into data that outlives the write
// (the service plan of the serving state).
struct AddressRRset {
  static constexpr std::size_t kMaxAddresses = 16;
  std::uint16_t type = 0;  // A or AAAA
  std::uint32_t ttl = 0;
  std::uint8_t count = 0;
  std::array<const std::uint8_t*, kMaxAddresses> addresses{};  // 4 or 16 octets each
};

struct AnswerPlan {
  std::uint16_t rcode = 0;  // may be an extended RCODE (BADVERS)
  bool authoritative = false;
  // Offset of the zone apex inside the question name, for pointers to the apex.
  std::uint8_t apex_offset = 0;
  std::uint8_t ecs_scope = 0;
  PlanSection<16> answer;
  PlanSection<2> authority;
  PlanSection<32> additional;
  AddressRRset addresses;

  void reset() noexcept {
    rcode = 0;
    authoritative = false;
    apex_offset = 0;
    ecs_scope = 0;
    answer.size = 0;
    authority.size = 0;
    additional.size = 0;
    addresses.count = 0;
  }
};

}  // namespace nines::dnsd
