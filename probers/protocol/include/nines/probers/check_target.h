// What a prober probes: one (zone, check, endpoint) triple from the zone files, with the address
// and port actually connected to. Built at load time (STYLE rule 10), never from a query.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "nines/base/diagnostic.h"
#include "nines/zones/ip.h"
#include "nines/zones/zone.h"

namespace nines::probers {

struct CheckTarget {
  // "zone|check|endpoint", e.g. "gslb.example.test.|web|127.0.0.11": the key reports and dnsd's
  // vote table use. Stable across reloads while the three stay the same.
  std::string id;
  std::string zone;           // origin, presentation form with the final dot
  zones::Check check;         // the [checks.NAME] definition
  zones::IpAddress endpoint;  // the served address the result is about
  zones::IpAddress address;   // where to connect: check.target if set, else the endpoint
  std::uint16_t port = 0;     // check.target_port if set, else check.port
  std::string host;           // Host header / SNI: check.host if set, else the first service
                              // name (owner) that uses this check for this endpoint
};

// Every target of every service that names a check, deduplicated by id. Endpoints whose connect
// address falls outside `allow_nets` (when non-empty) are refused with an error each
// ("probe of 203.0.113.10 refused: not in [health] allow_nets") and left out.
std::vector<CheckTarget> buildTargets(const std::vector<zones::Zone>& zones,
                                      const std::vector<zones::Cidr>& allow_nets,
                                      base::Diagnostics* errors);

// The targets whose connect address lies in `allow_nets` (all of them when it is empty); each one
// left out adds "ID: probe of ADDRESS refused: not in [health] allow_nets (NETS)" to `refusals`.
// For lists that did not come from zone files (a dnsd's /v1/checks), where buildTargets() did not
// apply the guard.
std::vector<CheckTarget> filterTargets(std::vector<CheckTarget> targets,
                                       const std::vector<zones::Cidr>& allow_nets,
                                       std::vector<std::string>* refusals);

// GET /v1/checks on dnsd: the targets as JSON, so remote probers need no zone files.
// The body is {"targets": [{"id", "zone", "endpoint", "address", "port", "host", "check": {every
// zones::Check field by its name; "target" an address string or null, "query" a name in
// presentation form, "query_type" a number, "where" {"file", "line", "column"}}}]}.
// decodeTargets() checks every type and range and returns nullopt with `error` set otherwise.: the
// targets as JSON, so remote probers need no zone files.
std::string encodeTargets(const std::vector<CheckTarget>& targets);
std::optional<std::vector<CheckTarget>> decodeTargets(std::string_view json, std::string* error);

std::string targetId(const std::string& zone, const std::string& check,
                     const zones::IpAddress& endpoint);

}  // namespace nines::probers
