// The prober logs through the project's one logger (nines/zones/log.h).
#pragma once

#include "nines/zones/log.h"

namespace nines::probers {

using zones::logError;
using zones::logInfo;
using zones::LogLevel;
using zones::logLine;
using zones::logWarning;

}  // namespace nines::probers
