#include "nines/dnsd/config.h"

#include <toml++/toml.h>

#include <filesystem>
#include <set>

namespace nines::dnsd {

namespace {

zones::Diagnostic at(const std::string& file, const toml::source_region& region,
                     std::string message) {
  return {{file, region.begin.line, region.begin.column}, std::move(message)};
}

void rejectUnknownKeys(const toml::table& table, const std::set<std::string>& known,
                       const std::string& where, const std::string& file,
                       zones::Diagnostics& errors) {
  for (const auto& [key, value] : table) {
    if (!known.count(std::string(key.str()))) {
      errors.push_back(
          at(file, key.source(), "unknown key \"" + std::string(key.str()) + "\" in " + where));
    }
  }
}

}  // namespace

ConfigResult loadServerConfig(const std::string& path) {
  ConfigResult result;
  ServerConfig& config = result.config;
  auto& errors = result.errors;
  config.file = path;
  toml::table root;
  try {
    root = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    errors.push_back(at(path, e.source(), std::string(e.description())));
    return result;
  }
  std::filesystem::path base = std::filesystem::path(path).parent_path();

  rejectUnknownKeys(root, {"server", "http", "geo", "health", "rate_limit"}, "dnsd.toml", path,
                    errors);
  const toml::table* server = root["server"].as_table();
  if (!server) {
    errors.push_back({{path, 0, 0}, "missing [server] table"});
    return result;
  }
  rejectUnknownKeys(
      *server,
      {"listen", "zones", "threads", "udp_payload", "tcp_idle_timeout", "tcp_max_connections"},
      "[server]", path, errors);

  if (const auto* listen = (*server)["listen"].as_array()) {
    for (const auto& element : *listen) {
      const auto* text = element.as_string();
      if (!text) {
        errors.push_back(
            at(path, element.source(), "listen entries must be strings like \"127.0.0.1:5300\""));
        continue;
      }
      std::string error;
      auto address = SocketAddress::parse(text->get(), &error);
      if (!address) {
        errors.push_back(at(path, element.source(), "listen \"" + text->get() + "\": " + error));
        continue;
      }
      config.listen.push_back(*address);
    }
    if (listen->empty()) errors.push_back(at(path, listen->source(), "listen is empty"));
  } else {
    errors.push_back(at(path, server->source(), "[server] needs listen = [\"ADDRESS:PORT\", ...]"));
  }

  if (const auto* zones_path = (*server)["zones"].as_string()) {
    std::filesystem::path p = zones_path->get();
    config.zones = (p.is_absolute() ? p : base / p).lexically_normal().string();
  } else {
    errors.push_back(at(path, server->source(), "[server] needs zones = \"DIRECTORY\""));
  }

  auto integer = [&](const char* key, long long min, long long max, auto& out) {
    const auto& node = (*server)[key];
    if (!node) return;
    auto value = node.value<long long>();
    if (!node.is_integer() || !value || *value < min || *value > max) {
      errors.push_back(at(path, node.node()->source(),
                          std::string(key) + " must be an integer from " + std::to_string(min) +
                              " to " + std::to_string(max)));
      return;
    }
    out = static_cast<std::remove_reference_t<decltype(out)>>(*value);
  };
  integer("threads", 0, 1024, config.threads);
  integer("udp_payload", 512, 4096, config.udp_payload);
  integer("tcp_max_connections", 1, 1000000, config.tcp_max_connections);
  if (const auto& node = (*server)["tcp_idle_timeout"]) {
    auto value = node.value<double>();
    if (!value || *value <= 0 || *value > 3600) {
      errors.push_back(
          at(path, node.node()->source(), "tcp_idle_timeout must be seconds in (0, 3600]"));
    } else {
      config.tcp_idle_timeout = *value;
    }
  }
  return result;
}

}  // namespace nines::dnsd
