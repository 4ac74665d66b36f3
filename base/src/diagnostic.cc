#include "nines/base/diagnostic.h"

namespace nines::base {

std::string Diagnostic::toString() const {
  std::string out = where.file;
  if (where.line > 0) {
    out += ':' + std::to_string(where.line);
    if (where.column > 0) out += ':' + std::to_string(where.column);
  }
  out += ": ";
  out += message;
  return out;
}

}  // namespace nines::base
