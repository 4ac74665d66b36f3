// libFuzzer target for prober.toml: arbitrary bytes as the file, through loadProberConfig. It must
// never crash; every error names the file and says something; no error quotes the key; and a file
// loaded without error is one a prober can run from (id, region, a key of 16 bytes or more, a
// dnsd to report to, one source of checks). fuzz_seeds_test.cc runs the seed corpus
// (tests/fuzz/corpus/prober_config) through the same checks on every build.
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz_config_support.h"
#include "fuzz_targets.h"
#include "nines/probers/prober_config.h"

std::vector<std::string> proberConfigInvariantsBroken(const std::uint8_t* data, std::size_t size) {
  std::vector<std::string> broken;
  auto check = [&](bool holds, const char* invariant) {
    if (!holds) broken.push_back(invariant);
  };
  const nines::probers::ProberConfigResult loaded = loadConfigChecked(
      "prober.toml", data, size,
      [](const std::string& path) { return nines::probers::loadProberConfig(path); },
      "no error quotes the key", broken);
  if (loaded.errors.empty()) {
    const auto& config = loaded.config;
    check(!config.id.empty() && !config.region.empty() && config.key.size() >= 16,
          "a config without errors has an id, a region and a key");
    check(!config.dnsd.empty(), "a config without errors reports somewhere");
    check(config.zones.empty() != config.checks_from.empty(),
          "a config without errors has one source of checks");
    check(config.checks_refresh > 0 && config.report_interval > 0,
          "a config without errors has positive intervals");
  }
  return broken;
}

#ifdef NINES_FUZZ_PROBER_CONFIG_MAIN
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (!proberConfigInvariantsBroken(data, size).empty()) __builtin_trap();
  return 0;
}
#endif
