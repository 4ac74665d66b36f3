// In-process cost of the GeoIP databases of a dnsd.toml ([geo] databases, [geo.fields],
// cache_entries): the time and memory to open them, and the CPU nanoseconds of a lookup through
// the trees against through the lookup cache, for a working set of client networks (random
// public IPv4 /24s, one address each, asked in random order).
//
//   geo_bench --config dnsd.toml [--networks 30000] [--lookups 2000000]
#include <time.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "nines/dnsd/control/config.h"
#include "nines/policy/geo_database.h"
#include "process_stats.h"

using nines::bench::cpuSeconds;
using nines::bench::residentMegabytes;

int main(int argc, char** argv) {
  using namespace nines;
  CLI::App app{
      "geo_bench: opening a dnsd.toml's GeoIP databases, and a lookup with and without "
      "the cache"};
  std::string config_path;
  unsigned networks = 30000;
  unsigned lookups = 2000000;
  app.add_option("--config", config_path, "dnsd.toml with [geo] databases")->required();
  app.add_option("--networks", networks, "client /24s in the working set")
      ->check(CLI::Range(1u, 10000000u));
  app.add_option("--lookups", lookups, "lookups timed per run")->check(CLI::Range(1u, 100000000u));
  CLI11_PARSE(app, argc, argv);

  dnsd::ConfigResult config = dnsd::loadServerConfig(config_path);
  for (const auto& error : config.errors) std::fprintf(stderr, "%s\n", error.toString().c_str());
  if (!config.errors.empty()) return 1;
  policy::GeoDatabaseOptions options = config.config.geo.databaseOptions();
  if (options.files.empty()) {
    std::fprintf(stderr, "%s: no [geo] databases\n", config_path.c_str());
    return 1;
  }

  std::mt19937 random(7);
  std::vector<zones::IpAddress> clients(networks);
  for (auto& client : clients) {
    const auto x = static_cast<std::uint32_t>(random());
    // 1.0.0.0 to 222.255.255.0: unicast, mostly allocated space.
    const std::uint8_t four[4] = {static_cast<std::uint8_t>(1 + (x >> 24) % 222),
                                  static_cast<std::uint8_t>(x >> 16),
                                  static_cast<std::uint8_t>(x >> 8), 1};
    client = zones::IpAddress::v4(four);
  }
  std::uniform_int_distribution<unsigned> pick(0, networks - 1);
  std::vector<unsigned> order(lookups);
  for (auto& i : order) i = pick(random);

  const std::size_t configured = options.cache_entries;
  for (std::size_t cache : {std::size_t{0}, configured == 0 ? std::size_t{65536} : configured}) {
    options.cache_entries = cache;
    const double rss_before = residentMegabytes();
    const double open_start = cpuSeconds();
    std::string error;
    auto db = policy::GeoDatabase::open(options, &error);
    if (!db) {
      std::fprintf(stderr, "%s\n", error.c_str());
      return 1;
    }
    const double open_seconds = cpuSeconds() - open_start;
    const double rss_open = residentMegabytes() - rss_before;
    unsigned found = 0;
    for (unsigned i : order) found += db->locate(clients[i]).found;  // warm: pages and cache
    const policy::GeoCacheCounts before = policy::geoCacheCounts();
    const double start = cpuSeconds();
    for (unsigned i : order) found += db->locate(clients[i]).found;
    const double seconds = cpuSeconds() - start;
    const policy::GeoCacheCounts after = policy::geoCacheCounts();
    const double hits = static_cast<double>(after.hits - before.hits);
    const double asked = hits + static_cast<double>(after.misses - before.misses);
    std::printf(
        "cache_entries %zu: opened in %.1f ms CPU, +%.1f MB resident; %u client /24s: %.0f ns a "
        "lookup, %.1f%% hits, %.1f%% of clients found; +%.1f MB resident after the lookups\n",
        cache, open_seconds * 1000, rss_open, networks, seconds * 1e9 / lookups,
        asked > 0 ? 100 * hits / asked : 0.0, 50.0 * found / lookups,
        residentMegabytes() - rss_before);
  }
  return 0;
}
