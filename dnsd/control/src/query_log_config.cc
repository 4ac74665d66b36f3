#include "query_log_config.h"

#include <cmath>
#include <set>

#include "nines/base/log.h"
#include "toml_diagnostics.h"

namespace nines::dnsd {

void loadQueryLog(const toml::node& node, const std::string& file,
                  const std::filesystem::path& base, querylog::QueryLogConfig& config,
                  base::Diagnostics& errors) {
  const toml::table* table = node.as_table();
  if (!table) {
    errors.push_back(at(file, node.source(), "[query_log] must be a table"));
    return;
  }
  static const std::set<std::string> kKeys = {"path",          "socket",       "sample",
                                              "queries",       "identity",     "version",
                                              "queue_entries", "query_message"};
  rejectUnknownKeys(*table, kKeys, "[query_log]", file, errors);
  auto text = [&](const char* key, std::string& out) {
    const auto& value = (*table)[key];
    if (!value) return;
    if (!value.is_string() || value.as_string()->get().empty()) {
      errors.push_back(at(file, value.node()->source(), std::string(key) + " must be a string"));
      return;
    }
    out = value.as_string()->get();
  };
  text("path", config.path);
  text("socket", config.socket);
  text("identity", config.identity);
  text("version", config.version);
  if (!config.path.empty() && !config.socket.empty()) {
    errors.push_back(at(file, table->source(), "[query_log] takes path or socket, not both"));
  } else if (!(*table)["path"] && !(*table)["socket"]) {
    errors.push_back(
        at(file, table->source(), "[query_log] needs path = \"FILE\" or socket = \"UNIX SOCKET\""));
  }
  auto resolve = [&](std::string& path) {
    if (path.empty()) return;
    std::filesystem::path p = path;
    path = (p.is_absolute() ? p : base / p).lexically_normal().string();
  };
  resolve(config.path);
  resolve(config.socket);
  if (const auto& sample = (*table)["sample"]) {
    // An integer N is one response in N; a number in (0, 1] is the share to log.
    if (sample.is_integer() && sample.value<long long>() >= 1 &&
        sample.value<long long>() <= 1000000000) {
      config.sample = static_cast<std::uint32_t>(*sample.value<long long>());
    } else if (sample.is_floating_point() && *sample.value<double>() > 0 &&
               *sample.value<double>() <= 1) {
      config.sample = static_cast<std::uint32_t>(
          std::min(1e9, std::max(1.0, std::round(1 / *sample.value<double>()))));
    } else {
      errors.push_back(at(file, sample.node()->source(),
                          "sample must be an integer N >= 1 (one response in N) or a share in "
                          "(0, 1]"));
    }
  }
  if (const auto& queries = (*table)["queries"]) {
    if (!queries.is_boolean()) {
      errors.push_back(at(file, queries.node()->source(), "queries must be true or false"));
    } else {
      config.queries = queries.as_boolean()->get();
    }
  }
  if (const auto& query_message = (*table)["query_message"]) {
    if (!query_message.is_boolean()) {
      errors.push_back(
          at(file, query_message.node()->source(), "query_message must be true or false"));
    } else {
      config.query_message = query_message.as_boolean()->get();
    }
  }
  if (const auto& entries = (*table)["queue_entries"]) {
    auto value = entries.value<long long>();
    if (!entries.is_integer() || !value || *value < 2 || *value > 16384 ||
        (*value & (*value - 1)) != 0) {
      errors.push_back(at(file, entries.node()->source(),
                          "queue_entries must be a power of two from 2 to 16384"));
    } else {
      config.queue_entries = static_cast<std::size_t>(*value);
    }
  }
  config.enabled = !config.path.empty() || !config.socket.empty();
}

bool openQueryLog(const querylog::QueryLogConfig& config, std::size_t udp_workers,
                  std::unique_ptr<querylog::QueryLog>& log, std::string* error) {
  if (!config.enabled) return true;
  std::string problem;
  log = querylog::QueryLog::open(config, udp_workers + 1, &problem);
  if (!log) {
    *error = "[query_log]: " + problem;
    return false;
  }
  base::logInfo("query log: dnstap to " + (config.socket.empty() ? config.path : config.socket) +
                ", one response in " + std::to_string(config.sample) +
                (config.queries ? ", with queries" : ""));
  return true;
}

void logQueryLogTotals(const querylog::QueryLog& log) {
  base::logInfo("query log: " + std::to_string(log.messages()) + " frame(s) queued for writing, " +
                std::to_string(log.dropped()) + " dropped because the writer fell behind");
}

}  // namespace nines::dnsd
