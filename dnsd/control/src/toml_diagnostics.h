// What the readers of dnsd.toml's tables (config.cc, query_log_config.cc, rate_limit_config.cc)
// share: a problem placed at its TOML source as file:line:col, and the check for keys a table
// does not have.
#pragma once

#include <toml++/toml.h>

#include <set>
#include <string>

#include "nines/base/diagnostic.h"

namespace nines::dnsd {

inline base::Diagnostic at(const std::string& file, const toml::source_region& region,
                           std::string message) {
  return {{file, region.begin.line, region.begin.column}, std::move(message)};
}

// An error for every key of `table` not in `known`: "unknown key "K" in WHERE" at the key.
inline void rejectUnknownKeys(const toml::table& table, const std::set<std::string>& known,
                              const std::string& where, const std::string& file,
                              base::Diagnostics& errors) {
  for (const auto& [key, value] : table) {
    if (!known.count(std::string(key.str()))) {
      errors.push_back(
          at(file, key.source(), "unknown key \"" + std::string(key.str()) + "\" in " + where));
    }
  }
}

}  // namespace nines::dnsd
