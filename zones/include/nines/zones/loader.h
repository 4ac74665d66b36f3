// Loading TOML zone files (the contract in DESIGN.md, "Files"). A load reports every problem at
// once; a zone with any error is left out, the others are returned.
#pragma once

#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "nines/base/diagnostic.h"
#include "nines/zones/zone.h"

namespace nines::zones {

struct LoadResult {
  std::vector<Zone> zones;   // the zones that validated, sorted by origin
  base::Diagnostics errors;  // every problem, in file order; empty when all is well
};

// One zone file.
LoadResult loadZoneFile(const std::string& path);
// One zone file whose content is `text` (as read from `path` earlier: Zone::text); `path` is
// where errors point and what the zone's `file` says.
// `nets_texts` (Zone::nets_texts): nets files to read from instead of the disk.
LoadResult loadZoneText(const std::string& path, std::shared_ptr<const std::string> text,
                        NetsTexts nets_texts = {});
// The zone files loadZoneDirectory() reads: every regular *.toml directly in `directory` whose
// name does not start with a dot (editors' lock and backup files), in name order. Sets `error`
// when the directory cannot be read.
std::vector<std::string> zoneFilesIn(const std::string& directory, std::error_code& error);
// Every *.toml directly in `directory`, in name order; also rejects two files with one origin.
LoadResult loadZoneDirectory(const std::string& directory);
// A directory or a single file, whichever `path` is.
LoadResult loadZones(const std::string& path);

}  // namespace nines::zones
