#include "nines/dnsd/querylog/policy_outcome.h"

#include <algorithm>
#include <cstring>

#include "nines/policy/select.h"

namespace nines::dnsd::querylog {

namespace {

class TextOut {
 public:
  explicit TextOut(char* out) : out_(out) {}
  void put(std::string_view text) noexcept {
    std::memcpy(out_ + size_, text.data(), text.size());
    size_ += text.size();
  }
  void put(char c) noexcept { out_[size_++] = c; }
  std::size_t size() const noexcept { return size_; }

 private:
  char* out_;
  std::size_t size_ = 0;
};

}  // namespace

std::size_t formatPolicyOutcome(const PolicyContext& policy, char* out) noexcept {
  if (!policy.service) return 0;
  const policy::ServicePlan& service = *policy.service;
  const policy::Decision& decision = policy.decision;
  TextOut text(out);
  text.put("service=");
  // Presentation form (Name::toText), escapes included: it never holds a space.
  text.put(std::string_view(service.owner_text).substr(0, kMaxOwnerText));
  text.put(" regions=");
  const std::size_t regions_start = text.size();
  for (std::uint8_t i = 0; i < decision.count; ++i) {
    const std::uint16_t slot = decision.picks[i].region;
    auto same = [slot](const policy::Decision::Pick& pick) { return pick.region == slot; };
    if (slot >= service.regions.size() ||
        std::any_of(decision.picks.begin(), decision.picks.begin() + i, same))
      continue;
    if (text.size() != regions_start) text.put(',');
    const std::string& name = service.regions[slot].name;
    text.put(std::string_view(name).substr(0, kMaxRegionText));
  }
  if (text.size() == regions_start) text.put('-');
  text.put(" outcome=");
  text.put(policy::decisionOutcomeName(decision.outcome));
  return text.size();
}

std::optional<PolicyOutcome> parsePolicyOutcome(std::string_view extra) {
  PolicyOutcome outcome;
  while (!extra.empty()) {
    std::size_t end = extra.find(' ');
    std::string_view pair = extra.substr(0, end);
    extra = end == std::string_view::npos ? std::string_view() : extra.substr(end + 1);
    std::size_t equals = pair.find('=');
    if (equals == std::string_view::npos) continue;
    std::string_view key = pair.substr(0, equals), value = pair.substr(equals + 1);
    if (key == "service") {
      outcome.service = value;
    } else if (key == "outcome") {
      outcome.outcome = value;
    } else if (key == "regions" && value != "-") {
      while (!value.empty()) {
        std::size_t comma = value.find(',');
        outcome.regions.emplace_back(value.substr(0, comma));
        value = comma == std::string_view::npos ? std::string_view() : value.substr(comma + 1);
      }
    }
  }
  if (outcome.service.empty()) return std::nullopt;
  return outcome;
}

}  // namespace nines::dnsd::querylog
