#include "nines/probers/rise_fall.h"

namespace nines::probers {

const char* stateName(TargetState state) noexcept {
  switch (state) {
    case TargetState::Up:
      return "up";
    case TargetState::Down:
      return "down";
    case TargetState::Unknown:
      break;
  }
  return "unknown";
}

bool RiseFall::observe(bool ok) noexcept {
  if (state_ == TargetState::Unknown) {
    // The first result decides at once: waiting for `rise` results would leave a fresh prober
    // unable to vote for rise * interval seconds.
    state_ = ok ? TargetState::Up : TargetState::Down;
    successes_ = failures_ = 0;
    return true;
  }
  if (ok) {
    failures_ = 0;
    if (state_ == TargetState::Down && ++successes_ >= rise_) {
      state_ = TargetState::Up;
      successes_ = 0;
      return true;
    }
    return false;
  }
  successes_ = 0;
  if (state_ == TargetState::Up && ++failures_ >= fall_) {
    state_ = TargetState::Down;
    failures_ = 0;
    return true;
  }
  return false;
}

}  // namespace nines::probers
