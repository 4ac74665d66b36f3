// dnsd's HTTP port (DESIGN.md "HTTP API"): GET /metrics (Prometheus), GET /v1/status, POST
// /v1/reports (signed prober reports), GET /v1/checks (the check targets, for remote probers), POST
// /v1/drain, /v1/undrain and /v1/reload (bearer token), GET / (status page, with /status.css and
// /status.js), and with test hooks on, POST /v1/test/health. Control plane only, never on the
// query path.
//
// Bodies, per route: a report may be up to probers::kMaxReportBody; a drain, undrain or test
// health selector up to 4 KiB; every other request (they take none) up to 1 KiB. A body over its
// limit is refused with 413 from its Content-Length, before it is read; a request that may carry
// a body but has no Content-Length (or is chunked) is refused with 411.
//
// Floods ([http] limits, api_guard.h): connections per client address are capped, each
// connection has header and request deadlines, and requests per client address go through a
// token bucket (429 with Retry-After past it; reports have a bucket of their own).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "nines/dnsd/control/config.h"
#include "nines/dnsd/control/status.h"
#include "nines/dnsd/health/health_selector.h"
#include "nines/dnsd/net/socket_address.h"

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace nines::dnsd {

class ApiGuard;

// What the API asks of the server. Each call returns an HTTP status and a JSON body.
struct ControlHandlers {
  std::function<std::string(const StatusFilter&)> status;  // JSON
  std::function<int(const HealthSelector&, bool drained, std::string& body)> drain;
  std::function<int(const HealthSelector&, const std::string& state, std::string& body)> setHealth;
  // POST /v1/reports: the X-Nines-Prober and X-Nines-Signature values (empty when missing) and
  // the body, exactly as received.
  std::function<int(const std::string& prober, const std::string& signature,
                    const std::string& body, std::string& reply)>
      report;
  // A report whose body is over the limit, refused unread (counted like the other refusals).
  std::function<int(const std::string& prober, std::size_t length, std::string& reply)>
      reportTooLarge;
  // POST /v1/reload (bearer token): {result, errors, restart_required, config_digest}; 200 when
  // the reload applied with no error, 422 when it failed.
  std::function<int(std::string& body)> reload;
  std::function<std::string()> checks;   // GET /v1/checks: JSON
  std::function<std::string()> metrics;  // GET /metrics: Prometheus text format 0.0.4
};

class HttpApi {
 public:
  HttpApi(HttpConfig config, ControlHandlers handlers);
  ~HttpApi();
  HttpApi(const HttpApi&) = delete;
  HttpApi& operator=(const HttpApi&) = delete;

  // Binds every address; false with `error` on failure.
  bool open(std::string* error);
  void start();
  void stop();
  const std::vector<SocketAddress>& boundAddresses() const noexcept { return bound_; }
  // A reload's [http] token: the next request is checked against it.
  void setToken(std::string token);
  // A reload's [http] limits: the next connection is held to them.
  void setClientLimits(const ApiLimits& limits);
  // Connections refused over max_connections_per_client, and requests answered 429, since start.
  std::uint64_t connectionsRefused() const;
  std::uint64_t requestsRateLimited() const;
  // Sets `server` up as open() sets up each of its servers (limits, then routes) without binding
  // it: the seam through which tests/fuzz/fuzz_http_api.cc drives requests in-process.
  void configure(httplib::Server& server);

 private:
  // Threads, timeouts, keep-alive and body limits (refused before the body is read).
  void setLimits(httplib::Server& server);
  void addRoutes(httplib::Server& server);
  // The routes, one function each (the status page's three files share one).
  void getStatusPage(const httplib::Request& request, httplib::Response& response);
  void getStatus(const httplib::Request& request, httplib::Response& response);
  void postReport(const httplib::Request& request, httplib::Response& response);
  void getChecks(const httplib::Request& request, httplib::Response& response);
  void getMetrics(const httplib::Request& request, httplib::Response& response);
  void postDrain(const httplib::Request& request, httplib::Response& response, bool drained);
  void postTestHealth(const httplib::Request& request, httplib::Response& response);
  void postReload(const httplib::Request& request, httplib::Response& response);
  // Whether the request carries the bearer token; if not, the refusal is already in `response`.
  bool authorized(const httplib::Request& request, httplib::Response& response) const;

  HttpConfig config_;
  mutable std::mutex token_mutex_;
  std::string token_;  // config_.token, then each reload's; guarded by token_mutex_
  ControlHandlers handlers_;
  std::unique_ptr<ApiGuard> guard_;
  std::vector<std::unique_ptr<httplib::Server>> servers_;
  std::vector<std::thread> threads_;
  std::vector<SocketAddress> bound_;
};

}  // namespace nines::dnsd
