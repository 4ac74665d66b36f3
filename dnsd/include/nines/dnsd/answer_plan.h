// What a response will say, decided before a byte is written (NSD's answer plan): the RCODE, the
// flags, and the RRsets of each section with where their owner names come from. Fixed capacity,
// filled on the query path without allocating.
#pragma once

#include <array>
#include <cstdint>

#include "nines/dnsd/zone_table.h"
#include "nines/policy/select.h"

namespace nines::dnsd {

enum class OwnerKind : std::uint8_t {
  QnameSuffix,      // a pointer into the question name at `offset` (0: the name itself)
  LastCnameTarget,  // a pointer to the target of the CNAME written just before
  AtApex,           // the RRset's own labels below the apex, then a pointer to the apex
};

struct PlanEntry {
  const RRset* rrset = nullptr;
  OwnerKind owner = OwnerKind::QnameSuffix;
  std::uint8_t offset = 0;
  bool required = false;  // additional only: TC when it does not fit (in-domain glue)
  bool dynamic = false;   // the policy's addresses (AnswerPlan::decision) instead of `rrset`
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

struct AnswerPlan {
  std::uint16_t rcode = 0;  // may be an extended RCODE (BADVERS)
  bool authoritative = false;
  // Offset of the zone apex inside the question name, for pointers to the apex.
  std::uint8_t apex_offset = 0;
  std::uint8_t ecs_scope = 0;
  PlanSection<16> answer;
  PlanSection<2> authority;
  PlanSection<32> additional;
  // A service answer: the plan, the decision and the record type (A or AAAA) it renders.
  const policy::ServicePlan* service = nullptr;
  policy::Decision decision;
  std::uint16_t dynamic_type = 0;

  void reset() noexcept {
    rcode = 0;
    authoritative = false;
    apex_offset = 0;
    ecs_scope = 0;
    answer.size = 0;
    authority.size = 0;
    additional.size = 0;
    service = nullptr;
  }
};

}  // namespace nines::dnsd
