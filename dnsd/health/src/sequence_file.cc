#include "nines/dnsd/health/sequence_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace nines::dnsd {

bool readSequenceFile(const std::string& path, ProberSequences& out, std::string* error) {
  out.clear();
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (errno == ENOENT) return true;
    if (error) *error = path + ": " + std::strerror(errno);
    return false;
  }
  std::stringstream text;
  text << in.rdbuf();
  const nlohmann::json json = nlohmann::json::parse(text.str(), nullptr, false);
  const auto fail = [&](const std::string& why) {
    out.clear();
    if (error) *error = path + ": " + why;
    return false;
  };
  if (json.is_discarded() || !json.is_object()) return fail("not a JSON object");
  if (json.value("version", 0) != 1) return fail("\"version\" must be 1");
  const auto probers = json.find("probers");
  if (probers == json.end() || !probers->is_object()) return fail("\"probers\" must be an object");
  for (const auto& [id, seq] : probers->items()) {
    if (!seq.is_number_unsigned()) return fail("the seq of \"" + id + "\" must be an integer");
    out[id] = seq.get<std::uint64_t>();
  }
  return true;
}

bool writeSequenceFile(const std::string& path, const ProberSequences& sequences,
                       std::string* error) {
  nlohmann::json probers = nlohmann::json::object();
  for (const auto& [id, seq] : sequences) probers[id] = seq;
  const std::string text = nlohmann::json{{"version", 1}, {"probers", probers}}.dump() + "\n";
  const std::string temporary = path + ".tmp";
  const auto fail = [&](const std::string& what) {
    if (error) *error = what + " " + temporary + ": " + std::strerror(errno);
    return false;
  };
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return fail("cannot create");
  std::size_t written = 0;
  while (written < text.size()) {
    const ssize_t n = ::write(fd, text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int saved = errno;
      ::close(fd);
      errno = saved;
      return fail("cannot write");
    }
    written += static_cast<std::size_t>(n);
  }
  // The data reaches the disk before the name points at it: after a power cut the file is the
  // old one or the new one.
  if (::fsync(fd) != 0) {
    const int saved = errno;
    ::close(fd);
    errno = saved;
    return fail("cannot write");
  }
  if (::close(fd) != 0) return fail("cannot write");
  if (::rename(temporary.c_str(), path.c_str()) != 0) {
    if (error) *error = "cannot rename " + temporary + " to " + path + ": " + std::strerror(errno);
    return false;
  }
  return true;
}

}  // namespace nines::dnsd
