// The control plane's entries in the recent state changes (health/state_change_log.h): drains and
// undrains as the operator named them, and loads and reloads with their result; and the JSON of
// the log for GET /v1/status "events".
#pragma once

#include <cstddef>
#include <nlohmann/json_fwd.hpp>
#include <vector>

#include "nines/dnsd/control/reload_record.h"
#include "nines/dnsd/health/health_selector.h"
#include "nines/dnsd/health/state_change_log.h"

namespace nines::dnsd {

// A drain (or undrain) of what `selector` names, which matched `matched` pools or endpoints.
StateChange drainChange(const HealthSelector& selector, bool drained, std::size_t matched,
                        double time);
// The load (`initial`) or reload that `record` has just recorded: "success" or "failure", with
// the first error (and how many more) or the settings that need a restart as the reason.
StateChange reloadChange(const ReloadRecord& record, bool initial);

// Each change as an object: "seq", "time", "kind", "zone", "service", "region", "endpoint" (null
// when empty), "from" (null when empty), "to", "reason".
nlohmann::json changesJson(const std::vector<StateChange>& changes);

}  // namespace nines::dnsd
