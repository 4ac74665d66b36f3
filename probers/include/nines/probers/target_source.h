// Where the prober daemon's targets come from: the zone files, or a dnsd's GET /v1/checks.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "nines/probers/check_target.h"

namespace nines::probers {

struct TargetLoad {
  std::vector<CheckTarget> targets;
  base::Diagnostics errors;    // zone errors: the load failed, `targets` is empty
  base::Diagnostics refusals;  // allow_nets refusals: those targets are left out, the rest kept
};

// The zone files at `path` (a directory or one file), every target buildTargets() makes of them.
TargetLoad loadTargetsFromZones(const std::string& path,
                                const std::vector<zones::Cidr>& allow_nets);

// GET `base_url`/v1/checks (at most `timeout` seconds), decoded. nullopt with `error` set when
// the request fails, the status is not 200 or the body does not decode.
std::optional<std::vector<CheckTarget>> fetchTargets(const std::string& base_url, double timeout,
                                                     std::string* error);

}  // namespace nines::probers
