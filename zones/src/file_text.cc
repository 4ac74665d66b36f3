#include "file_text.h"

#include <cerrno>
#include <cstring>
#include <fstream>

namespace nines::zones {

bool readFileText(const std::string& path, std::string& text, std::string& reason) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    reason = std::strerror(errno);
    return false;
  }
  text.clear();
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  in.seekg(0, std::ios::beg);
  if (size > 0) {
    text.resize(static_cast<std::size_t>(size));
    in.read(text.data(), size);
    text.resize(static_cast<std::size_t>(in.gcount()));
  }
  if (in.bad()) {
    reason = std::strerror(errno);
    return false;
  }
  return true;
}

}  // namespace nines::zones
