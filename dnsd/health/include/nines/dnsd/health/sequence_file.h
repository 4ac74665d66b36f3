// The last accepted report sequence number of each prober, kept in a small JSON file under
// [server] state_dir so that a report captured before a restart is still a replay after it
// (ReportIngest refuses seq <= the last accepted). Written whole to a temporary file in the same
// directory and renamed over the old one, so a crash leaves the old file or the new, never half
// of one.
//
//   {"version": 1, "probers": {"eu-1": 1764094000123, "us-1": 1764094000456}}
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace nines::dnsd {

using ProberSequences = std::map<std::string, std::uint64_t>;

// Reads `path` into `out`. A file that is not there yet is no error (out is left empty); one that
// cannot be read or is not the format above is (with the reason in *error).
bool readSequenceFile(const std::string& path, ProberSequences& out, std::string* error);

// Writes `sequences` to `path` by write-then-rename. False, with the reason in *error, when the
// file could not be written; the old one is then left as it was. (No fsync: the file guards
// against a dnsd restart, and a power cut that leaves it unreadable leaves the start-time rule of
// report_ingest.h, and an error in the log.)
bool writeSequenceFile(const std::string& path, const ProberSequences& sequences,
                       std::string* error);

}  // namespace nines::dnsd
