// dnsd: the Nines authoritative server. `dnsd --config dnsd.toml`.
#include <signal.h>

#include <CLI/CLI.hpp>
#include <ctime>
#include <string>

#include "nines/dnsd/config.h"
#include "nines/dnsd/log.h"
#include "nines/dnsd/server.h"
#include "nines/zones/signals.h"

int main(int argc, char** argv) {
  using namespace nines::dnsd;
  CLI::App app{"dnsd: Nines authoritative DNS server"};
  std::string config_path = "dnsd.toml";
  app.add_option("-c,--config", config_path, "dnsd.toml to serve")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  nines::zones::setLogProgram("dnsd");

  ConfigResult loaded = loadServerConfig(config_path);
  if (!loaded.errors.empty()) {
    for (const auto& error : loaded.errors) logError(error.toString());
    return 1;
  }

  sigset_t signals = nines::zones::blockControlSignals();

  Server server(loaded.config);
  std::string error;
  if (!server.open(&error)) {
    logError(error);
    return 1;
  }
  server.start();
  logInfo("ready");

  while (true) {
    timespec tick{1, 0};
    int signal_number = sigtimedwait(&signals, nullptr, &tick);
    if (signal_number == SIGHUP) {
      logInfo("SIGHUP: reloading zones");
      server.reload();
    } else if (signal_number == SIGTERM || signal_number == SIGINT) {
      logInfo("stopping");
      break;
    }
    server.reapRetired();
  }
  server.stop();
  logInfo("stopped");
  return 0;
}
