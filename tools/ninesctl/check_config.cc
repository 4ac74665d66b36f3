// ninesctl check --config dnsd.toml: everything a reload of that file would load, checked.
#include <cstdio>
#include <utility>

#include "capacity_check.h"
#include "commands.h"
#include "nines/dnsd/control/configuration.h"
#include "nines/probers/check_target.h"

namespace nines::ctl {

int runCheckConfig(const std::string& config) {
  // dnsd.toml must be read before its zones and database can be found.
  dnsd::ConfigResult parsed = dnsd::loadServerConfig(config);
  for (const auto& error : parsed.errors) std::fprintf(stderr, "%s\n", error.toString().c_str());
  if (!parsed.errors.empty()) return kExitProblems;
  dnsd::Configuration loaded = dnsd::completeConfiguration(std::move(parsed.config));
  std::size_t problems = 0;
  auto problem = [&](const std::string& line) {
    std::fprintf(stderr, "%s\n", line.c_str());
    ++problems;
  };
  for (const auto& error : loaded.errors) problem(error.toString());
  for (const auto& error : loaded.zones.errors) problem(error.toString());
  base::Diagnostics refused;
  probers::buildTargets(loaded.zones.zones, loaded.config.health.allow_nets, &refused);
  for (const auto& error : refused) problem(error.toString());
  for (const auto& warning : loaded.warnings) problem(warning);
  if (loaded.zones.zones.empty() && loaded.zones.errors.empty()) {
    problem(loaded.config.server.zones + ": no zone files (*.toml) found");
  }
  if (problems > 0) return kExitProblems;
  for (const auto& zone : loaded.zones.zones) {
    std::printf("%s: %zu records, %zu services, serial %u (%s)\n", zone.origin.toText().c_str(),
                zone.records.size(), zone.services.size(), zone.serial, zone.file.c_str());
  }
  for (const std::string& warning : capacityWarnings(loaded.zones.zones)) {
    std::fprintf(stderr, "%s\n", warning.c_str());
  }
  std::printf("config digest %s\n", loaded.digest.c_str());
  if (!loaded.expected_digest.empty()) {
    std::printf("digest_file %s: %s\n", loaded.config.server.digest_file.c_str(),
                loaded.expected_digest == loaded.digest ? "matches" : "DIFFERS");
  }
  return kExitOk;
}

}  // namespace nines::ctl
