#include "nines/dnsd/health/sequence_file.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
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
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out << text;
    out.close();
    if (!out) {
      if (error) *error = "cannot write " + temporary + ": " + std::strerror(errno);
      return false;
    }
  }
  // The rename replaces the old file whole; a reader (dnsd's next start) sees the old or the new.
  std::error_code failed;
  std::filesystem::rename(temporary, path, failed);
  if (failed) {
    if (error) *error = "cannot rename " + temporary + " to " + path + ": " + failed.message();
    return false;
  }
  return true;
}

}  // namespace nines::dnsd
