#include "nines/base/build_info.h"

#ifndef NINES_VERSION
#define NINES_VERSION "unknown"
#endif

namespace nines::base {

const char* buildVersion() noexcept { return NINES_VERSION; }

std::string buildCompiler() {
#if defined(__clang__)
  return std::string("clang ") + __clang_version__;
#elif defined(__GNUC__)
  return std::string("gcc ") + __VERSION__;
#else
  return "unknown";
#endif
}

}  // namespace nines::base
