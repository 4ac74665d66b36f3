// dnsd: the Nines authoritative server. `dnsd --config dnsd.toml`.
#include <signal.h>

#include <CLI/CLI.hpp>
#include <ctime>
#include <optional>
#include <string>

#include "nines/base/log.h"
#include "nines/base/signals.h"
#include "nines/dnsd/control/config.h"
#include "nines/dnsd/control/privileges.h"
#include "nines/dnsd/control/server.h"

int main(int argc, char** argv) {
  using namespace nines::dnsd;
  namespace base = nines::base;
  CLI::App app{"dnsd: Nines authoritative DNS server"};
  std::string config_path = "dnsd.toml";
  app.add_option("-c,--config", config_path, "dnsd.toml to serve")->capture_default_str();
  std::string log_format;
  app.add_option("--log-format", log_format, "text or json; overrides [log] format")
      ->check(CLI::IsMember({"text", "json"}));
  CLI11_PARSE(app, argc, argv);
  nines::base::setLogProgram("dnsd");
  // The command line's format applies from the first line (config errors included).
  if (!log_format.empty()) base::setLogFormat(*base::parseLogFormat(log_format));

  ConfigResult loaded = loadServerConfig(config_path);
  if (!loaded.errors.empty()) {
    for (const auto& error : loaded.errors) base::logError(error.toString());
    return 1;
  }
  base::setLogLevel(loaded.config.log.level);
  if (log_format.empty()) base::setLogFormat(loaded.config.log.format);
  const std::optional<RunAs> run_as = loaded.config.server.run_as;

  sigset_t signals = nines::base::blockControlSignals();

  Server server(loaded.config);
  std::string error;
  if (!server.open(&error)) {
    base::logError(error);
    return 1;
  }
  // Sockets are bound and no thread runs yet: the moment to stop being root.
  if (run_as) {
    if (!dropPrivileges(*run_as, &error)) {
      base::logError(error);
      return 1;
    }
    base::logInfo("running as user " + run_as->user + " (uid " + std::to_string(run_as->uid) +
                  ", gid " + std::to_string(run_as->gid) + ")");
  }
  server.start();
  base::logInfo("ready");

  while (true) {
    timespec tick{1, 0};
    int signal_number = sigtimedwait(&signals, nullptr, &tick);
    if (signal_number == SIGHUP) {
      base::logInfo("SIGHUP: reloading dnsd.toml, the zone files and the geo database");
      server.reload();
    } else if (signal_number == SIGTERM || signal_number == SIGINT) {
      base::logInfo("stopping");
      break;
    }
    server.reapRetired();
    server.reloadIfGeoDatabaseChanged();
  }
  server.stop();
  base::logInfo("stopped");
  return 0;
}
