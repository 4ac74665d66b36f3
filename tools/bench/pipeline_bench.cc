// In-process cost of the query pipeline (parse -> look up -> write), without sockets: what dnsd
// adds on top of the kernel's UDP path, per query type. Complements run.sh, which measures whole
// servers; this one says where user-space time goes.
//
//   pipeline_bench --zones DIR [--config dnsd.toml] [--seconds 1] [--counters] [--dnstap FILE]
//                  QUERY...
//   QUERY: NAME/TYPE or NAME/TYPE/ECS-CIDR, e.g. www.example.test/A
//   geo.example.test/A/198.51.100.0/24
//   --counters: count every response in a worker's QueryCounters, as dnsd's workers do (what
//   /metrics costs the query path; tools/bench/metrics.sh compares the two)
//   --dnstap FILE: every response also logged as dnsd's workers log it (FILE may be /dev/null),
//   to see what the query log adds on the worker's side.
#include <netinet/in.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "nines/dnsd/control/config.h"
#include "nines/dnsd/querylog/query_log.h"
#include "nines/dnsd/serve/explain.h"
#include "nines/dnsd/serve/query_counters.h"
#include "nines/dnsd/serve/query_pipeline.h"
#include "nines/dnsd/wire/message.h"
#include "nines/zones/ldns.h"
#include "nines/zones/loader.h"

int main(int argc, char** argv) {
  using namespace nines;
  CLI::App app{"pipeline_bench: in-process cost of dnsd's query pipeline"};
  std::string zones_dir, config_path, dnstap_path;
  double seconds = 1.0;
  std::vector<std::string> queries;
  app.add_option("--zones", zones_dir, "Zone directory")->required();
  app.add_option("--config", config_path, "dnsd.toml for [geo] (optional)");
  app.add_option("--seconds", seconds, "Time per query")->capture_default_str();
  bool counted = false;
  app.add_flag("--counters", counted, "count responses as dnsd's workers do");
  app.add_option("--dnstap", dnstap_path, "Log every response to this dnstap file too");
  app.add_option("QUERY", queries, "NAME/TYPE[/ECS]")->required();
  CLI11_PARSE(app, argc, argv);

  dnsd::ServingState state;
  auto loaded = zones::loadZones(zones_dir);
  for (const auto& error : loaded.errors) std::fprintf(stderr, "%s\n", error.toString().c_str());
  state.zones = dnsd::ZoneTable::build(std::move(loaded.zones));
  dnsd::GeoConfig geo;
  if (!config_path.empty()) {
    auto config = dnsd::loadServerConfig(config_path);
    for (const auto& error : config.errors) std::fprintf(stderr, "%s\n", error.toString().c_str());
    geo = config.config.geo;
  }
  std::string error;
  state.locator = policy::ClientLocator::create(geo.nets, geo.database, &error);
  if (!state.locator) {
    std::fprintf(stderr, "geo database: %s\n", error.c_str());
    return 1;
  }
  auto source = *zones::IpAddress::parse("127.0.0.1");
  auto context = std::make_unique<dnsd::QueryContext>();
  dnsd::QueryCounters counters;
  if (counted) context->counters = &counters;
  std::vector<std::uint8_t> out(dnsd::kMaxTcpMessage);
  std::unique_ptr<dnsd::querylog::QueryLog> query_log;
  if (!dnstap_path.empty()) {
    dnsd::querylog::QueryLogConfig log_config;
    log_config.enabled = true;
    log_config.path = dnstap_path;
    query_log = dnsd::querylog::QueryLog::open(log_config, 1, &error);
    if (!query_log) {
      std::fprintf(stderr, "--dnstap: %s\n", error.c_str());
      return 1;
    }
  }
  sockaddr_in peer{};
  peer.sin_family = AF_INET;
  peer.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  peer.sin_port = htons(40000);
  sockaddr_in local = peer;
  local.sin_port = htons(53);

  for (const auto& spec : queries) {
    auto first = spec.find('/');
    auto second = spec.find('/', first + 1);
    std::string name = spec.substr(0, first);
    std::string type = spec.substr(
        first + 1, second == std::string::npos ? std::string::npos : second - first - 1);
    std::optional<zones::Cidr> ecs;
    if (second != std::string::npos) ecs = zones::Cidr::parse(spec.substr(second + 1), &error);
    auto qtype = static_cast<std::uint16_t>(ldns_get_rr_type_by_name(type.c_str()));
    auto wire = dnsd::makeQuery(name, qtype, ecs, &error);
    if (!wire) {
      std::fprintf(stderr, "%s: %s\n", spec.c_str(), error.c_str());
      return 1;
    }
    std::size_t iterations = 0, bytes = 0;
    auto start = std::chrono::steady_clock::now();
    auto deadline = start + std::chrono::duration<double>(seconds);
    std::chrono::steady_clock::time_point now;
    do {
      for (int i = 0; i < 1000; ++i) {
        auto result =
            dnsd::processQuery(state, wire->data(), wire->size(), source, dnsd::Transport::Udp,
                               dnsd::kMaxUdpPayload, *context, out.data());
        bytes += result.size;
        if (query_log && query_log->worker(0)->sampled()) {
          dnsd::querylog::Exchange exchange;
          exchange.query = wire->data();
          exchange.query_size = wire->size();
          exchange.response = out.data();
          exchange.response_size = result.size;
          exchange.peer = reinterpret_cast<const sockaddr*>(&peer);
          exchange.local = reinterpret_cast<const sockaddr*>(&local);
          clock_gettime(CLOCK_REALTIME, &exchange.received);
          query_log->worker(0)->log(exchange, result, context->policy);
        }
      }
      iterations += 1000;
      now = std::chrono::steady_clock::now();
    } while (now < deadline);
    double ns = std::chrono::duration<double, std::nano>(now - start).count() /
                static_cast<double>(iterations);
    std::printf("%-40s %8.1f ns/query  (%zu-byte responses)\n", spec.c_str(), ns,
                bytes / iterations);
  }
  if (query_log) {
    std::fprintf(stderr, "dnstap: %llu frame(s) queued, %llu dropped\n",
                 static_cast<unsigned long long>(query_log->messages()),
                 static_cast<unsigned long long>(query_log->dropped()));
  }
  return 0;
}
