// In-process cost of loading zones: the TOML loader (zones::loadZones) and the zone table build
// (ZoneTable::build), each timed, with the resident memory after each step and after the table is
// freed. Complements load.sh, which measures the whole dnsd against Knot; this one says where the
// time goes and is small enough to run under perf, callgrind or heaptrack.
//
//   load_bench --zones DIR [--rounds 3]
#include <malloc.h>
#include <time.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <fstream>
#include <string>

#include "nines/dnsd/serve/zone_table.h"
#include "nines/zones/loader.h"
#include "process_stats.h"

using nines::bench::cpuSeconds;
using nines::bench::residentMegabytes;

int main(int argc, char** argv) {
  using namespace nines;
  CLI::App app{"load_bench: time and memory of loading zones and building dnsd's zone table"};
  std::string zones_dir;
  int rounds = 3;
  app.add_option("--zones", zones_dir, "Zone directory or file")->required();
  app.add_option("--rounds", rounds, "Loads in a row (reloads after the first)")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  std::printf("start rss=%.1fMB\n", residentMegabytes());
  std::shared_ptr<const dnsd::ZoneTable> current;
  for (int round = 0; round < rounds; ++round) {
    double start = cpuSeconds();
    zones::LoadResult loaded = zones::loadZones(zones_dir);
    const double load_seconds = cpuSeconds() - start;
    for (const auto& error : loaded.errors) std::fprintf(stderr, "%s\n", error.toString().c_str());
    std::size_t records = 0;
    for (const auto& zone : loaded.zones) records += zone.records.size();
    const double loaded_rss = residentMegabytes();
    start = cpuSeconds();
    auto table = dnsd::ZoneTable::build(std::move(loaded.zones));
    const double build_seconds = cpuSeconds() - start;
    const double built_rss = residentMegabytes();
    start = cpuSeconds();
    current = std::move(table);  // frees the previous table, as a reload does
    malloc_trim(0);
    const double swap_seconds = cpuSeconds() - start;
    std::printf(
        "round %d: %zu records, %zu nodes: load %.3f cpu-s (rss %.1fMB), build %.3f cpu-s (rss "
        "%.1fMB), free old + trim %.3f cpu-s (rss %.1fMB)\n",
        round + 1, records, current->nodeCount(), load_seconds, loaded_rss, build_seconds,
        built_rss, swap_seconds, residentMegabytes());
  }
  return 0;
}
