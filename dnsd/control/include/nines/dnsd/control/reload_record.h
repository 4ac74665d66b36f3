// What the last loads and reloads came to, for GET /v1/status, /metrics and the status page.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace nines::dnsd {

struct ReloadRecord {
  std::uint64_t successes = 0;  // loads and reloads that applied with no error (the first load too)
  std::uint64_t failures = 0;  // reloads that changed nothing, or kept a failed file's last version
  bool last_ok = true;         // the last attempt's result
  double last_attempt_time = 0;               // wall-clock seconds; 0: never
  double last_success_time = 0;               // wall-clock seconds; 0: never
  std::vector<std::string> errors;            // the last attempt's, "file:line:col: message"
  std::vector<std::string> restart_required;  // settings the last reload changed but cannot apply
  std::string config_digest;    // of what is being served now (dnsd.toml, zone files, geo data)
  std::string expected_digest;  // what this nameserver was deployed with; empty: not known
};

}  // namespace nines::dnsd
