#include "geo_config.h"

#include "toml_diagnostics.h"

namespace nines::dnsd {

namespace {

std::string resolved(const std::string& path, const std::filesystem::path& base) {
  std::filesystem::path p = path;
  return (p.is_absolute() ? p : base / p).lexically_normal().string();
}

// A dotted path: keys (or array indexes) of non-empty text, one dot apart; or "": not read.
bool validFieldPath(const std::string& path) {
  if (path.empty()) return true;
  return path.front() != '.' && path.back() != '.' && path.find("..") == std::string::npos;
}

void loadFields(const toml::node& node, const std::string& file, policy::GeoFields& fields,
                base::Diagnostics& errors) {
  const auto* table = node.as_table();
  if (!table) {
    errors.push_back(at(file, node.source(),
                        "[geo.fields] must be a table such as { country = \"country_code\" }"));
    return;
  }
  rejectUnknownKeys(*table, {"continent", "country", "latitude", "longitude", "asn"},
                    "[geo.fields]", file, errors);
  auto field = [&](const char* key, std::string& out) {
    const auto& value = (*table)[key];
    if (!value) return;
    const auto* text = value.as_string();
    if (!text || !validFieldPath(text->get())) {
      errors.push_back(
          at(file, value.node()->source(),
             std::string(key) +
                 " must be a path of keys joined by dots, such as \"country.iso_code\", "
                 "or \"\" not to read it"));
      return;
    }
    out = text->get();
  };
  field("continent", fields.continent);
  field("country", fields.country);
  field("latitude", fields.latitude);
  field("longitude", fields.longitude);
  field("asn", fields.asn);
  if (fields.latitude.empty() != fields.longitude.empty()) {
    errors.push_back(
        at(file, node.source(), "[geo.fields] latitude and longitude are read both or neither"));
  }
}

}  // namespace

std::vector<std::string> GeoConfig::databaseFiles() const {
  std::vector<std::string> files;
  if (!database.empty()) files.push_back(database);
  files.insert(files.end(), databases.begin(), databases.end());
  return files;
}

base::SourceLocation GeoConfig::databaseAt(std::size_t index) const {
  if (!database.empty()) {
    if (index == 0) return database_at;
    --index;
  }
  return index < databases_at.size() ? databases_at[index] : base::SourceLocation{};
}

policy::GeoDatabaseOptions GeoConfig::databaseOptions() const {
  policy::GeoDatabaseOptions options;
  options.files = databaseFiles();
  options.fields = fields;
  options.cache_entries = cache_entries;
  return options;
}

void loadGeoDatabases(const toml::table& geo, const std::string& file,
                      const std::filesystem::path& base, GeoConfig& config,
                      base::Diagnostics& errors) {
  auto named = [&](const std::string& path, const std::string& written,
                   const toml::source_region& where) {
    for (const std::string& seen : config.databaseFiles()) {
      if (seen == path) {
        errors.push_back(at(file, where, "GeoIP database \"" + written + "\" is named twice"));
        return false;
      }
    }
    return true;
  };
  if (const auto& database = geo["database"]) {
    if (!database.is_string()) {
      errors.push_back(at(file, database.node()->source(), "database must be a path string"));
    } else if (!database.as_string()->get().empty()) {
      config.database = resolved(database.as_string()->get(), base);
      const auto& begin = database.node()->source().begin;
      config.database_at = {file, begin.line, begin.column};
    }
  }
  if (const auto& databases = geo["databases"]) {
    const auto* list = databases.as_array();
    if (!list) {
      errors.push_back(
          at(file, databases.node()->source(),
             "databases must be an array of paths, such as [\"v4.mmdb\", \"v6.mmdb\"]"));
    } else {
      for (const auto& element : *list) {
        const auto* text = element.as_string();
        if (!text || text->get().empty()) {
          errors.push_back(at(file, element.source(), "databases entries must be path strings"));
          continue;
        }
        const std::string path = resolved(text->get(), base);
        if (!named(path, text->get(), element.source())) continue;
        config.databases.push_back(path);
        const auto& begin = element.source().begin;
        config.databases_at.push_back({file, begin.line, begin.column});
      }
    }
  }
  if (const auto& entries = geo["cache_entries"]) {
    auto value = entries.value<long long>();
    if (!entries.is_integer() || !value || *value < 0 || *value > kMaxGeoCacheEntries) {
      errors.push_back(
          at(file, entries.node()->source(),
             "cache_entries must be an integer from 0 to " + std::to_string(kMaxGeoCacheEntries)));
    } else {
      config.cache_entries = static_cast<std::size_t>(*value);
    }
  }
  if (const auto& watch = geo["watch"]) {
    if (!watch.is_boolean()) {
      errors.push_back(at(file, watch.node()->source(), "watch must be true or false"));
    } else {
      config.watch = watch.as_boolean()->get();
    }
  }
  if (const toml::node* fields = geo.get("fields"))
    loadFields(*fields, file, config.fields, errors);
}

}  // namespace nines::dnsd
