// A fast reader for the plain lines of a zone file's [records] table, `owner = ["TYPE RDATA", ...]`
// on one line, which are nearly all of a large zone. TOML++ builds a node per value and frees it
// again; for 100,000 names that was most of the load. Anything outside the plain form is left to
// TOML++ (the loader parses the rest of the file with it), and the loader falls back to TOML++ for
// the whole file whenever the two parts could disagree, so the result and every diagnostic are
// TOML++'s. Exposed for the tests that hold the two to the same answer.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "nines/zones/loader.h"

namespace nines::zones {

struct ScannedRecords {
  struct Value {
    std::uint32_t line = 0, column = 0;  // of the opening quote, as TOML++ reports it
    std::uint32_t offset = 0, size = 0;  // the decoded string in `strings`
  };
  struct Entry {
    std::string_view key;  // decoded; a view of the scanned text (keys with escapes are not plain)
    std::uint32_t line = 0, column = 0;              // of the key's first character
    std::uint32_t first_value = 0, value_count = 0;  // in `values`
  };
  bool used = false;            // false: no plain [records] lines; `rest` is empty, use the text
  std::vector<Entry> entries;   // in file order
  std::vector<Value> values;    // every entry's strings, in file order
  std::string strings;          // the decoded strings, back to back
  std::string rest;             // the text with the scanned lines emptied (newlines kept)
  bool duplicate_keys = false;  // two scanned lines had one key: let TOML++ report it
  std::unordered_set<std::string_view> keys;  // of `entries`

  std::string_view value(const Value& v) const { return {strings.data() + v.offset, v.size}; }
};

// Scans `text` (a zone file) for the [records] table's plain lines. The caller parses `rest` with
// TOML++ and must parse `text` whole instead if that fails, if `duplicate_keys` is set, or if its
// [records] table has a key of `entries` (a conflict TOML++ would have reported).
ScannedRecords scanRecords(std::string_view text);

// The zone in `text` read with TOML++ alone, no scanner: the reference the scanner is tested
// against (loadZoneText's result must equal this one, records, locations and errors alike).
LoadResult loadZoneTextByToml(const std::string& path, std::shared_ptr<const std::string> text);

}  // namespace nines::zones
