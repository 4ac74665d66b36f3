// The whole configuration of a dnsd, loaded and validated off the query path before anything of it
// is served: dnsd.toml, the zone files it names, the geo database (opened), the config digest and
// the digest the nameserver was deployed with. The initial load, every reload (SIGHUP,
// POST /v1/reload) and `ninesctl check --config` go through here.
//
// What an error does (README "Reloading"):
//   - in dnsd.toml, a zones path that is not there, or a geo database that cannot be opened:
//     `errors`; a reload then changes
//     nothing at all (the running configuration, zones and locator keep serving);
//   - in a zone file: `zones.errors`; that zone keeps its last good version, every other change
//     applies, and the reload counts as failed (so it is seen and fixed).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "nines/base/diagnostic.h"
#include "nines/dnsd/control/config.h"
#include "nines/dnsd/control/geo_database_watch.h"
#include "nines/policy/location.h"
#include "nines/zones/loader.h"

namespace nines::dnsd {

struct Configuration {
  Config config;
  base::Diagnostics errors;  // dnsd.toml and geo database: nothing of this configuration applies
  zones::LoadResult zones;   // the zones that loaded and the zone files' errors
  std::shared_ptr<const policy::ClientLocator> locator;  // [geo.nets] and the database, opened
  std::string digest;                 // configDigest(); empty when a file could not be read
  std::string expected_digest;        // the digest_file's content; empty: none or unreadable
  std::vector<std::string> warnings;  // e.g. a digest_file that cannot be read
  std::vector<FileStamp> geo_stamps;  // the database files before they were opened ([geo] watch)
};

// dnsd.toml at `path`, then completeConfiguration().
Configuration loadConfiguration(const std::string& path);
// The zones, the locator and the digests of an already parsed dnsd.toml.
Configuration completeConfiguration(Config config);

// SHA-256 (hex) over dnsd.toml, every zone file and the geo database, each framed with a name
// independent of where the files lie ("dnsd.toml", "zones/NAME.toml", "geo/NAME.mmdb") and its
// length, in name order: two nameservers with the same files show the same digest wherever they
// keep them. Empty, with `error`, when a file cannot be read. A zone file among `loaded` (by its
// path) is digested from the text the loader read rather than read again.
std::string configDigest(const Config& config, const std::vector<zones::Zone>& loaded,
                         std::string* error);

// The settings `next` changes against `running` that only a restart applies (listen addresses,
// threads, the HTTP listen addresses, udp_payload, switching between the embedded prober
// and remote probers, report_ttl with the embedded prober), each as "[section] key".
std::vector<std::string> restartRequired(const Config& running, const Config& next);
// `next`, with the restart-only settings of `running`: what a reload puts in force.
Config applicableConfig(const Config& running, Config next);

}  // namespace nines::dnsd
