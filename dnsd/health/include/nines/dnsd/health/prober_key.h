// A remote prober dnsd takes reports from, as dnsd.toml's [[health.probers]] lists it.
#pragma once

#include <string>

namespace nines::dnsd {

struct ProberKey {
  std::string id;
  std::string key;  // the raw key bytes (base64-decoded); never logged, never shown
  // During a key rotation, the key being replaced: a report signed with either is accepted, so
  // the prober can switch keys any time between two reloads of dnsd. Empty: none.
  std::string previous_key;
};

}  // namespace nines::dnsd
