// ninesctl: the operator's tool. One function per subcommand; each returns the exit status.
//
//   ninesctl check PATH                       validate zone files (a directory or one file)
//   ninesctl check --config dnsd.toml         validate the whole configuration; print its digest
//   ninesctl reload  --config dnsd.toml | --server URL [--token T]
//   ninesctl explain NAME TYPE --client ADDR [--ecs CIDR] --config dnsd.toml [--json]
//   ninesctl replay  LOG --config dnsd.toml [--server URL] [--json]   what a config change moves
//   ninesctl status  --config dnsd.toml | --server URL
//   ninesctl drain   --config dnsd.toml [--zone Z] [--service S] [--region R] [--endpoint E]
//   ninesctl undrain (as drain)
//   ninesctl consistency URL URL... [--wait SECONDS]   do the nameservers agree? (exit 0, 2, 3)

#include <CLI/CLI.hpp>
#include <cstdio>
#include <string>

#include "capacity_check.h"
#include "commands.h"
#include "nines/zones/loader.h"

namespace {

// Exit codes: 0 all good, 1 the configuration has problems; a bad command line exits with
// CLI11's own non-zero code (e.g. 106 for a missing subcommand).
constexpr int kExitOk = 0;
constexpr int kExitProblems = 1;

struct CheckOptions {
  std::string path;
  std::string config;  // dnsd.toml: the whole configuration instead of zone files alone
};

// Prints every error as "file:line:col: message" on stderr and returns 1; when everything loads,
// prints one line per zone on stdout, the capacity warnings (capacity_check.h) on stderr, and
// returns 0. No zone file at all is a problem too: a
// deployment with an empty zone directory would answer nothing.
int runCheck(const CheckOptions& options) {
  if (!options.config.empty()) {
    if (!options.path.empty()) {
      std::fprintf(stderr, "ninesctl: check takes PATH or --config, not both\n");
      return kExitProblems;
    }
    return nines::ctl::runCheckConfig(options.config);
  }
  if (options.path.empty()) {
    std::fprintf(stderr, "ninesctl: check needs PATH (zone files) or --config dnsd.toml\n");
    return kExitProblems;
  }
  nines::zones::LoadResult result = nines::zones::loadZones(options.path);
  for (const nines::base::Diagnostic& error : result.errors) {
    std::fprintf(stderr, "%s\n", error.toString().c_str());
  }
  if (!result.errors.empty()) return kExitProblems;
  if (result.zones.empty()) {
    std::fprintf(stderr, "%s: no zone files (*.toml) found\n", options.path.c_str());
    return kExitProblems;
  }
  for (const nines::zones::Zone& zone : result.zones) {
    std::printf("%s: %zu records, %zu services, serial %u (%s)\n", zone.origin.toText().c_str(),
                zone.records.size(), zone.services.size(), zone.serial, zone.file.c_str());
  }
  for (const std::string& warning : nines::ctl::capacityWarnings(result.zones)) {
    std::fprintf(stderr, "%s\n", warning.c_str());
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
      "check",
      "Validate zone files, or with --config the whole configuration; print every "
      "problem as file:line:col: message");
  check->add_option("PATH", check_options.path, "A directory of *.toml zone files, or one file");
  check->add_option("--config", check_options.config,
                    "dnsd.toml: check it, its zone files, geo database and prober keys");
  check->callback([&] { status = runCheck(check_options); });

  nines::ctl::ExplainOptions explain_options;
  CLI::App* explain = app.add_subcommand(
      "explain", "Why a client gets the answer it gets: the policy's decision, step by step");
  explain->add_option("NAME", explain_options.name, "The name asked for")->required();
  explain->add_option("TYPE", explain_options.type, "Record type (A, AAAA, ...)")
      ->capture_default_str();
  explain->add_option("--client", explain_options.client, "Source address of the query")
      ->capture_default_str();
  explain->add_option("--ecs", explain_options.ecs, "EDNS Client Subnet, e.g. 198.51.100.0/24");
  explain->add_option("--config", explain_options.config, "dnsd.toml whose zones and [geo] to use")
      ->required();
  explain->add_option("--server", explain_options.server,
                      "A running dnsd's HTTP API (http://HOST:PORT): use its drains and health");
  explain->add_flag("--tcp", explain_options.tcp, "Ask over TCP (no UDP size limit)");
  explain->add_flag("--json", explain_options.json, "Machine-readable output");
  explain->callback([&] { status = nines::ctl::runExplain(explain_options); });

  nines::ctl::ReplayOptions replay_options;
  CLI::App* replay = app.add_subcommand(
      "replay", "What would change: re-answer a dnstap query log with another dnsd.toml");
  replay->add_option("LOG", replay_options.log, "dnstap file written by dnsd's [query_log]")
      ->required();
  replay->add_option("--config", replay_options.config, "dnsd.toml whose zones and [geo] to use")
      ->required();
  replay->add_option("--server", replay_options.server,
                     "dnsd's HTTP API (http://HOST:PORT): its live drains and health instead of "
                     "every endpoint up");
  replay->add_option("--networks", replay_options.networks, "Client networks to list (default 20)");
  replay->add_flag("--json", replay_options.json, "Machine-readable output");
  replay->callback([&] { status = nines::ctl::runReplay(replay_options); });

  nines::ctl::ControlOptions control_options;
  auto add_target = [&](CLI::App* command) {
    command->add_option("--config", control_options.config, "dnsd.toml: [http] listen and token");
    command->add_option("--server", control_options.server, "dnsd's HTTP API, http://HOST:PORT");
    command->add_option("--token", control_options.token,
                        "Bearer token (default: the config's, or $NINES_TOKEN)");
  };
  for (bool drain : {true, false}) {
    CLI::App* command = app.add_subcommand(
        drain ? "drain" : "undrain", drain ? "Take a region, pool or endpoint out of answers now"
                                           : "Put a drained region, pool or endpoint back");
    add_target(command);
    command->add_option("--zone", control_options.zone, "Zone origin");
    command->add_option("--service", control_options.service, "Service name (default: all)");
    command->add_option("--region", control_options.region, "Region name");
    command->add_option("--endpoint", control_options.endpoint, "Endpoint address");
    command->callback([&, drain] { status = nines::ctl::runDrain(control_options, drain); });
  }
  CLI::App* reload = app.add_subcommand(
      "reload", "Have dnsd re-read dnsd.toml, the zone files and the geo database");
  add_target(reload);
  reload->callback([&] { status = nines::ctl::runReload(control_options); });
  CLI::App* status_command = app.add_subcommand("status", "Zones, services and region health");
  add_target(status_command);
  status_command->add_flag("--json", control_options.json, "The raw /v1/status JSON");
  status_command->callback([&] { status = nines::ctl::runStatus(control_options); });

  nines::ctl::ConsistencyOptions consistency_options;
  CLI::App* consistency = app.add_subcommand(
      "consistency",
      "Do the nameservers agree? Compare their config digest, zone serials, health view digest, "
      "region verdicts, endpoint states, drains and probers heard; exit 0 when they agree, 2 when "
      "they differ, 3 when one cannot be read");
  consistency
      ->add_option("URL", consistency_options.servers,
                   "Each nameserver's HTTP API, http://HOST:PORT (two or more)")
      ->required();
  consistency
      ->add_option("--wait", consistency_options.wait,
                   "Seconds to keep asking until they agree (a change reaching every one)")
      ->capture_default_str();
  consistency->callback([&] { status = nines::ctl::runConsistency(consistency_options); });

  CLI11_PARSE(app, argc, argv);
  return status;
}
