// The serving state a dnsd.toml describes, built offline for explain and replay.
#pragma once

#include <memory>
#include <string>

#include "nines/dnsd/serve/serving_state.h"

namespace nines::ctl {

// What dnsd would serve with the zones and [geo] of `config`: every endpoint unknown (which
// policies treat as up), or as a running dnsd at `server` has them (its drains and states). Null
// with `error`; the zone files' problems are printed on stderr as they load.
std::shared_ptr<const dnsd::ServingState> servingStateOf(const std::string& config,
                                                         const std::string& server,
                                                         std::string* error);

}  // namespace nines::ctl
