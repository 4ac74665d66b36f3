// ninesctl: the operator's tool. One function per subcommand; each returns the exit status.
//
//   ninesctl check PATH    validate zone files (a directory or one file)
//
// Later subcommands (explain, status, drain, undrain) are added next to `check` in main().

#include <CLI/CLI.hpp>
#include <cstdio>
#include <string>

#include "nines/zones/loader.h"

namespace {

// Exit codes: 0 all good, 1 the configuration has problems; a bad command line exits with
// CLI11's own non-zero code (e.g. 106 for a missing subcommand).
constexpr int kExitOk = 0;
constexpr int kExitProblems = 1;

struct CheckOptions {
  std::string path;
};

// Prints every error as "file:line:col: message" on stderr and returns 1; when everything loads,
// prints one line per zone on stdout and returns 0. No zone file at all is a problem too: a
// deployment with an empty zone directory would answer nothing.
int runCheck(const CheckOptions& options) {
  nines::zones::LoadResult result = nines::zones::loadZones(options.path);
  for (const nines::zones::Diagnostic& error : result.errors) {
    std::fprintf(stderr, "%s\n", error.toString().c_str());
  }
  if (!result.errors.empty()) return kExitProblems;
  if (result.zones.empty()) {
    std::fprintf(stderr, "%s: no zone files (*.toml) found\n", options.path.c_str());
    return kExitProblems;
  }
  for (const nines::zones::Zone& zone : result.zones) {
    std::printf("%s: %zu records, serial %u (%s)\n", zone.origin.toText().c_str(),
                zone.records.size(), zone.serial, zone.file.c_str());
  }
  return kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"ninesctl: operate Nines, the DNS global traffic manager"};
  app.require_subcommand(1);
  int status = kExitOk;

  CheckOptions check_options;
  CLI::App* check = app.add_subcommand(
      "check", "Validate zone files; print every problem as file:line:col: message");
  check->add_option("PATH", check_options.path, "A directory of *.toml zone files, or one file")
      ->required();
  check->callback([&] { status = runCheck(check_options); });

  CLI11_PARSE(app, argc, argv);
  return status;
}
