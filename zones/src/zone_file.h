// One TOML zone file read into a Zone (the contract in DESIGN.md, "Files"). Private to the loader.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "nines/base/diagnostic.h"
#include "nines/zones/name.h"
#include "nines/zones/zone.h"

namespace nines::zones {

struct ZoneFileResult {
  std::optional<Zone> zone;    // set only when the file has no error at all
  std::optional<Name> origin;  // set whenever the origin itself is valid, to find duplicate zones
  base::SourceLocation origin_where;
  base::Diagnostics errors;  // sorted by line and column
};

// Reads, parses and validates the zone file at `path`. Never throws.
ZoneFileResult readZoneFile(const std::string& path);
// The same for the content `text` of the file at `path`.
ZoneFileResult readZoneText(const std::string& path, std::shared_ptr<const std::string> text,
                            NetsTexts nets_texts = {});
// readZoneText with TOML++ alone, without the scanner of [records] (records_scanner.h).
ZoneFileResult readZoneTextByToml(const std::string& path, std::shared_ptr<const std::string> text);

}  // namespace nines::zones
