// [query_log] of dnsd.toml, and starting the dnstap log it describes. Read at start only: a
// reload leaves the running log as it is, so a change takes a restart.
//
//   [query_log]
//   path = "queries.dnstap"          # a dnstap file, relative to dnsd.toml; or
//   socket = "/run/nines/dnstap.sock" # a Frame Streams unix socket (e.g. dnstap-receiver)
//   sample = 10                       # one response in 10 (per worker); or a share: 0.1
//   queries = false                   # also log AUTH_QUERY frames
//   identity = "ns1"                  # dnstap identity and version; empty: not written
//   version = "nines"
//   queue_entries = 4096              # per worker; a power of two, 2..16384
#pragma once

#include <toml++/toml.h>

#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>

#include "nines/base/diagnostic.h"
#include "nines/dnsd/querylog/query_log.h"

namespace nines::dnsd {

// Reads `node` (the [query_log] table) into `config`, with every problem in `errors`.
void loadQueryLog(const toml::node& node, const std::string& file,
                  const std::filesystem::path& base, querylog::QueryLogConfig& config,
                  base::Diagnostics& errors);

// Starts the log for `udp_workers` UDP workers and the TCP thread (its queue is the last) when
// `config` enables it; leaves `log` null when it does not. False with `error` when it cannot.
bool openQueryLog(const querylog::QueryLogConfig& config, std::size_t udp_workers,
                  std::unique_ptr<querylog::QueryLog>& log, std::string* error);

// One line with what the log wrote and dropped, for when dnsd stops.
void logQueryLogTotals(const querylog::QueryLog& log);

}  // namespace nines::dnsd
