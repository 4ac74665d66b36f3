// dnsd: the Nines authoritative server. `dnsd --config dnsd.toml`.
#include <signal.h>

#include <CLI/CLI.hpp>
#include <ctime>
#include <string>

#include "nines/base/log.h"
#include "nines/base/signals.h"
#include "nines/dnsd/control/config.h"
#include "nines/dnsd/control/server.h"

int main(int argc, char** argv) {
  using namespace nines::dnsd;
  namespace base = nines::base;
  CLI::App app{"dnsd: Nines authoritative DNS server"};
  std::string config_path = "dnsd.toml";
  app.add_option("-c,--config", config_path, "dnsd.toml to serve")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  nines::base::setLogProgram("dnsd");

  ConfigResult loaded = loadServerConfig(config_path);
  if (!loaded.errors.empty()) {
    for (const auto& error : loaded.errors) base::logError(error.toString());
    return 1;
  }

  sigset_t signals = nines::base::blockControlSignals();

  Server server(loaded.config);
  std::string error;
  if (!server.open(&error)) {
    base::logError(error);
    return 1;
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
  }
  server.stop();
  base::logInfo("stopped");
  return 0;
}
