// The GeoIP database keys of dnsd.toml's [geo] ([geo.nets] is read in config.cc), all applied by
// a reload:
//
//   [geo]
//   database = "GeoLite2-City.mmdb"        # one file (relative to dnsd.toml), and/or
//   databases = ["v4.mmdb", "v6.mmdb"]     # several, asked in order after `database`: the
//                                          #   first with an entry for the address decides
//   cache_entries = 262144                 # networks the lookup cache keeps; 0: none
//   watch = true                           # reload when a database file changes on disk
//   [geo.fields]                           # where each field is in a record; "": not read
//   country = "country_code"               # defaults: GeoIP2 City's "country.iso_code",
//   latitude = "latitude"                  #   "continent.code", "location.latitude",
//   longitude = "longitude"                #   "location.longitude", and ASN's
//                                          #   "autonomous_system_number"
#pragma once

#include <toml++/toml.h>

#include <filesystem>
#include <string>

#include "nines/base/diagnostic.h"
#include "nines/dnsd/control/config.h"

namespace nines::dnsd {

// Reads the database keys of `geo` (the [geo] table) into `config`, every problem in `errors`.
void loadGeoDatabases(const toml::table& geo, const std::string& file,
                      const std::filesystem::path& base, GeoConfig& config,
                      base::Diagnostics& errors);

}  // namespace nines::dnsd
