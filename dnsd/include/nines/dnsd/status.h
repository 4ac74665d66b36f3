// GET /v1/status: zones, services, regions and endpoints with their state and why.
#pragma once

#include <string>
#include <vector>

#include "nines/dnsd/health_state.h"
#include "nines/dnsd/serving_state.h"

namespace nines::dnsd {

std::string renderStatus(const ServingState& state, const std::vector<std::string>& drains);
// "service www region eu-west of example.test." style text for logs.
std::string describe(const HealthSelector& selector);

}  // namespace nines::dnsd
