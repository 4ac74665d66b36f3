// Which policy outcome a client got, as the text Nines puts in each logged response's dnstap
// `extra` field:
//
//   service=www.example.test. regions=eu-west,us-east outcome=spillover
//
// space-separated key=value pairs, keys in this order, `regions` listing the region of each
// answered address in answer order without repeats. outcome: why the answer came from where it
// did, the label nines_decisions_total counts it under (policy::DecisionOutcome: primary,
// spillover, fallback, fail_open, drained_skip, slow_start_skip, unanswered). Static answers (no
// policy) carry no extra. The service is its owner name in presentation form, as explain, the
// metrics and the status page write it (RFC 1035 §5.1 escapes, so never a space); region names
// are zone-file keys, which hold no spaces.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "nines/dnsd/serve/lookup.h"

namespace nines::dnsd::querylog {

// Largest text formatPolicyOutcome() writes: a 255-octet name in presentation form (each octet
// at most 4 characters) plus kMaxAnswers region names, each cut at kMaxRegionText.
inline constexpr std::size_t kMaxOwnerText = 4 * 255;
inline constexpr std::size_t kMaxRegionText = 63;
inline constexpr std::size_t kMaxOutcomeText =
    64 + kMaxOwnerText + policy::kMaxAnswers * (kMaxRegionText + 1);

// Writes the outcome of the service answer `policy` holds (lookUp() filled it) into `out`
// (kMaxOutcomeText octets); returns its length, 0 when no policy answered. Allocates nothing:
// the service's name is the plan's owner_text.
std::size_t formatPolicyOutcome(const PolicyContext& policy, char* out) noexcept;

struct PolicyOutcome {
  std::string service;
  std::vector<std::string> regions;
  std::string outcome;
};

// Reads the text back (ninesctl replay); nullopt when `extra` has no service.
std::optional<PolicyOutcome> parsePolicyOutcome(std::string_view extra);

}  // namespace nines::dnsd::querylog
