#include "nines/zones/loader.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <system_error>
#include <tuple>

#include "nines/zones/records_scanner.h"
#include "zone_file.h"

namespace nines::zones {

namespace fs = std::filesystem;

namespace {

// Built field by field: GCC 12 at -O3 warns (maybe-uninitialized) on the nested brace form.
base::Diagnostic fileError(const std::string& file, std::string message) {
  base::Diagnostic diagnostic;
  diagnostic.where.file = file;
  diagnostic.message = std::move(message);
  return diagnostic;
}

std::string describe(const base::SourceLocation& where) {
  base::Diagnostic d{where, ""};
  std::string text = d.toString();
  return text.substr(0, text.size() - 2);  // drop the ": " before the empty message
}

void sortZones(std::vector<Zone>& zones) {
  std::sort(zones.begin(), zones.end(),
            [](const Zone& a, const Zone& b) { return a.origin < b.origin; });
}

}  // namespace

LoadResult loadZoneFile(const std::string& path) {
  LoadResult result;
  ZoneFileResult file = readZoneFile(path);
  result.errors = std::move(file.errors);
  if (file.zone) result.zones.push_back(std::move(*file.zone));
  return result;
}

LoadResult loadZoneText(const std::string& path, std::shared_ptr<const std::string> text,
                        NetsTexts nets_texts) {
  LoadResult result;
  ZoneFileResult file = readZoneText(path, std::move(text), std::move(nets_texts));
  result.errors = std::move(file.errors);
  if (file.zone) result.zones.push_back(std::move(*file.zone));
  return result;
}

LoadResult loadZoneTextByToml(const std::string& path, std::shared_ptr<const std::string> text) {
  LoadResult result;
  ZoneFileResult file = readZoneTextByToml(path, std::move(text));
  result.errors = std::move(file.errors);
  if (file.zone) result.zones.push_back(std::move(*file.zone));
  return result;
}

std::vector<std::string> zoneFilesIn(const std::string& directory, std::error_code& error) {
  std::vector<std::string> paths;
  fs::directory_iterator it(directory, error);
  if (error) return paths;
  for (; it != fs::directory_iterator(); it.increment(error)) {
    const fs::path& path = it->path();
    std::string name = path.filename().string();
    if (name.empty() || name[0] == '.' || path.extension() != ".toml") continue;
    std::error_code type_error;
    if (!it->is_regular_file(type_error)) continue;
    paths.push_back(path.string());
  }
  if (error) return {};
  std::sort(paths.begin(), paths.end());
  return paths;
}

LoadResult loadZoneDirectory(const std::string& directory) {
  LoadResult result;
  std::error_code ec;
  const std::vector<std::string> paths = zoneFilesIn(directory, ec);
  if (ec) {
    result.errors.push_back(fileError(directory, "cannot read the directory: " + ec.message()));
    return result;
  }

  std::vector<ZoneFileResult> files;
  std::map<Name, std::vector<std::size_t>> by_origin;
  for (const std::string& path : paths) {
    files.push_back(readZoneFile(path));
    if (files.back().origin) by_origin[*files.back().origin].push_back(files.size() - 1);
  }
  // Two files with one origin: neither is loaded, each is reported with the other's location.
  for (const auto& [origin, indexes] : by_origin) {
    if (indexes.size() < 2) continue;
    for (std::size_t i : indexes) {
      std::string others;
      for (std::size_t j : indexes) {
        if (j != i) others += (others.empty() ? "" : ", ") + describe(files[j].origin_where);
      }
      files[i].errors.push_back(
          {files[i].origin_where,
           "duplicate zone \"" + files[i].origin->toText() + "\": also defined at " + others});
      files[i].zone.reset();
    }
  }
  for (ZoneFileResult& file : files) {
    std::stable_sort(file.errors.begin(), file.errors.end(),
                     [](const base::Diagnostic& a, const base::Diagnostic& b) {
                       return std::tie(a.where.line, a.where.column) <
                              std::tie(b.where.line, b.where.column);
                     });
    result.errors.insert(result.errors.end(), file.errors.begin(), file.errors.end());
    if (file.zone) result.zones.push_back(std::move(*file.zone));
  }
  sortZones(result.zones);
  return result;
}

LoadResult loadZones(const std::string& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) return loadZoneDirectory(path);
  if (!fs::exists(path, ec)) {
    LoadResult result;
    result.errors.push_back(fileError(path, "no such file or directory"));
    return result;
  }
  return loadZoneFile(path);
}

}  // namespace nines::zones
