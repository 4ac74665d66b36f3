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
  // A wire-form name in presentation form; octets that would break the key=value text are
  // written as \DDD (RFC 1035 §5.1).
  void putName(std::string_view wire) noexcept {
    std::size_t pos = 0;
    while (pos < wire.size()) {
      const auto length = static_cast<std::uint8_t>(wire[pos++]);
      if (length == 0) break;
      const std::string_view label = wire.substr(pos, length);
      if (std::all_of(label.begin(), label.end(), plain)) {  // the common case: one copy
        put(label);
        pos += label.size();
        put('.');
        continue;
      }
      for (std::size_t i = 0; i < length && pos < wire.size(); ++i, ++pos) {
        const auto c = static_cast<unsigned char>(wire[pos]);
        if (c <= ' ' || c >= 0x7f || c == '.' || c == '\\' || c == '=' || c == ',') {
          put('\\');
          put(static_cast<char>('0' + c / 100));
          put(static_cast<char>('0' + c / 10 % 10));
          put(static_cast<char>('0' + c % 10));
        } else {
          put(static_cast<char>(c));
        }
      }
      put('.');
    }
    if (size_ == 0 || out_[size_ - 1] != '.') put('.');
  }
  std::size_t size() const noexcept { return size_; }

 private:
  static bool plain(char octet) noexcept {
    const auto c = static_cast<unsigned char>(octet);
    return c > ' ' && c < 0x7f && c != '.' && c != '\\' && c != '=' && c != ',';
  }
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
  text.putName(service.owner.wire());
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
