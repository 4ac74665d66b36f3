// prober: the Nines health-check agent. `prober --config prober.toml`.
// Threads: the probe engine (every check), the reporter (a signed report to every dnsd each
// report_interval), with checks_from a fetcher (GET /v1/checks), and this one taking signals.
#include <signal.h>
#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <thread>
#include <unordered_map>

#include "curl_library.h"
#include "metrics_server.h"
#include "nines/base/log.h"
#include "nines/base/signals.h"
#include "nines/probers/probe_engine.h"
#include "nines/probers/prober_config.h"
#include "nines/probers/prober_metrics.h"
#include "nines/probers/report.h"
#include "nines/probers/report_sender.h"
#include "nines/probers/target_source.h"
#include "probe_transport.h"

namespace {

using namespace nines::probers;
namespace base = nines::base;

constexpr double kFetchTimeout = 2.0;      // seconds for one GET /v1/checks
constexpr double kFirstFetchRetry = 1.0;   // until a first list arrives, retry this often
constexpr double kFailureLogEvery = 60.0;  // seconds between repeated "cannot fetch" lines
constexpr double kPostTimeout = 1.0;       // seconds for one report POST
constexpr double kMaxBackoff = 10.0;

double steadySeconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

double wallSeconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

int millisecondsUntil(double when) {
  return static_cast<int>(std::clamp(std::ceil((when - steadySeconds()) * 1000), 0.0, 100.0));
}

// Thousands of checks in flight need thousands of sockets: take what the hard limit allows.
void raiseFileLimit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
}

Report buildReport(const ProberConfig& config, const std::vector<TargetStatus>& statuses) {
  Report report;
  report.prober = config.id;
  report.region = config.region;
  if (config.location) {
    report.has_location = true;
    report.latitude = config.location->latitude;
    report.longitude = config.location->longitude;
  }
  report.time = wallSeconds();
  report.results.reserve(statuses.size());
  for (const auto& status : statuses) {
    // No result yet: no vote. dnsd counts the endpoint as unknown until some prober knows.
    if (status.state == TargetState::Unknown) continue;
    report.results.push_back({status.id, status.state == TargetState::Up,
                              status.last_ok ? status.rtt_ms : -1, status.reason});
  }
  return report;
}

void reportLoop(const ProberConfig& config, const ProbeEngine& engine, ProberMetrics& metrics,
                const std::atomic<bool>& stop) {
  SenderOptions options;
  options.dnsd = config.dnsd;
  options.prober_id = config.id;
  options.interval = config.report_interval;
  options.timeout = kPostTimeout;
  options.max_backoff = kMaxBackoff;
  options.on_result = [&metrics](std::size_t dnsd, DeliveryResult result) {
    metrics.countReport(dnsd, result);
  };
  ReportSender sender(std::move(options));
  // From the wall clock in ms: a restarted prober continues above every seq it sent before.
  auto seq = static_cast<std::uint64_t>(wallSeconds() * 1000);
  double next = steadySeconds();
  while (!stop.load()) {
    double now = steadySeconds();
    if (now >= next) {
      metrics.setRoundLateness(now - next);
      Report report = buildReport(config, engine.snapshot());
      report.seq = seq;
      // More results than one body holds go out as several reports, each with its own seq.
      std::vector<ReportSender::SignedBody> parts;
      for (auto& body : encodeReportParts(report)) {
        std::string signature = signBody(config.key, body);
        parts.push_back({std::move(body), std::move(signature)});
      }
      seq += parts.size();
      sender.send(std::move(parts));
      next += config.report_interval;
      if (next <= now) next = now + config.report_interval;  // fell behind: skip, do not burst
    }
    sender.poll(millisecondsUntil(next));
  }
}

void fetchLoop(const ProberConfig& config, ProbeEngine& engine, const std::atomic<bool>& stop,
               std::atomic<bool>& fetch_now) {
  std::string current;  // encodeTargets() of the list the engine runs
  std::size_t count = 0;
  bool have_list = false;
  std::uint32_t failures = 0;
  double next = 0, last_logged = -kFailureLogEvery;
  while (!stop.load()) {
    double now = steadySeconds();
    if (now >= next || fetch_now.exchange(false)) {
      std::string error;
      auto fetched =
          fetchTargets(config.checks_from, std::min(kFetchTimeout, config.checks_refresh), &error);
      if (fetched) {
        std::vector<std::string> refusals;
        auto targets = filterTargets(std::move(*fetched), config.allow_nets, &refusals);
        std::string encoded = encodeTargets(targets);
        if (failures > 0) {
          base::logInfo("checks from " + config.checks_from + " fetched again after " +
                        std::to_string(failures) + " failures");
        }
        if (!have_list || encoded != current) {
          for (const auto& refusal : refusals) base::logError(refusal);
          count = targets.size();
          base::logInfo("checks from " + config.checks_from + ": " + std::to_string(count) +
                        " targets");
          engine.setTargets(std::move(targets));
          current = std::move(encoded);
        }
        have_list = true;
        failures = 0;
      } else if (++failures == 1 || now - last_logged >= kFailureLogEvery) {
        base::logWarning("cannot fetch checks: " + error +
                         (have_list
                              ? "; keeping the last list of " + std::to_string(count) + " targets"
                              : "; no checks yet"));
        last_logged = now;
      }
      next = now + (have_list ? config.checks_refresh
                              : std::min(config.checks_refresh, kFirstFetchRetry));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(std::min(50, millisecondsUntil(next))));
  }
}

