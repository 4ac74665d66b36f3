#include "nines/dnsd/health/health_change_log.h"

#include <unordered_set>

namespace nines::dnsd {

namespace {

std::string regionLine(const StateChange& change) {
  std::string what;
  if (change.from == "up") {
    what = "out of answers";
  } else if (change.to == "up") {
    what = "back in answers";
  } else {
    what = change.from + " -> " + change.to;
  }
  return "health: " + change.service + " region " + change.region + " " + what + " (" +
         change.reason + ")";
}

}  // namespace

std::vector<std::string> describeHealthChanges(const std::vector<StateChange>& changes) {
  std::vector<std::string> lines;
  std::size_t more = 0;
  auto add = [&](std::string line) {
    if (lines.size() < kMaxHealthChangeLines) {
      lines.push_back(std::move(line));
    } else {
      ++more;
    }
  };
  std::unordered_set<std::string> targets_told;
  for (const StateChange& change : changes) {
    if (change.kind == ChangeKind::Region) {
      add(regionLine(change));
    } else if (change.kind == ChangeKind::Endpoint) {
      const std::string who = !change.target.empty()
                                  ? change.target
                                  : change.service + " " + change.region + " " + change.endpoint;
      if (!targets_told.insert(who).second) continue;
      add("health: " + who + " " + change.from + " -> " + change.to +
          (change.reason.empty() ? "" : " (" + change.reason + ")"));
    }
  }
  if (more > 0) {
    lines.push_back("health: " + std::to_string(more) + " more change(s) in this publication");
  }
  return lines;
}

}  // namespace nines::dnsd
