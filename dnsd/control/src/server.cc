#include "nines/dnsd/control/server.h"

#include <chrono>
#include <nlohmann/json.hpp>
#include <random>
#include <set>

#include "nines/base/log.h"
#include "nines/dnsd/control/http_api.h"
#include "nines/dnsd/control/metrics.h"
#include "nines/dnsd/control/status.h"
#include "nines/dnsd/net/tcp_server.h"
#include "nines/probers/check_target.h"
#include "nines/zones/loader.h"
#include "query_log_config.h"
#include "rate_limit_config.h"
#include "recent_changes.h"

namespace nines::dnsd {

namespace {

// How often the publication loop looks: a verdict change or an expired vote is served within a
// tick, and the serving state is republished at most four times a second.
constexpr auto kHealthTick = std::chrono::milliseconds(250);

double wallClock() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::chrono::milliseconds milliseconds(double seconds) {
  return std::chrono::milliseconds(static_cast<long>(seconds * 1000));
}

// The [server] tcp_* keys, all applied live by TcpServer::setLimits.
TcpLimits tcpLimitsOf(const ServerConfig& server) {
  TcpLimits limits;
  limits.idle_timeout = milliseconds(server.tcp_idle_timeout);
  limits.max_connection_time = milliseconds(server.tcp_max_connection_time);
  limits.max_connections = server.tcp_max_connections;
  limits.max_connections_per_client = server.tcp_max_connections_per_client;
  limits.max_queries_per_connection = server.tcp_max_queries_per_connection;
  return limits;
}

}  // namespace

Server::Server(Config config)
    : config_(std::move(config)),
      votes_({config_.health.quorum, config_.health.report_ttl}, wallClock),
      health_(&votes_, wallClock),
      publisher_(health_, wallClock,
                 [this](HealthPublisher::View view) {
                   auto current = state_.current();
                   publishServingState(current ? current->zones : nullptr, std::move(view));
                 }),
      ingest_(config_.health.probers, config_.health.max_skew, votes_, wallClock) {
  if (config_.health.probers.empty()) embedded_ = std::make_unique<EmbeddedProber>(votes_);
  publisher_.recordChangesIn(&events_);
  if (!embedded_ && !config_.server.state_dir.empty()) {
    std::string error;
    if (!ingest_.useStateFile(config_.server.state_dir + "/prober-sequences.json", &error)) {
      base::logError("state_dir: " + error + "; it is written anew from the next reports");
    }
  }
}

Server::~Server() {
  stop();
  if (http_) http_->stop();
  ingest_.flushState(true);  // the reports accepted until the API stopped
}

std::vector<zones::Zone> Server::keepFailedZones(zones::LoadResult& result) const {
  std::vector<zones::Zone> next = std::move(result.zones);
  // A zone whose file now fails keeps its last good version (STYLE rule 3).
  std::set<std::string> failed_files;
  for (const auto& error : result.errors) failed_files.insert(error.where.file);
  std::set<std::string> loaded_origins;
  for (const auto& zone : next) loaded_origins.insert(std::string(zone.origin.lowercased().wire()));
  if (auto current = state_.current()) {
    for (const auto& served : current->zones->zones()) {
      if (failed_files.count(served->file) && !loaded_origins.count(served->key)) {
        // The table keeps the file's content, not the model: read it again.
        if (auto model = served->model()) {
          base::logWarning("zone " + served->origin.toText() + " keeps its previous version");
          next.push_back(std::move(*model));
        }
      }
    }
  }
  return next;
}

void Server::updateChecks(const std::vector<zones::Zone>& zones,
                          const std::vector<zones::Cidr>& allow_nets) {
  // Probe refusals are errors at every load, in both modes: a mistyped address is refused here
  // instead of probed.
  base::Diagnostics refused;
  std::vector<probers::CheckTarget> targets = probers::buildTargets(zones, allow_nets, &refused);
  for (const auto& error : refused) base::logError(error.toString());
  std::vector<std::string> ids;
  ids.reserve(targets.size());
  for (const auto& target : targets) ids.push_back(target.id);
  votes_.setTargets(ids);
  {
    std::lock_guard lock(checks_mutex_);
    checks_json_ = probers::encodeTargets(targets);
  }
  if (embedded_) embedded_->setTargets(std::move(targets));
}

std::size_t Server::serveZones(zones::LoadResult& loaded, bool initial,
                               const std::vector<zones::Cidr>& allow_nets) {
  for (const auto& error : loaded.errors) base::logError(error.toString());
  std::vector<zones::Zone> next = initial ? std::move(loaded.zones) : keepFailedZones(loaded);
  const std::size_t count = next.size();
  updateChecks(next, allow_nets);
  std::shared_ptr<const ZoneTable> table = ZoneTable::build(std::move(next));
  query_counts_.addTable(*table);  // before any worker can count under it
  // The services live in the table: the publisher holds them through it.
  std::shared_ptr<const policy::ServiceSet> services(table, &table->services());
  publisher_.publish(std::move(services), [&](HealthPublisher::View view) {
    publishServingState(table, std::move(view));
  });
  return count;
}

void Server::recordAttempt(const Configuration& loaded, const std::vector<std::string>& restart,
                           bool applied, bool initial) {
  std::vector<std::string> errors;
  for (const auto& error : loaded.errors) errors.push_back(error.toString());
  for (const auto& error : loaded.zones.errors) errors.push_back(error.toString());
  std::lock_guard lock(reload_mutex_);
  const double now = wallClock();
  ReloadRecord& record = reload_record_;
  record.last_attempt_time = now;
  record.last_ok = errors.empty();
  record.errors = std::move(errors);
  if (record.last_ok) {
    ++record.successes;
    record.last_success_time = now;
  } else {
    ++record.failures;
  }
  if (applied) {
    record.restart_required = restart;
    record.config_digest = loaded.digest;
    record.expected_digest = loaded.expected_digest;
  }
  events_.record(reloadChange(record, initial));
}

void Server::publishServingState(std::shared_ptr<const ZoneTable> zones,
                                 HealthPublisher::View health) {
  if (!zones) return;
  auto next = std::make_shared<ServingState>();
  next->generation = ++generation_;
  next->health = std::move(health);
  next->zones = std::move(zones);
  {
    std::lock_guard lock(locator_mutex_);
    next->locator = locator_;
    next->rate_limit = rate_limit_;
  }
  state_.publish(std::move(next));
}

ControlHandlers Server::handlers() {
  ControlHandlers handlers;
  handlers.status = [this](const StatusFilter& filter) { return statusJson(filter); };
  handlers.drain = [this](const HealthSelector& selector, bool drained, std::string& body) {
    return drain(selector, drained, body);
  };
  handlers.setHealth = [this](const HealthSelector& selector, const std::string& state,
                              std::string& body) { return setHealth(selector, state, body); };
  handlers.report = [this](const std::string& prober, const std::string& signature,
                           const std::string& body, std::string& reply) {
    IngestReply result = ingest_.ingest(prober, signature, body);
    reply = std::move(result.body);
    return result.status;
  };
  handlers.reportTooLarge = [this](const std::string& prober, std::size_t length,
                                   std::string& reply) {
    IngestReply result = ingest_.tooLarge(prober, length);
    reply = std::move(result.body);
    return result.status;
  };
  handlers.reload = [this](std::string& body) {
    const ReloadRecord record = reload();
    body = nlohmann::json{{"result", record.last_ok ? "success" : "failure"},
                          {"errors", record.errors},
                          {"restart_required", record.restart_required},
                          {"config_digest", record.config_digest}}
               .dump();
    return record.last_ok ? 200 : 422;
  };
  handlers.metrics = [this] { return metricsText(); };
  handlers.checks = [this] {
    std::lock_guard lock(checks_mutex_);
    return checks_json_;
  };
  return handlers;
}

bool Server::open(std::string* error) {
  if (embedded_) {
    base::logInfo("health: no [[health.probers]] configured: dnsd runs the checks itself");
  } else {
    std::string ids;
    for (const auto& prober : config_.health.probers) ids += (ids.empty() ? "" : ", ") + prober.id;
    base::logInfo("health: reports taken from " + std::to_string(config_.health.probers.size()) +
                  " prober(s): " + ids);
  }
  Configuration first = completeConfiguration(config_);
  if (!first.errors.empty()) {
    *error = first.errors.front().toString();
    return false;
  }
  for (const auto& warning : first.warnings) base::logWarning(warning);
  locator_ = first.locator;
  geo_watch_.loaded(first.geo_stamps);
  rate_limit_ = std::make_shared<const RateLimitSettings>(config_.rate_limit);
  base::logInfo(describeRateLimit(config_.rate_limit));
  const std::size_t count = serveZones(first.zones, true, config_.health.allow_nets);
  recordAttempt(first, {}, true, true);
  base::logInfo("loaded " + std::to_string(count) + " zone(s) from " + config_.server.zones +
                (first.zones.errors.empty()
                     ? ""
                     : " (" + std::to_string(first.zones.errors.size()) + " error(s))") +
                "; config digest " + first.digest);
  if (!config_.http.listen.empty()) {
    http_ = std::make_unique<HttpApi>(config_.http, handlers());
    if (!http_->open(error)) return false;
  }
  const unsigned threads = config_.server.threads
                               ? config_.server.threads
                               : std::max(1u, std::thread::hardware_concurrency());
  const SourceSteering steering{threads, config_.server.udp_queues};
  if (!listeners_.open(config_.server.listen, steering, error)) return false;
  for (const auto& warning : listeners_.warnings()) base::logWarning(warning);
  return openQueryLog(config_.query_log, listeners_.udpWorkers().size(), query_log_, error);
}

void Server::start() {
  std::random_device random;
  for (std::size_t i = 0; i < listeners_.udpWorkers().size(); ++i) {
    counters_.push_back(std::make_unique<QueryCounters>());
    query_counts_.addWorker(counters_.back().get());
    limiters_.push_back(std::make_unique<ResponseRateLimiter>((std::uint64_t{random()} << 32) ^
                                                              std::uint64_t{random()}));
    workers_.push_back(std::make_unique<UdpWorker>(
        listeners_.udpWorkers()[i], state_, config_.server.udp_payload,
        config_.server.decision_cache_entries, stopping_, counters_.back().get(),
        query_log_ ? query_log_->worker(i) : nullptr, limiters_.back().get()));
    query_counts_.addDecisionCache(&workers_.back()->decisionCache());
  }
  for (auto& worker : workers_) {
    threads_.emplace_back([w = worker.get()] { w->run(); });
  }
  TcpLimits limits = tcpLimitsOf(config_.server);
  limits.advertised_payload = config_.server.udp_payload;
  counters_.push_back(std::make_unique<QueryCounters>());
  query_counts_.addWorker(counters_.back().get());
  tcp_ = std::make_unique<TcpServer>(
      listeners_.tcp(), state_, limits, stopping_, counters_.back().get(),
      query_log_ ? query_log_->worker(query_log_->workers() - 1) : nullptr);
  query_counts_.addDecisionCache(&tcp_->decisionCache());
  threads_.emplace_back([t = tcp_.get()] { t->run(); });
  if (embedded_) embedded_->start();
  // The embedded prober's votes must be refreshed well inside report_ttl, or a down endpoint's
  // vote goes stale between refreshes and the endpoint flaps to "unknown" (which counts as up).
  const double ttl = config_.health.report_ttl;
  const double refresh = std::min(1.0, ttl / 4);
  const auto tick = std::min<std::chrono::milliseconds>(
      kHealthTick, std::max(std::chrono::milliseconds(10),
                            std::chrono::milliseconds(static_cast<long>(ttl * 1000 / 4))));
  std::function<void()> before_tick;
  if (embedded_) {
    before_tick = [this, refresh] { embedded_->feedVotes(wallClock(), refresh); };
  } else {
    before_tick = [this] { ingest_.flushState(); };  // a no-op unless a report came in
  }
  publisher_.start(tick, std::move(before_tick));
  for (const auto& address : listeners_.bound()) {
    base::logInfo("listening on " + address.toString() + " (udp, tcp)");
  }
  if (http_) http_->start();
}

ReloadRecord Server::reload() {
  std::lock_guard serial(reload_serial_);
  Configuration next = loadConfiguration(config_.server.file);
  for (const auto& warning : next.warnings) base::logWarning(warning);
  if (!next.errors.empty()) {
    // The database files tried are not tried again until they change again.
    if (!next.geo_stamps.empty()) geo_watch_.loaded(next.geo_stamps);
    for (const auto& error : next.errors) base::logError(error.toString());
    recordAttempt(next, {}, false, false);
    base::logError("reload failed: " + std::to_string(next.errors.size()) +
                   " error(s); nothing changed, the previous configuration keeps serving");
    return reloadRecord();
  }
  const std::vector<std::string> restart = restartRequired(config_, next.config);
  Config applied = applicableConfig(config_, std::move(next.config));
  // Everything below was validated above: from here on, each part takes its new settings.
  if (http_) {
    http_->setToken(applied.http.token);
    http_->setClientLimits(applied.http.limits);
  }
  base::setLogLevel(applied.log.level);
  if (tcp_) {
    tcp_->setLimits(tcpLimitsOf(applied.server));
  }
  votes_.setOptions({applied.health.quorum, applied.health.report_ttl});
  if (!embedded_) ingest_.setProbers(applied.health.probers, applied.health.max_skew);
  if (!(applied.rate_limit == config_.rate_limit)) {
    base::logInfo(describeRateLimit(applied.rate_limit));
  }
  geo_watch_.loaded(next.geo_stamps);
  {
    std::lock_guard lock(locator_mutex_);
    locator_ = next.locator;
    // Published with the zones below: the workers take it at their next batch.
    rate_limit_ = std::make_shared<const RateLimitSettings>(applied.rate_limit);
  }
  const std::size_t count = serveZones(next.zones, false, applied.health.allow_nets);
  {
    std::lock_guard lock(config_mutex_);
    config_ = std::move(applied);
  }
  recordAttempt(next, restart, true, false);
  std::string restart_text;
  for (const auto& setting : restart) restart_text += (restart_text.empty() ? "" : ", ") + setting;
  const std::size_t zone_errors = next.zones.errors.size();
  const std::string summary =
      "reloaded " + std::to_string(count) + " zone(s) from " + config_.server.zones +
      "; config digest " + next.digest +
      (restart.empty() ? "" : "; restart required for " + restart_text + " (the rest applied)");
  if (zone_errors == 0) {
    base::logInfo(summary);
  } else {
    base::logError(summary + "; reload failed: " + std::to_string(zone_errors) +
                   " zone file error(s), their zones keep their previous version");
  }
  return reloadRecord();
}

void Server::reloadIfGeoDatabaseChanged() {
  const std::string path = geo_watch_.changed();
  if (path.empty()) return;
  base::logInfo("GeoIP database " + path + " changed: reloading");
  reload();
}

int Server::drain(const HealthSelector& selector, bool drained, std::string& body) {
  auto current = state_.current();
  std::string error;
  std::size_t matched = health_.setDrained(current->zones->services(), selector, drained, &error);
  if (matched == 0) {
    body = nlohmann::json{{"error", error}}.dump();
    return error.rfind("no pool", 0) == 0 ? 404 : 400;
  }
  publisher_.republish();
  events_.record(drainChange(selector, drained, matched, wallClock()));
  base::logInfo(std::string(drained ? "drained " : "undrained ") + describe(selector) + " (" +
                std::to_string(matched) + " match(es))");
  body = nlohmann::json{{"matched", matched}, {"drained", drained}}.dump();
  return 200;
}

int Server::setHealth(const HealthSelector& selector, const std::string& state, std::string& body) {
  policy::EndpointState value;
  if (state == "up") {
    value = policy::EndpointState::Up;
  } else if (state == "down") {
    value = policy::EndpointState::Down;
  } else if (state == "unknown") {
    value = policy::EndpointState::Unknown;
  } else {
    body = nlohmann::json{{"error", "state must be up, down or unknown"}}.dump();
    return 400;
  }
  auto current = state_.current();
  std::string error;
  std::size_t matched = health_.setState(current->zones->services(), selector, value, &error);
  if (matched == 0) {
    body = nlohmann::json{{"error", error}}.dump();
    return 404;
  }
  publisher_.republish();
  body = nlohmann::json{{"matched", matched}}.dump();
  return 200;
}

ReloadRecord Server::reloadRecord() const {
  std::lock_guard lock(reload_mutex_);
  return reload_record_;
}

std::string Server::metricsText() {
  auto current = state_.current();
  MetricsSources sources;
  sources.state = current.get();
  sources.queries = query_counts_.totals();
  sources.probers = ingest_.stats();
  sources.embedded = embedded_ != nullptr;
  sources.embedded_last_feed = embedded_ ? embedded_->lastFeed() : 0;
  sources.reload = reloadRecord();
  for (const auto& limiter : limiters_) sources.rate_limit.add(*limiter);
  if (query_log_) {
    sources.query_log = true;
    sources.query_log_messages = query_log_->messages();
    sources.query_log_dropped = query_log_->dropped();
  }
  sources.now = wallClock();
  if (tcp_) sources.tcp_limits = &tcp_->limitCounters();
  if (http_) {
    sources.http_connections_refused = http_->connectionsRefused();
    sources.http_rate_limited = http_->requestsRateLimited();
  }
  return renderMetrics(sources);
}

std::string Server::statusJson(const StatusFilter& filter) const {
  auto current = state_.current();
  if (!current) return "{}";
  StatusSources sources;
  sources.drains = health_.drains();
  HealthConfig health;
  {
    std::lock_guard lock(config_mutex_);
    health = config_.health;
  }
  sources.health = &health;
  sources.votes = &votes_;
  sources.probers = ingest_.stats();
  sources.embedded = embedded_ != nullptr;
  sources.embedded_last_feed = embedded_ ? embedded_->lastFeed() : 0;
  sources.now = wallClock();
  sources.reload = reloadRecord();
  sources.events = events_.recent(filter.events);
  return renderStatus(*current, sources, filter);
}

void Server::stop() {
  stopping_.store(true);
  publisher_.stop();
  if (embedded_) embedded_->stop();
  const bool was_serving = !threads_.empty();
  for (auto& thread : threads_) {
    if (thread.joinable()) thread.join();
  }
  threads_.clear();
  if (query_log_ && was_serving) logQueryLogTotals(*query_log_);
  ingest_.flushState(true);
}

}  // namespace nines::dnsd