// Loads the zone files' targets; false (everything logged) when the zones do not load.
bool loadZoneTargets(const ProberConfig& config, ProbeEngine& engine) {
  TargetLoad load = loadTargetsFromZones(config.zones, config.allow_nets);
  for (const auto& error : load.errors) base::logError(error.toString());
  if (!load.errors.empty()) return false;
  for (const auto& refusal : load.refusals) base::logError(refusal.toString());
  base::logInfo(
      "checks from " + config.zones + ": " + std::to_string(load.targets.size()) + " targets" +
      (load.refusals.empty() ? "" : " (" + std::to_string(load.refusals.size()) + " refused)"));
  engine.setTargets(std::move(load.targets));
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"prober: Nines health-check agent"};
  std::string config_path = "prober.toml";
  app.add_option("-c,--config", config_path, "prober.toml to run")->capture_default_str();
  std::string log_format;
  app.add_option("--log-format", log_format, "text or json; overrides [log] format")
      ->check(CLI::IsMember({"text", "json"}));
  CLI11_PARSE(app, argc, argv);
  nines::base::setLogProgram("prober");
  // The command line's format applies from the first line (config errors included).
  if (!log_format.empty()) base::setLogFormat(*base::parseLogFormat(log_format));

  ProberConfigResult loaded = loadProberConfig(config_path);
  if (!loaded.errors.empty()) {
    for (const auto& error : loaded.errors) base::logError(error.toString());
    return 1;
  }
  const ProberConfig& config = loaded.config;
  base::setLogLevel(config.log.level);
  if (log_format.empty()) base::setLogFormat(config.log.format);

  // Reports go out through libcurl (opened at run time): without it every round would fail.
  std::string curl_error;
  if (!nines::probers::detail::curlLibrary(&curl_error)) {
    base::logError("cannot load libcurl, which sends the reports: " + curl_error);
    return 1;
  }

  sigset_t signals = nines::base::blockControlSignals();
  raiseFileLimit();

  ProberMetrics metrics(config.id, config.region, config.dnsd);
  nines::probers::detail::MetricsServer metrics_server([&metrics] { return metrics.render(); });
  if (!config.metrics_host.empty()) {
    std::string error;
    const std::uint16_t port =
        metrics_server.start(config.metrics_host, config.metrics_port, &error);
    if (port == 0) {
      base::logError(error);
      return 1;
    }
    const bool v6 = config.metrics_host.find(':') != std::string::npos;
    base::logInfo("metrics listening on http://" +
                  (v6 ? "[" + config.metrics_host + "]" : config.metrics_host) + ":" +
                  std::to_string(port) + "/metrics");
  }

  EngineOptions engine_options;
  engine_options.on_result = [&metrics](const CheckTarget& target, bool ok, double seconds) {
    metrics.observeCheck(target.check.name, ok, seconds);
  };
  ProbeEngine engine(std::move(engine_options));
  if (!config.zones.empty() && !loadZoneTargets(config, engine)) return 1;

  // One line per state change, written on the engine thread.
  std::unordered_map<std::string, TargetState> states;
  engine.onChange([&engine, &states] {
    for (const auto& status : engine.snapshot()) {
      TargetState& known = states[status.id];
      if (known == status.state) continue;
      base::logInfo(status.id + ": " + stateName(known) + " -> " + stateName(status.state) + " (" +
                    status.reason + ")");
      known = status.state;
    }
  });

  std::atomic<bool> stop{false}, fetch_now{false};
  std::thread engine_thread([&] { engine.run(stop); });
  std::thread report_thread([&] { reportLoop(config, engine, metrics, stop); });
  std::thread fetch_thread;
  if (!config.checks_from.empty()) {
    fetch_thread = std::thread([&] { fetchLoop(config, engine, stop, fetch_now); });
  }
  std::string dnsd_list;
  for (const auto& url : config.dnsd) dnsd_list += (dnsd_list.empty() ? "" : ", ") + url;
  base::logInfo("prober ready: id " + config.id + ", region " + config.region + ", reporting to " +
                dnsd_list + " every " +
                nines::probers::detail::secondsText(config.report_interval) + " s");

  while (true) {
    timespec tick{1, 0};
    int signal_number = sigtimedwait(&signals, nullptr, &tick);
    if (signal_number == SIGHUP) {
      if (!config.zones.empty()) {
        base::logInfo("SIGHUP: reloading zones");
        if (!loadZoneTargets(config, engine))
          base::logError("reload failed; the last checks run on");
      } else {
        base::logInfo("SIGHUP: fetching checks");
        fetch_now = true;
      }
    } else if (signal_number == SIGTERM || signal_number == SIGINT) {
      base::logInfo("stopping");
      break;
    }
  }
  stop = true;
  engine_thread.join();
  report_thread.join();
  if (fetch_thread.joinable()) fetch_thread.join();
  metrics_server.stop();
  base::logInfo("stopped");
  return 0;
}
