// Notices a GeoIP database file changed on disk (replaced by an updater, or rewritten in place),
// so that the server reloads (README "GeoIP databases"). Checked from the main loop, once a
// second: a stat() per file, off the query path.
//
// A file is compared with its stamp (device, inode, size, modification time) taken when the
// running databases were loaded. A change is acted on once the file has stayed the same over one
// check, so a file still being copied in is not opened half-written; and once acted on, it is
// not acted on again until it changes again (a database that fails to open is not retried every
// second: the old one keeps serving, and the next change is tried).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <ctime>
#include <mutex>
#include <string>
#include <vector>

namespace nines::dnsd {

struct FileStamp {
  std::string path;
  bool exists = false;
  dev_t device = 0;
  ino_t inode = 0;
  off_t size = 0;
  std::int64_t modified_ns = 0;
  bool operator==(const FileStamp&) const = default;
};

FileStamp stampOf(const std::string& path);
std::vector<FileStamp> stampsOf(const std::vector<std::string>& paths);

class GeoDatabaseWatch {
 public:
  // The files the last load (or failed reload) opened, stamped before they were opened; empty:
  // nothing to watch.
  void loaded(std::vector<FileStamp> stamps);
  // Stats the files: the path of one that changed and has settled, or "" when none has (or none
  // is watched). Returning a path acknowledges the change.
  std::string changed();

 private:
  std::mutex mutex_;
  std::vector<FileStamp> loaded_;
  std::vector<FileStamp> seen_;  // at the last check, when it differed from `loaded_`
};

}  // namespace nines::dnsd
