#include "nines/dnsd/control/config.h"

#include <toml++/toml.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <set>
#include <unordered_set>

#include "geo_config.h"
#include "nines/probers/report.h"
#include "query_log_config.h"
#include "rate_limit_config.h"
#include "toml_diagnostics.h"

namespace nines::dnsd {

namespace {

void loadListen(toml::node_view<const toml::node> node, const std::string& file,
                std::vector<SocketAddress>& out, base::Diagnostics& errors) {
  const auto* listen = node.as_array();
  if (!listen) {
    if (node)
      errors.push_back(
          at(file, node.node()->source(), "listen must be an array of \"ADDRESS:PORT\""));
    return;
  }
  for (const auto& element : *listen) {
    const auto* text = element.as_string();
    if (!text) {
      errors.push_back(
          at(file, element.source(), "listen entries must be strings like \"127.0.0.1:8053\""));
      continue;
    }
    std::string error;
    auto address = SocketAddress::parse(text->get(), &error);
    if (!address) {
      errors.push_back(at(file, element.source(), "listen \"" + text->get() + "\": " + error));
      continue;
    }
    out.push_back(*address);
  }
}

void loadSeconds(const toml::table& table, const char* key, double max, const std::string& file,
                 double& out, base::Diagnostics& errors);

void loadHttp(const toml::table& http, const std::string& file, HttpConfig& config,
              base::Diagnostics& errors) {
  rejectUnknownKeys(http,
                    {"listen", "token", "test_hooks", "requests_per_second", "burst",
                     "max_connections_per_client", "header_timeout", "request_timeout"},
                    "[http]", file, errors);
  const auto& listen = http["listen"];
  if (listen.is_string()) {
    // A single address is common enough to accept as a string.
    std::string error;
    auto address = SocketAddress::parse(listen.as_string()->get(), &error);
    if (address) {
      config.listen.push_back(*address);
    } else {
      errors.push_back(at(file, listen.node()->source(), "listen: " + error));
    }
  } else {
    loadListen(listen, file, config.listen, errors);
  }
  if (const auto& token = http["token"]) {
    if (!token.is_string()) {
      errors.push_back(at(file, token.node()->source(), "token must be a string"));
    } else {
      config.token = token.as_string()->get();
    }
  }
  if (const auto& hooks = http["test_hooks"]) {
    if (!hooks.is_boolean()) {
      errors.push_back(at(file, hooks.node()->source(), "test_hooks must be true or false"));
    } else {
      config.test_hooks = hooks.as_boolean()->get();
    }
  }
  ApiLimits& limits = config.limits;
  auto number = [&](const char* key, double min, double max, double& out) {
    const auto& node = http[key];
    if (!node) return;
    auto value = node.value<double>();
    if (!node.is_number() || !value || !(*value >= min) || *value > max) {
      errors.push_back(at(file, node.node()->source(),
                          std::string(key) + " must be a number from " +
                              std::to_string(static_cast<long>(min)) + " to " +
                              std::to_string(static_cast<long>(max))));
      return;
    }
    out = *value;
  };
  number("requests_per_second", 0, 1000000, limits.requests_per_second);
  number("burst", 1, 1000000, limits.burst);
  if (const auto& node = http["max_connections_per_client"]) {
    auto value = node.value<long long>();
    if (!node.is_integer() || !value || *value < 1 || *value > 1000000) {
      errors.push_back(at(file, node.node()->source(),
                          "max_connections_per_client must be an integer from 1 to 1000000"));
    } else {
      limits.max_connections_per_client = static_cast<std::size_t>(*value);
    }
  }
  loadSeconds(http, "header_timeout", 3600, file, limits.header_timeout, errors);
  loadSeconds(http, "request_timeout", 3600, file, limits.request_timeout, errors);
}

std::optional<zones::GeoPoint> geoPoint(const toml::node& node, const std::string& file,
                                        base::Diagnostics& errors) {
  const auto* array = node.as_array();
  if (!array || array->size() != 2 || !(*array)[0].is_number() || !(*array)[1].is_number()) {
    errors.push_back(at(file, node.source(), "location must be [latitude, longitude]"));
    return std::nullopt;
  }
  double latitude = (*array)[0].value<double>().value_or(0);
  double longitude = (*array)[1].value<double>().value_or(0);
  if (std::fabs(latitude) > 90 || std::fabs(longitude) > 180) {
    errors.push_back(at(file, node.source(),
                        "location: latitude must be within -90..90 and longitude -180..180"));
    return std::nullopt;
  }
  return zones::GeoPoint{latitude, longitude};
}

void loadGeo(const toml::table& geo, const std::string& file, const std::filesystem::path& base,
             GeoConfig& config, base::Diagnostics& errors) {
  rejectUnknownKeys(geo, {"database", "databases", "fields", "cache_entries", "watch", "nets"},
                    "[geo]", file, errors);
  loadGeoDatabases(geo, file, base, config, errors);
  const auto& nets_node = geo["nets"];
  if (!nets_node) return;
  const auto* nets = nets_node.as_table();
  if (!nets) {
    errors.push_back(
        at(file, nets_node.node()->source(), "[geo.nets] must be a table of CIDR = { ... }"));
    return;
  }
  // In file order (TOML++ iterates keys sorted), so the first of two spellings of one network is
  // the one kept and the second the one reported.
  std::vector<std::pair<const toml::key*, const toml::node*>> entries;
  for (const auto& [key, value] : *nets) entries.emplace_back(&key, &value);
  std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
    const auto& x = a.first->source().begin;
    const auto& y = b.first->source().begin;
    return x.line != y.line ? x.line < y.line : x.column < y.column;
  });
  static const std::set<std::string> kContinents = {"AF", "AN", "AS", "EU", "NA", "OC", "SA"};
  std::unordered_set<zones::Cidr, zones::CidrHash> seen;  // a table may hold 100k networks
  for (const auto& [key_pointer, value_pointer] : entries) {
    const toml::key& key = *key_pointer;
    const toml::node& value = *value_pointer;
    std::string error;
    auto cidr = zones::Cidr::parse(key.str(), &error);
    if (!cidr) {
      errors.push_back(
          at(file, key.source(), "[geo.nets] \"" + std::string(key.str()) + "\": " + error));
      continue;
    }
    const auto* entry = value.as_table();
    if (!entry) {
      errors.push_back(
          at(file, value.source(),
             "[geo.nets] \"" + std::string(key.str()) +
                 "\" must be { continent = \"EU\", country = \"IE\", location = [lat, lon] }"));
      continue;
    }
    if (!seen.insert(*cidr).second) {
      errors.push_back(at(file, key.source(),
                          "[geo.nets] \"" + std::string(key.str()) + "\" is the same network as " +
                              cidr->toString() + " above"));
      continue;
    }
    rejectUnknownKeys(*entry, {"continent", "country", "location"},
                      "[geo.nets] \"" + std::string(key.str()) + "\"", file, errors);
    policy::NetLocation net{*cidr, "", "", std::nullopt};
    auto code = [&](const char* name, std::string& out) {
      const auto& node = (*entry)[name];
      if (!node) return;
      const auto* text = node.as_string();
      if (!text || text->get().size() != 2 ||
          !std::isupper(static_cast<unsigned char>(text->get()[0])) ||
          !std::isupper(static_cast<unsigned char>(text->get()[1]))) {
        errors.push_back(at(file, node.node()->source(),
                            std::string(name) + " must be a two-letter upper-case code"));
        return;
      }
      out = text->get();
    };
    code("continent", net.continent);
    if (!net.continent.empty() && !kContinents.count(net.continent)) {
      errors.push_back(
          at(file, (*entry)["continent"].node()->source(),
             "continent \"" + net.continent + "\" is not one of AF, AN, AS, EU, NA, OC, SA"));
      net.continent.clear();
    }
    code("country", net.country);
    if (const auto* location = entry->get("location"))
      net.point = geoPoint(*location, file, errors);
    config.nets.push_back(std::move(net));
  }
}

