// libFuzzer target for dnsd.toml: arbitrary bytes as the file, through loadServerConfig. It must
// never crash; every error names the file and says something; no error quotes a secret (a prober
// key or the API token); and a file loaded without error is one dnsd can run from (somewhere to
// listen, zones to load). fuzz_seeds_test.cc runs the seed corpus (tests/fuzz/corpus/dnsd_config)
// through the same checks on every build.
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz_config_support.h"
#include "fuzz_targets.h"
#include "nines/dnsd/control/config.h"

std::vector<std::string> dnsdConfigInvariantsBroken(const std::uint8_t* data, std::size_t size) {
  std::vector<std::string> broken;
  auto check = [&](bool holds, const char* invariant) {
    if (!holds) broken.push_back(invariant);
  };
  const nines::dnsd::ConfigResult loaded = loadConfigChecked(
      "dnsd.toml", data, size,
      [](const std::string& path) { return nines::dnsd::loadServerConfig(path); },
      "no error quotes a prober key or the API token", broken);
  if (loaded.errors.empty()) {
    const auto& config = loaded.config;
    check(!config.server.listen.empty() && !config.server.zones.empty(),
          "a config without errors has addresses to listen on and zones");
    check(config.health.quorum >= 0 && config.health.quorum < 1 && config.health.report_ttl > 0,
          "a config without errors has a usable quorum and report TTL");
    for (const auto& prober : config.health.probers) {
      check(!prober.id.empty() && prober.key.size() >= 16, "every prober has an id and a key");
    }
  }
  return broken;
}

#ifdef NINES_FUZZ_DNSD_CONFIG_MAIN
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (!dnsdConfigInvariantsBroken(data, size).empty()) __builtin_trap();
  return 0;
}
#endif
