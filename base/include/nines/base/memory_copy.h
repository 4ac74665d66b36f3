// A private copy of a file in memory, for readers that can only open files by path
// (libmaxminddb): they open the copy, and the file itself can then be rewritten in place,
// truncated or removed without taking what they mapped away from them.
#pragma once

#include <optional>
#include <string>

namespace nines::base {

class MemoryCopy {
 public:
  // The file at `path` copied into memory of its own (a memfd); nullopt when it cannot be read
  // or no such memory can be had (errno says why). A file that shrinks while it is copied gives
  // what was there.
  static std::optional<MemoryCopy> of(const std::string& path) noexcept;

  MemoryCopy(MemoryCopy&& other) noexcept;
  MemoryCopy& operator=(MemoryCopy&& other) noexcept;
  MemoryCopy(const MemoryCopy&) = delete;
  MemoryCopy& operator=(const MemoryCopy&) = delete;
  ~MemoryCopy();

  // A path that opens the copy while this object lives ("/proc/self/fd/N"). What was mapped from
  // it stays when this object is gone.
  const std::string& path() const noexcept { return path_; }

 private:
  explicit MemoryCopy(int fd);
  int fd_ = -1;
  std::string path_;
};

}  // namespace nines::base
