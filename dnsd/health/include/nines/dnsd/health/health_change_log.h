// The operator log's health lines: one per region that entered or left the answers and one per
// check target whose endpoint state changed, each with the reason the view gives, written when a
// view is published (never per query). They are the same changes the status page lists
// (viewChanges()), worded for a log. A mass event (a prober losing its network) changes thousands
// of endpoints at once: past kMaxHealthChangeLines the rest are counted in one closing line, so
// the log stays readable and bounded.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "nines/dnsd/health/state_change_log.h"

namespace nines::dnsd {

inline constexpr std::size_t kMaxHealthChangeLines = 50;

// The lines for `changes` (from viewChanges()), e.g.
//   "health: www.live.example.test. region eu-west out of answers (0/1 endpoints up or unknown,
//    min_up 1)"
//   "health: live.example.test.|web|127.0.0.22 up -> down (connect: Connection refused)"
// An endpoint checked by one target for several services is one line. Empty when nothing
// changed.
std::vector<std::string> describeHealthChanges(const std::vector<StateChange>& changes);

}  // namespace nines::dnsd