// A number of seconds in (0, max]; integers are accepted as well.
void loadSeconds(const toml::table& table, const char* key, double max, const std::string& file,
                 double& out, base::Diagnostics& errors) {
  const auto& node = table[key];
  if (!node) return;
  auto value = node.value<double>();
  if (!node.is_number() || !value || !(*value > 0) || *value > max) {
    errors.push_back(at(file, node.node()->source(),
                        std::string(key) + " must be seconds in (0, " +
                            std::to_string(static_cast<long>(max)) + "]"));
    return;
  }
  out = *value;
}

bool validProberId(const std::string& id) {
  if (id.empty() || id.size() > 64) return false;
  return std::all_of(id.begin(), id.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '-' || c == '_' || c == '.';
  });
}

void loadProbers(const toml::node& node, const std::string& file, HealthConfig& config,
                 base::Diagnostics& errors) {
  const auto* probers = node.as_array();
  if (!probers) {
    errors.push_back(
        at(file, node.source(), "probers must be [[health.probers]] tables with id and key"));
    return;
  }
  for (const auto& element : *probers) {
    const auto* entry = element.as_table();
    if (!entry) {
      errors.push_back(
          at(file, element.source(), "[[health.probers]] entries must be tables with id and key"));
      continue;
    }
    rejectUnknownKeys(*entry, {"id", "key", "previous_key"}, "[[health.probers]]", file, errors);
    ProberKey prober;
    const auto& id = (*entry)["id"];
    if (!id) {
      errors.push_back(at(file, entry->source(), "[[health.probers]] needs id = \"NAME\""));
    } else if (!id.is_string() || !validProberId(id.as_string()->get())) {
      errors.push_back(
          at(file, id.node()->source(), "id must be 1 to 64 letters, digits, '.', '_' or '-'"));
    } else {
      prober.id = id.as_string()->get();
      bool twice = std::any_of(config.probers.begin(), config.probers.end(),
                               [&](const ProberKey& p) { return p.id == prober.id; });
      if (twice) {
        errors.push_back(
            at(file, id.node()->source(), "prober \"" + prober.id + "\" is listed twice"));
        prober.id.clear();
      }
    }
    const auto& key = (*entry)["key"];
    // The key itself is never echoed: config errors end up in logs.
    const std::string whose = prober.id.empty() ? "" : " of prober \"" + prober.id + "\"";
    if (!key) {
      errors.push_back(
          at(file, entry->source(), "[[health.probers]]" + whose + " needs key = \"BASE64\""));
    } else if (!key.is_string()) {
      errors.push_back(at(file, key.node()->source(), "key" + whose + " must be a string"));
    } else if (auto raw = probers::decodeKey(key.as_string()->get())) {
      prober.key = std::move(*raw);
    } else {
      errors.push_back(
          at(file, key.node()->source(), "key" + whose + " must be base64 of at least 16 bytes"));
    }
    if (const auto& previous = (*entry)["previous_key"]) {
      if (!previous.is_string()) {
        errors.push_back(
            at(file, previous.node()->source(), "previous_key" + whose + " must be a string"));
      } else if (auto raw = probers::decodeKey(previous.as_string()->get())) {
        prober.previous_key = std::move(*raw);
      } else {
        errors.push_back(at(file, previous.node()->source(),
                            "previous_key" + whose + " must be base64 of at least 16 bytes"));
      }
    }
    if (!prober.id.empty() && !prober.key.empty()) config.probers.push_back(std::move(prober));
  }
}

