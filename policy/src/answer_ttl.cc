#include "nines/policy/answer_ttl.h"

#include <algorithm>
#include <cmath>
#include <string_view>

namespace nines::policy {

namespace {

struct UnrestWords {
  Unrest unrest;
  const char* name;
  const char* text;
};

constexpr UnrestWords kUnrestWords[] = {
    {Unrest::None, "", ""},
    {Unrest::WentDown, "went_down", "went down"},
    {Unrest::CameBack, "came_back", "came back"},
    {Unrest::Endpoints, "endpoints", "changed its usable endpoints"},
    {Unrest::Drained, "drained", "was drained"},
    {Unrest::Undrained, "undrained", "was undrained"},
    {Unrest::Ramping, "ramping", "is ramping in (slow start)"},
};

const UnrestWords& wordsOf(Unrest unrest) noexcept {
  for (const auto& words : kUnrestWords) {
    if (words.unrest == unrest) return words;
  }
  return kUnrestWords[0];
}

// Whole seconds for people, never negative.
std::string seconds(double value) {
  return std::to_string(static_cast<long long>(std::max(0.0, std::round(value)))) + " s";
}

}  // namespace

const char* unrestText(Unrest unrest) noexcept { return wordsOf(unrest).text; }
const char* unrestName(Unrest unrest) noexcept { return wordsOf(unrest).name; }

Unrest unrestFromName(const std::string& name) noexcept {
  for (const auto& words : kUnrestWords) {
    if (name == words.name) return words.unrest;
  }
  return Unrest::None;
}

ServiceStability judgeStability(const ServicePlan& plan, const RegionUnrest* regions,
                                std::size_t count, double now) noexcept {
  ServiceStability stability;
  if (!plan.ttl_unstable) return stability;
  for (std::size_t r = 0; r < count; ++r) {
    const RegionUnrest& region = regions[r];
    if (region.cause == Unrest::None && region.ramp_end <= 0) continue;
    double calm_at = region.cause == Unrest::None ? 0 : region.changed_at + plan.ttl_calm;
    Unrest cause = region.cause;
    if (region.ramp_end > calm_at) {
      calm_at = region.ramp_end;
      cause = Unrest::Ramping;
    }
    // The region that keeps the service unstable longest explains it.
    if (calm_at > now && (!stability.unstable || calm_at > stability.calm_at)) {
      stability.unstable = true;
      stability.region = static_cast<std::uint16_t>(r);
      stability.cause = cause;
      stability.changed_at = region.changed_at;
      stability.calm_at = calm_at;
    }
  }
  return stability;
}

std::string describeTtl(const ServicePlan& plan, const ServiceHealth& health, double now) {
  const std::uint32_t ttl = answerTtl(plan, health);
  std::string out = "ttl " + std::to_string(ttl);
  if (!plan.ttl_unstable) return out + " (configured; no ttl_unstable)";
  const ServiceStability& stability = health.stability;
  const std::string calm = "ttl_calm " + std::to_string(static_cast<long long>(plan.ttl_calm));
  if (!stability.unstable) {
    return out + " (steady: no region changed, ramped or was drained in the last " +
           seconds(plan.ttl_calm) + "; ttl_unstable " + std::to_string(*plan.ttl_unstable) + ")";
  }
  const std::string region = stability.region < plan.regions.size()
                                 ? plan.regions[stability.region].name
                                 : "#" + std::to_string(stability.region);
  out += " (unstable: region " + region + " ";
  if (stability.cause == Unrest::Ramping) {
    out += std::string(unrestText(stability.cause)) + " until " + seconds(stability.calm_at - now) +
           " from now";
  } else {
    out += std::string(unrestText(stability.cause)) + " " + seconds(now - stability.changed_at) +
           " ago; steady in " + seconds(stability.calm_at - now) + ", " + calm;
  }
  return out + "), configured " + std::to_string(plan.ttl);
}

}  // namespace nines::policy
