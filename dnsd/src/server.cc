#include "nines/dnsd/server.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <nlohmann/json.hpp>
#include <set>

#include "nines/base/log.h"
#include "nines/dnsd/http_api.h"
#include "nines/dnsd/status.h"
#include "nines/dnsd/tcp_server.h"
#include "nines/probers/check_target.h"
#include "nines/zones/loader.h"

namespace nines::dnsd {

namespace {

// Health publication (STYLE rule 1, coalesced as gdnsd does): the health thread looks every
// kHealthTick, so a verdict change or an expired vote is served within a tick and the serving state
// is republished at most four times a second. Slow-start ramps move every second; RTT medians
// move with every report but matter little between two publications, so they alone republish
// every few seconds (each publication also empties the workers' decision caches).
constexpr auto kHealthTick = std::chrono::milliseconds(250);
constexpr double kRampRefresh = 1.0;
constexpr double kRttRefresh = 5.0;

double wallClock() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string errnoText(const std::string& what, const SocketAddress& address) {
  return what + " " + address.toString() + ": " + std::strerror(errno);
}

int openSocket(const SocketAddress& address, int type, std::string* error) {
  // Listening TCP sockets are non-blocking for the epoll loop; UDP sockets block with a timeout.
  int fd =
      socket(address.family(), type | SOCK_CLOEXEC | (type == SOCK_STREAM ? SOCK_NONBLOCK : 0), 0);
  if (fd < 0) {
    *error = errnoText("socket for", address);
    return -1;
  }
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (type == SOCK_DGRAM) setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
  if (address.family() == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
  if (bind(fd, address.get(), address.length) != 0) {
    *error = errnoText(type == SOCK_DGRAM ? "cannot bind UDP" : "cannot bind TCP", address);
    ::close(fd);
    return -1;
  }
  return fd;
}

SocketAddress localAddress(int fd) {
  sockaddr_storage storage{};
  socklen_t length = sizeof storage;
  getsockname(fd, reinterpret_cast<sockaddr*>(&storage), &length);
  return SocketAddress::fromSockaddr(reinterpret_cast<sockaddr*>(&storage), length);
}

}  // namespace

Server::Server(Config config)
    : config_(std::move(config)),
      table_({config_.health.quorum, config_.health.report_ttl}, wallClock),
      health_(&table_, wallClock),
      ingest_(config_.health.probers, config_.health.max_skew, table_, wallClock) {
  if (config_.health.probers.empty()) embedded_ = std::make_unique<EmbeddedProber>(table_);
}

Server::~Server() {
  stop();
  if (http_) http_->stop();
  for (int fd : udp_fds_) ::close(fd);
  for (int fd : tcp_fds_) ::close(fd);
}

void Server::loadZones(bool initial) {
  zones::LoadResult result = zones::loadZones(config_.server.zones);
  for (const auto& error : result.errors) base::logError(error.toString());
  std::vector<zones::Zone> next = std::move(result.zones);
  if (!initial) {
    // A zone whose file now fails keeps its last good version (STYLE rule 3).
    std::set<std::string> failed_files;
    for (const auto& error : result.errors) failed_files.insert(error.where.file);
    std::set<std::string> loaded_origins;
    for (const auto& zone : next)
      loaded_origins.insert(std::string(zone.origin.lowercased().wire()));
    if (auto current = state_.current()) {
      for (const auto& served : current->zones->zones()) {
        if (failed_files.count(served->source.file) && !loaded_origins.count(served->key)) {
          base::logWarning("zone " + served->origin.toText() + " keeps its previous version");
          next.push_back(served->source);
        }
      }
    }
  }
  std::size_t count = next.size();
  // The check targets of what is served (probe refusals are errors at every load, in both modes:
  // a mistyped address is refused here instead of probed).
  base::Diagnostics refused;
  std::vector<probers::CheckTarget> targets =
      probers::buildTargets(next, config_.health.allow_nets, &refused);
  for (const auto& error : refused) base::logError(error.toString());
  std::vector<std::string> ids;
  ids.reserve(targets.size());
  for (const auto& target : targets) ids.push_back(target.id);
  table_.setTargets(ids);
  {
    std::lock_guard lock(checks_mutex_);
    checks_json_ = probers::encodeTargets(targets);
  }
  if (embedded_) embedded_->setTargets(std::move(targets));
  publish(ZoneTable::build(std::move(next)));
  base::logInfo(
      std::string(initial ? "loaded " : "reloaded ") + std::to_string(count) + " zone(s) from " +
      config_.server.zones +
      (result.errors.empty() ? "" : " (" + std::to_string(result.errors.size()) + " error(s))"));
}

void Server::publish(std::shared_ptr<const ZoneTable> zones) {
  std::lock_guard lock(publish_mutex_);
  if (!zones) {
    auto current = state_.current();
    if (!current) return;
    zones = current->zones;
  }
  auto health = health_.build(*zones);
  publishLocked(std::move(zones), std::move(health));
}

void Server::publishLocked(std::shared_ptr<const ZoneTable> zones,
                           std::shared_ptr<const HealthView> health) {
  auto next = std::make_shared<ServingState>();
  next->generation = ++generation_;
  next->health = std::move(health);
  next->zones = std::move(zones);
  next->locator = locator_;
  state_.publish(std::move(next));
  last_publish_ = wallClock();
}

void Server::republishHealth() {
  std::lock_guard lock(publish_mutex_);
  auto current = state_.current();
  if (!current) return;
  const double now = wallClock();
  const double since = now - last_publish_;
  // Whether a change of this kind is published now (the coalescing rules above).
  auto due = [since](ViewChange change) {
    switch (change) {
      case ViewChange::None:
        return false;
      case ViewChange::Rtt:
        return since >= kRttRefresh;
      case ViewChange::Ramp:
        return since >= kRampRefresh;
      case ViewChange::States:
        return true;
    }
    return true;
  };
  // Most ticks change nothing: peek() finds that without building a view. The RTT matrix is
  // built and compared every kRttRefresh, the most often a change in it alone is published.
  if (current->health && now - last_rtt_check_ < kRttRefresh &&
      !due(health_.peek(*current->zones, *current->health))) {
    return;
  }
  auto health = health_.build(*current->zones);
  last_rtt_check_ = now;
  if (!due(current->health ? compareViews(*current->health, *health) : ViewChange::States)) return;
  publishLocked(current->zones, std::move(health));
}

void Server::healthLoop() {
  // The embedded prober's votes must be refreshed well inside report_ttl, or a down endpoint's
  // vote goes stale between refreshes and the endpoint flaps to "unknown" (which counts as up).
  const double ttl = config_.health.report_ttl;
  const double refresh = std::min(1.0, ttl / 4);
  const auto tick = std::min<std::chrono::milliseconds>(
      kHealthTick, std::max(std::chrono::milliseconds(10),
                            std::chrono::milliseconds(static_cast<long>(ttl * 1000 / 4))));
  std::unique_lock lock(health_wait_mutex_);
  while (!stopping_.load()) {
    health_wake_.wait_for(lock, tick, [this] { return stopping_.load(); });
    if (stopping_.load()) break;
    lock.unlock();
    if (embedded_) embedded_->pump(wallClock(), refresh);
    republishHealth();
    lock.lock();
  }
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
  std::string geo_error;
  locator_ = policy::ClientLocator::create(config_.geo.nets, config_.geo.database, &geo_error);
  if (!locator_) {
    *error = "[geo] database " + config_.geo.database + ": " + geo_error;
    return false;
  }
  loadZones(true);
  if (!config_.http.listen.empty()) {
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
    handlers.checks = [this] {
      std::lock_guard lock(checks_mutex_);
      return checks_json_;
    };
    http_ = std::make_unique<HttpApi>(config_.http, std::move(handlers));
    if (!http_->open(error)) return false;
  }
  unsigned threads = config_.server.threads ? config_.server.threads
                                            : std::max(1u, std::thread::hardware_concurrency());
  for (SocketAddress address : config_.server.listen) {
    // TCP first: with port 0 it picks the port, and the UDP sockets follow it.
    int tcp = openSocket(address, SOCK_STREAM, error);
    if (tcp < 0) return false;
    if (listen(tcp, 1024) != 0) {
      *error = errnoText("cannot listen on", address);
      ::close(tcp);
      return false;
    }
    tcp_fds_.push_back(tcp);
    address = localAddress(tcp);
    for (unsigned i = 0; i < threads; ++i) {
      int udp = openSocket(address, SOCK_DGRAM, error);
      if (udp < 0) return false;
      int buffer = 4 << 20;
      setsockopt(udp, SOL_SOCKET, SO_RCVBUF, &buffer, sizeof buffer);
      setsockopt(udp, SOL_SOCKET, SO_SNDBUF, &buffer, sizeof buffer);
      timeval timeout{0, 250000};
      setsockopt(udp, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
      bool wildcard = address.isWildcard();
      if (wildcard) {
        int one = 1;
        if (address.family() == AF_INET) {
          setsockopt(udp, IPPROTO_IP, IP_PKTINFO, &one, sizeof one);
        } else {
          setsockopt(udp, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof one);
        }
      }
      udp_fds_.push_back(udp);
      udp_wildcard_.push_back(wildcard);
    }
    bound_.push_back(address);
  }
  return true;
}

void Server::start() {
  for (std::size_t i = 0; i < udp_fds_.size(); ++i) {
    workers_.push_back(std::make_unique<UdpWorker>(udp_fds_[i], udp_wildcard_[i], state_,
                                                   config_.server.udp_payload, stopping_));
  }
  for (auto& worker : workers_) {
    threads_.emplace_back([w = worker.get()] { w->run(); });
  }
  TcpLimits limits;
  limits.idle_timeout =
      std::chrono::milliseconds(static_cast<long>(config_.server.tcp_idle_timeout * 1000));
  limits.max_connections = config_.server.tcp_max_connections;
  limits.advertised_payload = config_.server.udp_payload;
  tcp_ = std::make_unique<TcpServer>(tcp_fds_, state_, limits, stopping_);
  threads_.emplace_back([t = tcp_.get()] { t->run(); });
  if (embedded_) embedded_->start();
  threads_.emplace_back([this] { healthLoop(); });
  for (const auto& address : bound_)
    base::logInfo("listening on " + address.toString() + " (udp, tcp)");
  if (http_) http_->start();
}

void Server::reload() { loadZones(false); }

int Server::drain(const HealthSelector& selector, bool drained, std::string& body) {
  auto current = state_.current();
  std::string error;
  std::size_t matched = health_.setDrained(*current->zones, selector, drained, &error);
  if (matched == 0) {
    body = nlohmann::json{{"error", error}}.dump();
    return error.rfind("no pool", 0) == 0 ? 404 : 400;
  }
  publish(nullptr);
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
  std::size_t matched = health_.setState(*current->zones, selector, value, &error);
  if (matched == 0) {
    body = nlohmann::json{{"error", error}}.dump();
    return 404;
  }
  publish(nullptr);
  body = nlohmann::json{{"matched", matched}}.dump();
  return 200;
}

std::string Server::statusJson(const StatusFilter& filter) const {
  auto current = state_.current();
  if (!current) return "{}";
  StatusSources sources;
  sources.drains = health_.drains();
  sources.health = &config_.health;
  sources.table = &table_;
  sources.probers = ingest_.stats();
  sources.embedded = embedded_ != nullptr;
  sources.embedded_last_feed = embedded_ ? embedded_->lastFeed() : 0;
  sources.now = wallClock();
  return renderStatus(*current, sources, filter);
}

void Server::stop() {
  {
    std::lock_guard lock(health_wait_mutex_);
    stopping_.store(true);
  }
  health_wake_.notify_all();
  if (embedded_) embedded_->stop();
  for (auto& thread : threads_) {
    if (thread.joinable()) thread.join();
  }
  threads_.clear();
}

}  // namespace nines::dnsd
