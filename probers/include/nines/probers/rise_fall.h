// Per-target hysteresis (Envoy / gdnsd style). One worked scenario, rise = 2, fall = 3:
//   start: Unknown. ok -> Up at once (the first result decides; no undefined start-up window).
//   Up: fail, fail -> still Up (2 < fall); fail -> Down (3 consecutive failures).
//   Down: ok -> still Down; ok -> Up (2 consecutive successes). A failure resets the success run.
#pragma once

#include <cstdint>

namespace nines::probers {

enum class TargetState : std::uint8_t { Unknown, Up, Down };

// "unknown", "up", "down".
const char* stateName(TargetState state) noexcept;

class RiseFall {
 public:
  RiseFall(std::uint32_t rise, std::uint32_t fall) noexcept
      : rise_(rise ? rise : 1), fall_(fall ? fall : 1) {}
  // Feeds one check result; returns true when the state changed.
  bool observe(bool ok) noexcept;
  TargetState state() const noexcept { return state_; }
  // New thresholds (a reloaded check); the state and the current runs are kept.
  void reconfigure(std::uint32_t rise, std::uint32_t fall) noexcept {
    rise_ = rise ? rise : 1;
    fall_ = fall ? fall : 1;
  }

 private:
  std::uint32_t rise_, fall_;
  std::uint32_t successes_ = 0, failures_ = 0;
  TargetState state_ = TargetState::Unknown;
};

}  // namespace nines::probers
