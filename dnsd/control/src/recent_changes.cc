#include "recent_changes.h"

#include <cmath>
#include <nlohmann/json.hpp>
#include <string>

namespace nines::dnsd {

StateChange drainChange(const HealthSelector& selector, bool drained, std::size_t matched,
                        double time) {
  StateChange change;
  change.time = time;
  change.kind = drained ? ChangeKind::Drain : ChangeKind::Undrain;
  change.zone = selector.zone.empty() ? "" : canonicalOrigin(selector.zone);
  change.service = selector.service;
  if (!selector.service.empty() && !change.zone.empty()) change.service += "." + change.zone;
  change.region = selector.region;
  change.endpoint = selector.endpoint;
  change.to = drained ? "drained" : "undrained";
  change.reason = std::string(drained ? "drained" : "undrained") +
                  " by the API: " + describe(selector) + " (" + std::to_string(matched) +
                  " match(es))";
  return change;
}

StateChange reloadChange(const ReloadRecord& record, bool initial) {
  StateChange change;
  change.time = record.last_attempt_time;
  change.kind = ChangeKind::Reload;
  change.to = record.last_ok ? "success" : "failure";
  change.reason = initial ? "start-up load" : "reload";
  if (!record.errors.empty()) {
    change.reason += ": " + record.errors.front();
    if (record.errors.size() > 1) {
      change.reason += " (and " + std::to_string(record.errors.size() - 1) + " more)";
    }
  } else if (!record.restart_required.empty()) {
    change.reason += "; needs a restart to apply:";
    for (const auto& setting : record.restart_required) change.reason += " " + setting;
  }
  return change;
}

nlohmann::json changesJson(const std::vector<StateChange>& changes) {
  using nlohmann::json;
  auto text = [](const std::string& value) { return value.empty() ? json(nullptr) : json(value); };
  json out = json::array();
  for (const auto& change : changes) {
    out.push_back({{"seq", change.seq},
                   {"time", std::round(change.time * 1000) / 1000},
                   {"kind", changeKindName(change.kind)},
                   {"zone", text(change.zone)},
                   {"service", text(change.service)},
                   {"region", text(change.region)},
                   {"endpoint", text(change.endpoint)},
                   {"from", text(change.from)},
                   {"to", change.to},
                   {"reason", change.reason}});
  }
  return out;
}

}  // namespace nines::dnsd
