#include "nines/base/memory_copy.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

namespace nines::base {

std::optional<MemoryCopy> MemoryCopy::of(const std::string& path) noexcept {
  const int in = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) return std::nullopt;
  struct stat info {};
  int out = fstat(in, &info) == 0 ? memfd_create("nines-file-copy", MFD_CLOEXEC) : -1;
  for (off_t left = info.st_size; out >= 0 && left > 0;) {
    const ssize_t copied = sendfile(out, in, nullptr, static_cast<std::size_t>(left));
    if (copied == 0) break;  // shorter than it was a moment ago
    if (copied < 0 && errno == EINTR) continue;
    if (copied < 0) {
      const int saved = errno;
      ::close(out);
      out = -1;
      errno = saved;
      break;
    }
    left -= copied;
  }
  const int saved = errno;
  ::close(in);
  errno = saved;
  if (out < 0) return std::nullopt;
  try {
    return MemoryCopy(out);
  } catch (...) {  // the path's allocation
    ::close(out);
    return std::nullopt;
  }
}

MemoryCopy::MemoryCopy(int fd) : fd_(fd), path_("/proc/self/fd/" + std::to_string(fd)) {}

MemoryCopy::MemoryCopy(MemoryCopy&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), path_(std::move(other.path_)) {}

MemoryCopy& MemoryCopy::operator=(MemoryCopy&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    path_ = std::move(other.path_);
  }
  return *this;
}

MemoryCopy::~MemoryCopy() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace nines::base
