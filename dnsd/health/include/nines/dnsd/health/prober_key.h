// A remote prober dnsd takes reports from, as dnsd.toml's [[health.probers]] lists it.
#pragma once

#include <string>

namespace nines::dnsd {

struct ProberKey {
  std::string id;
  std::string key;  // the raw key bytes (base64-decoded); never logged, never shown
};

}  // namespace nines::dnsd