void loadHealth(const toml::table& health, const std::string& file, HealthConfig& config,
                base::Diagnostics& errors) {
  rejectUnknownKeys(health, {"quorum", "report_ttl", "max_skew", "allow_nets", "probers"},
                    "[health]", file, errors);
  if (const auto& quorum = health["quorum"]) {
    auto value = quorum.value<double>();
    // 1 would need more than all the votes: nothing could ever be up.
    if (!quorum.is_number() || !value || !(*value >= 0) || *value >= 1) {
      errors.push_back(at(file, quorum.node()->source(),
                          "quorum must be a number from 0 up to (not including) 1"));
    } else {
      config.quorum = *value;
    }
  }
  loadSeconds(health, "report_ttl", 86400, file, config.report_ttl, errors);
  loadSeconds(health, "max_skew", 86400, file, config.max_skew, errors);
  if (const auto& nets = health["allow_nets"]) {
    const auto* array = nets.as_array();
    if (!array) {
      errors.push_back(at(file, nets.node()->source(),
                          "allow_nets must be an array of networks like \"127.0.0.0/8\""));
    } else {
      for (const auto& element : *array) {
        const auto* text = element.as_string();
        if (!text) {
          errors.push_back(at(file, element.source(),
                              "allow_nets entries must be strings like \"127.0.0.0/8\""));
          continue;
        }
        std::string error;
        auto cidr = zones::Cidr::parse(text->get(), &error);
        if (!cidr) {
          errors.push_back(
              at(file, element.source(), "allow_nets \"" + text->get() + "\": " + error));
          continue;
        }
        config.allow_nets.push_back(*cidr);
      }
    }
  }
  if (const auto* probers = health.get("probers")) loadProbers(*probers, file, config, errors);
}

