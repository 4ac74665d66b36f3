// ninesctl's subcommands; each returns the process exit status.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace nines::ctl {

inline constexpr int kExitOk = 0;
inline constexpr int kExitProblems = 1;
// ninesctl consistency: the nameservers differ; a nameserver could not be read (which wins over a
// difference: the comparison is incomplete).
inline constexpr int kExitDisagree = 2;
inline constexpr int kExitUnreachable = 3;

struct ExplainOptions {
  std::string name;
  std::string type = "A";
  std::string client = "127.0.0.1";
  std::string ecs;     // "198.51.100.0/24"
  std::string config;  // dnsd.toml
  std::string server;  // dnsd's HTTP API, to take live drains and health from
  bool tcp = false;
  bool json = false;
};
int runExplain(const ExplainOptions& options);

struct ReplayOptions {
  std::string log;            // a dnstap file written by dnsd's [query_log]
  std::string config;         // the dnsd.toml to answer with
  std::string server;         // dnsd's HTTP API, to take live drains and health from
  std::size_t networks = 20;  // client networks listed
  bool json = false;
};
int runReplay(const ReplayOptions& options);

struct ControlOptions {
  std::string config;  // dnsd.toml: [http] listen and token
  std::string server;  // http://127.0.0.1:8053 (overrides the config)
  std::string token;   // overrides the config and $NINES_TOKEN
  std::string zone, service, region, endpoint;
  bool json = false;
};
int runDrain(const ControlOptions& options, bool drain);
int runStatus(const ControlOptions& options);
// POST /v1/reload: prints the result, the errors and what needs a restart; 1 when it failed.
int runReload(const ControlOptions& options);

struct ConsistencyOptions {
  std::vector<std::string> servers;  // http://HOST:PORT of each nameserver's HTTP API
  double wait = 0;  // seconds to keep asking until they agree (a change reaching every one)
};
// Compares the nameservers' /v1/status: 0 when they agree, kExitDisagree when they differ,
// kExitUnreachable when one cannot be read; what differs on stdout, what failed on stderr.
int runConsistency(const ConsistencyOptions& options);

// The whole configuration of dnsd.toml `config`, as a reload would load it: dnsd.toml, the zone
// files, the geo database (opened), the prober keys (decoded) and the probe targets against
// allow_nets. Every problem on stderr as file:line:col: message, then 1; when clean, the zones
// and the config digest on stdout, the capacity warnings (capacity_check.h) on stderr, then 0.
int runCheckConfig(const std::string& config);

// "http://host:port" of a dnsd.toml's first [http] listen address, "" with `error` when none.
std::string serverFromConfig(const std::string& config, std::string* token, std::string* error);

}  // namespace nines::ctl
