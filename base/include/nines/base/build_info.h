// What this binary is, for nines_build_info on both daemons' /metrics.
#pragma once

#include <string>

namespace nines::base {

// The project version CMake was configured with ("unknown" outside a CMake build).
const char* buildVersion() noexcept;
// The compiler and its version, e.g. "gcc 12.2.0".
std::string buildCompiler();

}  // namespace nines::base
