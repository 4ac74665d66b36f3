// A problem found while loading configuration, located in its source file.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace nines::base {

struct SourceLocation {
  std::string file;
  std::uint32_t line = 0;    // 1-based; 0 when unknown
  std::uint32_t column = 0;  // 1-based; 0 when unknown
};

struct Diagnostic {
  SourceLocation where;
  std::string message;
  // "file:line:col: message" (line and column left out when unknown).
  std::string toString() const;
};

using Diagnostics = std::vector<Diagnostic>;

}  // namespace nines::base
