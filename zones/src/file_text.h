// A whole file read into memory: a zone file, or a nets file it names.
#pragma once

#include <string>

namespace nines::zones {

// The content of `path` into `text`; false with `reason` (strerror) when it cannot be read.
bool readFileText(const std::string& path, std::string& text, std::string& reason);

}  // namespace nines::zones
