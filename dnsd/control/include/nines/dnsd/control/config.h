// dnsd.toml (DESIGN.md, "Files"). Paths in it are relative to the file.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "nines/base/diagnostic.h"
#include "nines/base/log.h"
#include "nines/dnsd/control/privileges.h"
#include "nines/dnsd/health/prober_key.h"
#include "nines/dnsd/net/socket_address.h"
#include "nines/dnsd/querylog/query_log.h"
#include "nines/dnsd/serve/rate_limit_settings.h"
#include "nines/policy/location.h"
#include "nines/zones/ip.h"

namespace nines::dnsd {

struct ServerConfig {
  std::string file;                   // where it was read from
  std::vector<SocketAddress> listen;  // UDP and TCP on each
  std::string zones;                  // directory (or file) of zone files, resolved
  base::SourceLocation zones_at;      // where dnsd.toml names it, for errors
  unsigned threads = 0;               // UDP workers per address; 0: one per core
  // UDP sockets per worker, each client address steered to one (nines/dnsd/net/source_queues.h).
  unsigned udp_queues = 4;
  // Policy decisions each worker keeps (DecisionCache); a power of two is used, at least this.
  std::size_t decision_cache_entries = 2048;
  std::size_t udp_payload = 1232;  // our EDNS payload size (RFC 6891 §6.2.5)
  double tcp_idle_timeout = 10.0;  // seconds a TCP connection may stay silent (RFC 7766 §6.2.3)
  std::size_t tcp_max_connections = 1024;
  std::size_t tcp_max_connections_per_client = 32;  // per client address
  double tcp_max_connection_time = 120.0;           // seconds from accept, however busy
  std::size_t tcp_max_queries_per_connection = 10000;
  // A file holding the config digest this nameserver was deployed with (ReloadRecord's
  // expected_digest), resolved; empty: none.
  std::string digest_file;
  std::optional<RunAs> run_as;  // [server] user: who dnsd becomes after binding; none: stays
  // A directory of dnsd's own state kept across restarts (the probers' last report sequence
  // numbers, report_ingest.h), resolved; empty: none.
  std::string state_dir;
};

// [http] limits per client address and per connection (dnsd/control/src/api_guard.h).
struct ApiLimits {
  double requests_per_second = 200;  // per client address, then 429; 0: no limit
  double burst = 400;                // requests at once after a quiet spell
  std::size_t max_connections_per_client = 8;
  double header_timeout = 5;    // seconds from the accept to the end of the headers
  double request_timeout = 30;  // seconds from the accept to the end of the response
};

struct HttpConfig {
  std::vector<SocketAddress> listen;  // empty: no HTTP API
  std::string token;                  // bearer token for /v1/drain and /v1/undrain; empty: refused
  bool test_hooks = false;            // enables POST /v1/test/health (tests only)
  ApiLimits limits;
};

// The most [geo] cache_entries may be: 2^22 slots of 64 octets, 256 MiB.
inline constexpr long long kMaxGeoCacheEntries = 4194304;

struct GeoConfig {
  std::string database;                // MaxMind DB path, resolved; empty: none
  base::SourceLocation database_at;    // where dnsd.toml names it, for errors in the file
  std::vector<std::string> databases;  // [geo] databases, resolved, asked after `database`
  std::vector<base::SourceLocation> databases_at;
  policy::GeoFields fields;               // [geo.fields]
  std::size_t cache_entries = 262144;     // [geo] cache_entries
  bool watch = true;                      // [geo] watch: reload when a database file changes
  std::vector<policy::NetLocation> nets;  // [geo.nets]

  // `database` then `databases`, in lookup order (src/geo_config.cc).
  std::vector<std::string> databaseFiles() const;
  // Where dnsd.toml names databaseFiles()[index].
  base::SourceLocation databaseAt(std::size_t index) const;
  policy::GeoDatabaseOptions databaseOptions() const;
};

struct HealthConfig {
  double quorum = 0.5;                  // an endpoint is up when MORE than this share of its
                                        // fresh votes say up; 0 <= quorum < 1
  double report_ttl = 10.0;             // seconds a prober's vote stays fresh
  double max_skew = 30.0;               // seconds a report's time may be off from our clock
  std::vector<zones::Cidr> allow_nets;  // what may be probed; empty: everything
  std::vector<ProberKey> probers;       // empty: dnsd runs the checks itself (embedded prober)
};

struct Config {
  ServerConfig server;
  HttpConfig http;
  GeoConfig geo;
  HealthConfig health;
  base::LogSettings log;               // [log] format, level
  querylog::QueryLogConfig query_log;  // [query_log]; off unless path or socket is set
  RateLimitSettings rate_limit;        // [rate_limit]; off unless responses_per_second is set
};

struct ConfigResult {
  Config config;
  base::Diagnostics errors;
};

ConfigResult loadServerConfig(const std::string& path);

}  // namespace nines::dnsd
