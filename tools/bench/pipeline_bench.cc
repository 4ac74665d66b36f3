// In-process cost of the query pipeline (parse -> look up -> write), without sockets: what dnsd
// adds on top of the kernel's UDP path, per query type. Complements run.sh, which measures whole
// servers; this one says where user-space time goes.
//
//   pipeline_bench --zones DIR [--config dnsd.toml] [--seconds 1] [--counters] [--dnstap FILE]
//                  [--rate-limit] [--sources N] [--count N] QUERY...
//   QUERY: NAME/TYPE or NAME/TYPE/ECS-CIDR, e.g. www.example.test/A
//   geo.example.test/A/198.51.100.0/24
//   --counters: count every response in a worker's QueryCounters, as dnsd's workers do (what
//   /metrics costs the query path; tools/bench/metrics.sh compares the two)
//   --dnstap FILE: every response also logged as dnsd's workers log it (FILE may be /dev/null),
//   to see what the query log adds on the worker's side.
//   --rate-limit: every response through a worker's response rate limiter with a limit nobody
//   reaches (1,000,000 a second, an hour of credit), its settings and clock taken every 64
//   queries as a worker takes them per batch (tools/bench/rrl.sh compares whole servers)
//   --sources N: the queries come from N different /24s in turn (default 1), so that the rate
//   limiter's table sees as many client networks
//   --count N: N thousand queries of each QUERY instead of --seconds (for instruction counts under
//   callgrind, which runs too slowly for time to say anything)
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
  bool rate_limited = false;
  app.add_flag("--rate-limit", rate_limited, "rate limit as dnsd's UDP workers do (never reached)");
  std::uint32_t sources = 1;
  app.add_option("--sources", sources, "client /24s the queries come from in turn")
      ->capture_default_str()
      ->check(CLI::Range(1u, 1u << 24));
  std::size_t thousands = 0;
  app.add_option("--count", thousands, "thousands of queries of each QUERY (0: --seconds)");
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
  state.locator = policy::ClientLocator::create(geo.nets, geo.databaseOptions(), &error);
  if (!state.locator) {
    std::fprintf(stderr, "geo database: %s\n", error.c_str());
    return 1;
  }
  // /24s from 10.0.0.0 up, in turn, host 1.
  std::vector<zones::IpAddress> clients(sources);
  for (std::uint32_t i = 0; i < sources; ++i) {
    clients[i].family = 4;
    clients[i].bytes = {std::uint8_t(10 + (i >> 16)), std::uint8_t(i >> 8), std::uint8_t(i), 1};
  }
  if (sources == 1) clients[0] = *zones::IpAddress::parse("127.0.0.1");
  auto context = std::make_unique<dnsd::QueryContext>();
  dnsd::QueryCounters counters;
  if (counted) context->counters = &counters;
  dnsd::RateLimitSettings rate_limit;
  rate_limit.responses_per_second = 1000000;
  rate_limit.window = 3600;
  dnsd::ResponseRateLimiter limiter(0x5eed);
  if (rate_limited) context->limiter = &limiter;
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
    std::size_t next_client = 0;
    do {
      for (int i = 0; i < 1000; ++i) {
        if (rate_limited && i % 64 == 0) {
          timespec clock{};
          clock_gettime(CLOCK_MONOTONIC_COARSE, &clock);
          limiter.beginBatch(&rate_limit, static_cast<std::uint64_t>(clock.tv_sec) * 1000 +
                                              static_cast<std::uint64_t>(clock.tv_nsec) / 1000000);
        }
        const zones::IpAddress& source = clients[next_client];
        if (++next_client == clients.size()) next_client = 0;
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
    } while (thousands != 0 ? iterations < thousands * 1000 : now < deadline);
    double ns = std::chrono::duration<double, std::nano>(now - start).count() /
                static_cast<double>(iterations);
    std::printf("%-40s %8.1f ns/query  (%zu-byte responses)\n", spec.c_str(), ns,
                bytes / iterations);
  }
  if (rate_limited) {
    std::uint64_t limited = 0;
    for (std::size_t c = 0; c < dnsd::kResponseClasses; ++c) {
      for (auto action : {dnsd::RateLimitAction::Drop, dnsd::RateLimitAction::Slip}) {
        limited += limiter.count(static_cast<dnsd::ResponseClass>(c), action);
      }
    }
    std::fprintf(stderr, "rate limit: %zu bucket(s) used, %llu response(s) limited\n",
                 limiter.occupied(), static_cast<unsigned long long>(limited));
  }
  if (query_log) {
    std::fprintf(stderr, "dnstap: %llu frame(s) queued, %llu dropped\n",
                 static_cast<unsigned long long>(query_log->messages()),
                 static_cast<unsigned long long>(query_log->dropped()));
  }
  return 0;
}
