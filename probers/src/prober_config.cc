#include "nines/probers/prober_config.h"

#include <toml++/toml.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <set>

#include "nines/probers/report.h"

namespace nines::probers {

namespace {

base::Diagnostic at(const std::string& file, const toml::source_region& region,
                    std::string message) {
  return {{file, region.begin.line, region.begin.column}, std::move(message)};
}

bool validName(const std::string& text) {
  if (text.empty() || text.size() > kMaxProberNameLength) return false;
  return std::all_of(text.begin(), text.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '-' || c == '_' || c == '.';
  });
}

class ConfigReader {
 public:
  ConfigReader(const std::string& file, base::Diagnostics& errors) : file_(file), errors_(errors) {}

  void error(const toml::node& node, std::string message) {
    errors_.push_back(at(file_, node.source(), std::move(message)));
  }

  void unknownKeys(const toml::table& table, const std::set<std::string>& known,
                   const std::string& where) {
    for (const auto& [key, value] : table) {
      if (!known.count(std::string(key.str()))) {
        errors_.push_back(
            at(file_, key.source(), "unknown key \"" + std::string(key.str()) + "\" in " + where));
      }
    }
  }

  // A name (id, region): required.
  void name(const toml::table& table, const char* key, std::string& out) {
    const toml::node* node = table.get(key);
    if (!node) {
      errors_.push_back({{file_, 0, 0}, std::string("missing ") + key + " = \"NAME\""});
    } else if (!node->is_string() || !validName(node->as_string()->get())) {
      error(*node, std::string(key) + " must be 1 to " + std::to_string(kMaxProberNameLength) +
                       " letters, digits, '.', '_' or '-'");
    } else {
      out = node->as_string()->get();
    }
  }

  void url(const toml::node& node, const char* what, std::string& out) {
    const auto* text = node.as_string();
    auto normalized = text ? normalizeBaseUrl(text->get()) : std::nullopt;
    if (!normalized) {
      error(node, std::string(what) + " must be a URL like \"http://127.0.0.1:8053\"");
    } else {
      out = *normalized;
    }
  }

  void seconds(const toml::table& table, const char* key, double min, double max, double& out) {
    const toml::node* node = table.get(key);
    if (!node) return;
    auto value = node->value<double>();
    if (!node->is_number() || !value || !(*value >= min) || *value > max) {
      char range[64];
      std::snprintf(range, sizeof range, "%g to %g", min, max);
      error(*node, std::string(key) + " must be a number of seconds from " + range);
      return;
    }
    out = *value;
  }

 private:
  const std::string& file_;
  base::Diagnostics& errors_;
};

void loadLocation(const toml::node& node, ConfigReader& reader, ProberConfig& config) {
  const auto* array = node.as_array();
  if (!array || array->size() != 2 || !(*array)[0].is_number() || !(*array)[1].is_number()) {
    return reader.error(node, "location must be [latitude, longitude]");
  }
  double latitude = (*array)[0].value<double>().value_or(0);
  double longitude = (*array)[1].value<double>().value_or(0);
  if (std::fabs(latitude) > 90 || std::fabs(longitude) > 180) {
    return reader.error(node, "location: latitude must be within -90..90 and longitude -180..180");
  }
  config.location = zones::GeoPoint{latitude, longitude};
}

void loadAllowNets(const toml::table& health, ConfigReader& reader, ProberConfig& config) {
  reader.unknownKeys(health, {"allow_nets"}, "[health]");
  const toml::node* nets = health.get("allow_nets");
  if (!nets) return;
  const auto* array = nets->as_array();
  if (!array) {
    return reader.error(*nets, "allow_nets must be an array of networks like \"127.0.0.0/8\"");
  }
  for (const auto& element : *array) {
    const auto* text = element.as_string();
    if (!text) {
      reader.error(element, "allow_nets entries must be strings like \"127.0.0.0/8\"");
      continue;
    }
    std::string problem;
    if (auto cidr = zones::Cidr::parse(text->get(), &problem)) {
      config.allow_nets.push_back(*cidr);
    } else {
      reader.error(element, "allow_nets \"" + text->get() + "\": " + problem);
    }
  }
  if (array->empty()) {
    reader.error(*nets, "allow_nets is empty: nothing could be probed (leave it out to allow any)");
  }
}

}  // namespace

std::optional<std::string> normalizeBaseUrl(const std::string& text) {
  std::string_view rest = text;
  if (rest.substr(0, 7) == "http://") {
    rest.remove_prefix(7);
  } else if (rest.substr(0, 8) == "https://") {
    rest.remove_prefix(8);
  } else {
    return std::nullopt;
  }
  if (rest.empty() || rest.front() == '/' || rest.front() == ':' || text.size() > 1000) {
    return std::nullopt;
  }
  bool clean = std::none_of(text.begin(), text.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u <= ' ' || u == 0x7f || c == '?' || c == '#' || c == '@';
  });
  if (!clean) return std::nullopt;
  std::string out = text;
  while (out.back() == '/') out.pop_back();
  return out;
}

