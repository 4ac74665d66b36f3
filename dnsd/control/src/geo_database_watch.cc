#include "nines/dnsd/control/geo_database_watch.h"

#include <sys/stat.h>

namespace nines::dnsd {

FileStamp stampOf(const std::string& path) {
  FileStamp stamp;
  stamp.path = path;
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return stamp;
  stamp.exists = true;
  stamp.device = st.st_dev;
  stamp.inode = st.st_ino;
  stamp.size = st.st_size;
  stamp.modified_ns = std::int64_t{st.st_mtim.tv_sec} * 1000000000 + st.st_mtim.tv_nsec;
  return stamp;
}

std::vector<FileStamp> stampsOf(const std::vector<std::string>& paths) {
  std::vector<FileStamp> stamps;
  stamps.reserve(paths.size());
  for (const std::string& path : paths) stamps.push_back(stampOf(path));
  return stamps;
}

void GeoDatabaseWatch::loaded(std::vector<FileStamp> stamps) {
  std::lock_guard lock(mutex_);
  loaded_ = std::move(stamps);
  seen_.clear();
}

std::string GeoDatabaseWatch::changed() {
  std::lock_guard lock(mutex_);
  if (loaded_.empty()) return "";
  std::vector<FileStamp> now;
  now.reserve(loaded_.size());
  for (const FileStamp& stamp : loaded_) now.push_back(stampOf(stamp.path));
  if (now == loaded_) {
    seen_.clear();
    return "";
  }
  if (now != seen_) {  // changing still, or just changed: look again at the next check
    seen_ = std::move(now);
    return "";
  }
  for (std::size_t i = 0; i < now.size(); ++i) {
    if (!(now[i] == loaded_[i])) {
      std::string path = now[i].path;
      loaded_ = std::move(now);
      seen_.clear();
      return path;
    }
  }
  return "";
}

}  // namespace nines::dnsd
