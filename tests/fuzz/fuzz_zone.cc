// libFuzzer target for the zone-file loader: arbitrary bytes as the text of one zone file, through
// loadZoneText (the fast [records] scanner, the record parser's fast paths, TOML++ for the rest,
// then the zone's validation). What it must hold: nothing crashes; the result is exactly what
// TOML++ alone and ldns for every record make of the same text (loadZoneTextByToml), errors and
// their places included; every error points into the file; a zone comes back only when the file
// had no error. fuzz_seeds_test.cc runs the seed corpus (tests/fuzz/corpus/zone) through the same
// checks on every build.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "fuzz_targets.h"
#include "nines/zones/loader.h"
#include "nines/zones/records_scanner.h"

namespace {

// Everything a load says, in one comparable text (as tests/zones/records_scanner_test.cc).
std::string summary(const nines::zones::LoadResult& result) {
  std::string out;
  for (const auto& error : result.errors) out += error.toString() + "\n";
  for (const auto& zone : result.zones) {
    out += "zone " + zone.origin.toText() + " serial " + std::to_string(zone.serial) + "\n";
    for (const auto& record : zone.records) {
      out += std::to_string(record.where.line) + ":" + std::to_string(record.where.column) + " " +
             record.owner.toText() + " " + std::to_string(record.type) + " " +
             std::to_string(record.ttl) + " " + std::to_string(record.rdata.size()) + ":" +
             record.rdata + "\n";
    }
    out += std::to_string(zone.services.size()) + " services\n";
  }
  return out;
}

}  // namespace

std::vector<std::string> zoneInvariantsBroken(const std::uint8_t* data, std::size_t size) {
  using namespace nines::zones;
  std::vector<std::string> broken;
  auto check = [&](bool holds, const char* invariant) {
    if (!holds) broken.push_back(invariant);
  };
  const std::string path = "fuzz.example.toml";
  auto text = std::make_shared<const std::string>(reinterpret_cast<const char*>(data), size);
  const LoadResult loaded = loadZoneText(path, text);
  check(loaded.errors.empty() == (loaded.zones.size() == 1),
        "a zone comes back exactly when the file has no error");
  for (const auto& error : loaded.errors) {
    check(error.where.file == path && !error.message.empty(),
          "every error names the file and says something");
  }
  for (const auto& zone : loaded.zones) {
    check(zone.file == path && zone.text == text, "the zone keeps its file and text");
  }
  check(summary(loaded) == summary(loadZoneTextByToml(path, text)),
        "the scanner and fast record parsers agree with TOML++ and ldns alone");
  return broken;
}

#ifdef NINES_FUZZ_ZONE_MAIN
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (!zoneInvariantsBroken(data, size).empty()) __builtin_trap();
  return 0;
}
#endif
