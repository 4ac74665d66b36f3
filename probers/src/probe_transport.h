// Shared by the engine and its transports (private to nines_probe): what a finished check says.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace nines::probers::detail {

// One finished check: the token the engine gave it when it started, pass or fail, and why.
struct ProbeOutcome {
  std::uint64_t token = 0;
  bool ok = false;
  std::string reason;
};
using Outcomes = std::vector<ProbeOutcome>;

// "1.0", "0.25", "0.05": a duration as people read it in a reason.
inline std::string secondsText(double seconds) {
  char text[32];
  double tenths = seconds * 10;
  if (tenths == static_cast<double>(static_cast<long long>(tenths))) {
    std::snprintf(text, sizeof text, "%.1f", seconds);
  } else {
    std::snprintf(text, sizeof text, "%g", seconds);
  }
  return text;
}

inline std::string timeoutReason(double seconds) {
  return "timeout after " + secondsText(seconds) + " s";
}

}  // namespace nines::probers::detail
