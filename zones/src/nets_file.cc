#include "nets_file.h"

#include <filesystem>

namespace nines::zones {

namespace {

bool isSeparator(char c) noexcept { return c == ' ' || c == '\t' || c == ',' || c == '\r'; }

}  // namespace

std::string netsFilePath(const std::string& zone_file, const std::string& name) {
  std::filesystem::path path = name;
  if (path.is_relative()) path = std::filesystem::path(zone_file).parent_path() / path;
  return path.lexically_normal().string();
}

void parseNetsFile(const std::string& path, std::string_view text, base::Diagnostics& errors,
                   const std::function<void(const NetsFileLine&)>& accept) {
  NetsFileLine entry;
  std::uint32_t number = 0;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    start = end + 1;
    ++number;
    if (std::size_t hash = line.find('#'); hash != std::string_view::npos)
      line = line.substr(0, hash);

    entry.regions.clear();
    entry.columns.clear();
    entry.line = number;
    std::size_t at = 0;
    bool first = true;
    bool ok = true;
    while (at < line.size()) {
      while (at < line.size() && isSeparator(line[at])) ++at;
      if (at == line.size()) break;
      std::size_t word_end = at;
      while (word_end < line.size() && !isSeparator(line[word_end])) ++word_end;
      const std::string_view word = line.substr(at, word_end - at);
      const auto column = static_cast<std::uint32_t>(at + 1);
      if (first) {
        std::string problem;
        if (auto cidr = Cidr::parse(word, &problem)) {
          entry.cidr = *cidr;
        } else {
          errors.push_back({{path, number, column}, "\"" + std::string(word) + "\": " + problem});
          ok = false;
          break;
        }
        first = false;
      } else {
        entry.regions.push_back(word);
      }
      entry.columns.push_back(column);
      at = word_end;
    }
    if (!ok || first) continue;  // an error, or a blank or comment-only line
    if (entry.regions.empty()) {
      errors.push_back({{path, number, static_cast<std::uint32_t>(line.size() + 1)},
                        entry.cidr.toString() +
                            " names no region; write the regions after the network, most "
                            "preferred first, e.g. \"" +
                            entry.cidr.toString() + " us-east eu-west\""});
      continue;
    }
    accept(entry);
  }
}

}  // namespace nines::zones