void loadLog(const toml::table& log, const std::string& file, base::LogSettings& settings,
             base::Diagnostics& errors) {
  rejectUnknownKeys(log, {"format", "level"}, "[log]", file, errors);
  if (const auto& format = log["format"]) {
    auto parsed =
        format.is_string() ? base::parseLogFormat(format.as_string()->get()) : std::nullopt;
    if (!parsed) {
      errors.push_back(at(file, format.node()->source(), "format must be \"text\" or \"json\""));
    } else {
      settings.format = *parsed;
    }
  }
  if (const auto& level = log["level"]) {
    auto parsed = level.is_string() ? base::parseLogLevel(level.as_string()->get()) : std::nullopt;
    if (!parsed) {
      errors.push_back(at(file, level.node()->source(),
                          "level must be \"debug\", \"info\", \"warning\" or \"error\""));
    } else {
      settings.level = *parsed;
    }
  }
}

}  // namespace

ConfigResult loadServerConfig(const std::string& path) {
  ConfigResult result;
  ServerConfig& config = result.config.server;
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

  rejectUnknownKeys(root, {"server", "http", "geo", "health", "log", "rate_limit", "query_log"},
                    "dnsd.toml", path, errors);
  const toml::table* server = root["server"].as_table();
  if (!server) {
    errors.push_back({{path, 0, 0}, "missing [server] table"});
    return result;
  }
  rejectUnknownKeys(*server,
                    {"listen", "zones", "threads", "udp_queues", "decision_cache_entries",
                     "udp_payload", "tcp_idle_timeout", "tcp_max_connections",
                     "tcp_max_connections_per_client", "tcp_max_connection_time",
                     "tcp_max_queries_per_connection", "digest_file", "user", "state_dir"},
                    "[server]", path, errors);

  if (const auto* listen = (*server)["listen"].as_array()) {
    loadListen((*server)["listen"], path, config.listen, errors);
    if (listen->empty()) errors.push_back(at(path, listen->source(), "listen is empty"));
  } else {
    errors.push_back(at(path, server->source(), "[server] needs listen = [\"ADDRESS:PORT\", ...]"));
  }

  if (const auto* zones_path = (*server)["zones"].as_string()) {
    std::filesystem::path p = zones_path->get();
    config.zones = (p.is_absolute() ? p : base / p).lexically_normal().string();
    const auto& begin = zones_path->source().begin;
    config.zones_at = {path, begin.line, begin.column};
  } else {
    errors.push_back(at(path, server->source(), "[server] needs zones = \"DIRECTORY\""));
  }

  if (const auto& digest_file = (*server)["digest_file"]) {
    if (!digest_file.is_string() || digest_file.as_string()->get().empty()) {
      errors.push_back(at(path, digest_file.node()->source(), "digest_file must be a path string"));
    } else {
      std::filesystem::path p = digest_file.as_string()->get();
      config.digest_file = (p.is_absolute() ? p : base / p).lexically_normal().string();
    }
  }

  if (const auto& state_dir = (*server)["state_dir"]) {
    std::error_code error;
    if (!state_dir.is_string() || state_dir.as_string()->get().empty()) {
      errors.push_back(at(path, state_dir.node()->source(), "state_dir must be a path string"));
    } else {
      std::filesystem::path p = state_dir.as_string()->get();
      p = (p.is_absolute() ? p : base / p).lexically_normal();
      if (!std::filesystem::is_directory(p, error)) {
        errors.push_back(at(path, state_dir.node()->source(),
                            "state_dir: " + p.string() + " is not a directory"));
      } else {
        config.state_dir = p.string();
      }
    }
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
  integer("udp_queues", 1, 64, config.udp_queues);
  integer("decision_cache_entries", 16, 1 << 24, config.decision_cache_entries);
  integer("udp_payload", 512, 4096, config.udp_payload);
  integer("tcp_max_connections", 1, 1000000, config.tcp_max_connections);
  integer("tcp_max_connections_per_client", 1, 1000000, config.tcp_max_connections_per_client);
  integer("tcp_max_queries_per_connection", 1, 1000000000, config.tcp_max_queries_per_connection);
  auto seconds = [&](const char* key, double max, double& out) {
    const auto& node = (*server)[key];
    if (!node) return;
    auto value = node.value<double>();
    if (!value || !(*value > 0) || *value > max) {
      errors.push_back(at(path, node.node()->source(),
                          std::string(key) + " must be seconds in (0, " +
                              std::to_string(static_cast<int>(max)) + "]"));
    } else {
      out = *value;
    }
  };
  seconds("tcp_idle_timeout", 3600, config.tcp_idle_timeout);
  seconds("tcp_max_connection_time", 86400, config.tcp_max_connection_time);
  if (const auto& user = (*server)["user"]) {
    RunAs run_as;
    std::string error;
    if (!user.is_string() || user.as_string()->get().empty()) {
      errors.push_back(at(path, user.node()->source(), "user must be a user name like \"nines\""));
    } else if (!lookupUser(user.as_string()->get(), &run_as, &error)) {
      errors.push_back(at(path, user.node()->source(), "user: " + error));
    } else {
      config.run_as = run_as;
    }
  }
  if (const auto& log = root["log"]) {
    if (const toml::table* table = log.as_table()) {
      loadLog(*table, path, result.config.log, errors);
    } else {
      errors.push_back(at(path, log.node()->source(), "[log] must be a table"));
    }
  }
  if (const toml::table* http = root["http"].as_table()) {
    loadHttp(*http, path, result.config.http, errors);
  }
  if (const toml::table* geo = root["geo"].as_table()) {
    loadGeo(*geo, path, base, result.config.geo, errors);
  }
  if (const auto& health = root["health"]) {
    if (const toml::table* table = health.as_table()) {
      loadHealth(*table, path, result.config.health, errors);
    } else {
      errors.push_back(at(path, health.node()->source(), "[health] must be a table"));
    }
  }
  if (const auto& query_log = root["query_log"]) {
    loadQueryLog(*query_log.node(), path, base, result.config.query_log, errors);
  }
  if (const auto& rate_limit = root["rate_limit"]) {
    loadRateLimit(*rate_limit.node(), path, result.config.rate_limit, errors);
  }
  return result;
}

}  // namespace nines::dnsd
