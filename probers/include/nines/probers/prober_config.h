// prober.toml, the `prober` daemon's configuration (DESIGN.md "Files"):
//   id = "eu-1"                            # required: 1 to 64 letters, digits, '.', '_', '-'
//   region = "eu-west"                     # required: same alphabet
//   location = [53.3, -6.3]                # optional [latitude, longitude], sent in reports
//   key = "BASE64"                         # required: at least 16 bytes once decoded
//   dnsd = ["http://127.0.0.1:8053"]       # required: every dnsd's HTTP API, each sent reports
//   zones = "zones"                        # checks from zone files (a directory or one file,
//                                          # relative to this file) ...
//   checks_from = "http://127.0.0.1:8053"  # ... or from a dnsd's GET /v1/checks (one of the two)
//   checks_refresh = 10.0                  # seconds between fetches of /v1/checks
//   report_interval = 1.0                  # seconds between reports
//   metrics_listen = "127.0.0.1:9154"      # GET /metrics here; absent or "": no metrics server
//   [health]
//   allow_nets = ["127.0.0.0/8"]           # probe only addresses inside these; default: any
//   [log]
//   format = "text"                        # or "json": one JSON object per line
//   level = "info"                         # debug, info, warning, error
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "nines/base/diagnostic.h"
#include "nines/base/log.h"
#include "nines/zones/ip.h"
#include "nines/zones/zone.h"

namespace nines::probers {

struct ProberConfig {
  std::string file;
  std::string id;
  std::string region;
  std::optional<zones::GeoPoint> location;
  std::string key;                // the decoded key bytes; never logged
  std::vector<std::string> dnsd;  // base URLs without a trailing '/'
  std::string zones;              // resolved against the config file's directory; empty: none
  std::string checks_from;        // base URL; empty: none
  double checks_refresh = 10.0;
  double report_interval = 1.0;
  std::vector<zones::Cidr> allow_nets;  // empty: every address may be probed
  std::string metrics_host;             // metrics_listen's address; empty: no metrics server
  std::uint16_t metrics_port = 0;       // 0: the kernel picks one
  base::LogSettings log;                // [log]
};

struct ProberConfigResult {
  ProberConfig config;
  base::Diagnostics errors;  // every problem, "file:line:col: message"; empty when usable
};

ProberConfigResult loadProberConfig(const std::string& path);

// "http://HOST[:PORT][/PATH]" or https, without spaces; returns it without a trailing '/', or
// nullopt.
std::optional<std::string> normalizeBaseUrl(const std::string& text);

}  // namespace nines::probers
