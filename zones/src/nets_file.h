// A nets file: a service's geo nets kept beside the zone file, one network per line, for tables
// of hundreds of thousands of networks (a GeoIP export) that TOML would make slow to load and
// heavy to hold (DESIGN.md's [services.X.geo] `nets`, extended: zones/README.md).
//
//   # CIDR           regions, most preferred first
//   192.0.2.0/24     us-east eu-west
//   2001:db8::/32    eu-west
//
// Fields are separated by spaces, tabs or commas; `#` starts a comment; blank lines are skipped.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "nines/base/diagnostic.h"
#include "nines/zones/ip.h"

namespace nines::zones {

struct NetsFileLine {
  Cidr cidr;
  std::vector<std::string_view> regions;  // views into the text read
  std::uint32_t line = 0;
  std::vector<std::uint32_t> columns;  // 1-based: the CIDR's, then each region's
};

// `name` as written in the zone file at `zone_file`: relative to the zone file's directory.
std::string netsFilePath(const std::string& zone_file, const std::string& name);

// Hands each line of `text` (the content of `path`) that holds a network to `accept`, in file
// order (one NetsFileLine, reused: a million lines are not a million allocations); a line whose
// CIDR does not parse or that names no region is reported at path:line:column instead.
void parseNetsFile(const std::string& path, std::string_view text, base::Diagnostics& errors,
                   const std::function<void(const NetsFileLine&)>& accept);

}  // namespace nines::zones