// "ADDRESS:PORT" or "[V6]:PORT", port 0 allowed (the kernel picks one; the log says which).
void loadMetricsListen(const toml::node& node, ConfigReader& reader, ProberConfig& config) {
  const auto* text = node.as_string();
  if (!text) {
    reader.error(node, "metrics_listen must be \"ADDRESS:PORT\" like \"127.0.0.1:9154\"");
    return;
  }
  const std::string& value = text->get();
  if (value.empty()) return;  // no metrics server
  const auto colon = value.rfind(':');
  std::string host = colon == std::string::npos ? "" : value.substr(0, colon);
  const std::string port_text = colon == std::string::npos ? "" : value.substr(colon + 1);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
    if (host.find(':') == std::string::npos) host.clear();
  } else if (host.find(':') != std::string::npos) {
    host.clear();  // an IPv6 address needs brackets
  }
  char* end = nullptr;
  const long port = port_text.empty() ? -1 : std::strtol(port_text.c_str(), &end, 10);
  if (host.empty() || !zones::IpAddress::parse(host) || port < 0 || port > 65535 || *end != '\0') {
    reader.error(node, "metrics_listen \"" + value +
                           "\" must be \"ADDRESS:PORT\" like \"127.0.0.1:9154\" or \"[::1]:9154\"");
    return;
  }
  config.metrics_host = host;
  config.metrics_port = static_cast<std::uint16_t>(port);
}

void loadLog(const toml::node& node, ConfigReader& reader, ProberConfig& config) {
  const auto* log = node.as_table();
  if (!log) {
    reader.error(node, "log must be a [log] table");
    return;
  }
  reader.unknownKeys(*log, {"format", "level"}, "[log]");
  if (const toml::node* format = log->get("format")) {
    auto parsed =
        format->is_string() ? base::parseLogFormat(format->as_string()->get()) : std::nullopt;
    if (!parsed) {
      reader.error(*format, "format must be \"text\" or \"json\"");
    } else {
      config.log.format = *parsed;
    }
  }
  if (const toml::node* level = log->get("level")) {
    auto parsed =
        level->is_string() ? base::parseLogLevel(level->as_string()->get()) : std::nullopt;
    if (!parsed) {
      reader.error(*level, "level must be \"debug\", \"info\", \"warning\" or \"error\"");
    } else {
      config.log.level = *parsed;
    }
  }
}

ProberConfigResult loadProberConfig(const std::string& path) {
  ProberConfigResult result;
  ProberConfig& config = result.config;
  config.file = path;
  toml::table root;
  try {
    root = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    result.errors.push_back(at(path, e.source(), std::string(e.description())));
    return result;
  }
  ConfigReader reader(path, result.errors);
  reader.unknownKeys(root,
                     {"id", "region", "location", "key", "dnsd", "zones", "checks_from",
                      "checks_refresh", "report_interval", "health", "metrics_listen", "log"},
                     "prober.toml");
  reader.name(root, "id", config.id);
  reader.name(root, "region", config.region);
  if (const toml::node* location = root.get("location")) loadLocation(*location, reader, config);

  // The key itself is never echoed: config errors end up in logs.
  if (const toml::node* key = root.get("key"); !key) {
    result.errors.push_back({{path, 0, 0}, "missing key = \"BASE64\" (the secret dnsd knows)"});
  } else if (auto raw = key->is_string() ? decodeKey(key->as_string()->get()) : std::nullopt) {
    config.key = std::move(*raw);
  } else {
    reader.error(*key, "key must be base64 of at least 16 bytes");
  }

  if (const toml::node* dnsd = root.get("dnsd"); !dnsd) {
    result.errors.push_back({{path, 0, 0}, "missing dnsd = [\"http://HOST:PORT\", ...]"});
  } else if (const auto* list = dnsd->as_array(); !list || list->empty()) {
    reader.error(*dnsd, "dnsd must be a non-empty array of URLs like \"http://127.0.0.1:8053\"");
  } else {
    for (const auto& element : *list) {
      std::string url;
      reader.url(element, "dnsd entries", url);
      if (url.empty()) continue;
      if (std::find(config.dnsd.begin(), config.dnsd.end(), url) != config.dnsd.end()) {
        reader.error(element, "dnsd \"" + url + "\" is listed twice");
        continue;
      }
      config.dnsd.push_back(url);
    }
  }

  const toml::node* zones = root.get("zones");
  const toml::node* checks_from = root.get("checks_from");
  if (zones && checks_from) {
    reader.error(*checks_from, "set zones or checks_from, not both");
  } else if (!zones && !checks_from) {
    result.errors.push_back({{path, 0, 0},
                             "missing zones = \"DIR\" or checks_from = \"http://HOST:PORT\" "
                             "(where the checks come from)"});
  } else if (zones) {
    if (!zones->is_string() || zones->as_string()->get().empty()) {
      reader.error(*zones, "zones must be the path of a directory of zone files");
    } else {
      std::filesystem::path p = zones->as_string()->get();
      std::filesystem::path base = std::filesystem::path(path).parent_path();
      config.zones = (p.is_absolute() ? p : base / p).lexically_normal().string();
    }
  } else {
    reader.url(*checks_from, "checks_from", config.checks_from);
  }
  reader.seconds(root, "checks_refresh", 0.1, 3600, config.checks_refresh);
  reader.seconds(root, "report_interval", 0.05, 3600, config.report_interval);

  if (const toml::node* health = root.get("health")) {
    if (const auto* table = health->as_table()) {
      loadAllowNets(*table, reader, config);
    } else {
      reader.error(*health, "health must be a [health] table");
    }
  }
  if (const toml::node* metrics = root.get("metrics_listen")) {
    loadMetricsListen(*metrics, reader, config);
  }
  if (const toml::node* log = root.get("log")) loadLog(*log, reader, config);
  // In file order (TOML++ walks keys sorted); problems without a place (missing keys) last.
  std::stable_sort(result.errors.begin(), result.errors.end(), [](const auto& a, const auto& b) {
    auto order = [](const base::Diagnostic& d) {
      return std::make_pair(d.where.line ? d.where.line : 0xffffffffu, d.where.column);
    };
    return order(a) < order(b);
  });
  return result;
}

}  // namespace nines::probers
