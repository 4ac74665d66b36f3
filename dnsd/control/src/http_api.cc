#include "nines/dnsd/control/http_api.h"

#include <httplib.h>
#include <openssl/crypto.h>

#include <nlohmann/json.hpp>

#include "api_guard.h"
#include "guarded_server.h"
#include "nines/base/log.h"
#include "nines/dnsd/control/metrics.h"
#include "nines/probers/report.h"
#include "status_page_assets.h"

namespace nines::dnsd {

namespace {

// The bodies of routes other than reports: a drain's selector is a few names.
constexpr std::size_t kMaxSelectorBody = 4 * 1024;
constexpr std::size_t kMaxOtherBody = 1024;
// Requests served at once. Each is short (a report is decoded in about a millisecond); more
// threads only help while some clients are slow to send.
constexpr std::size_t kApiThreads = 16;
constexpr const char* kReportsPath = "/v1/reports";
constexpr const char* kStatusPagePolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

// The Content-Length a request announces: 0 when it has none, SIZE_MAX when it is not a number
// (refused as too large).
std::size_t contentLength(const httplib::Request& request) {
  const std::string text = request.get_header_value("Content-Length");
  if (text.empty() || text.size() > 19 ||
      text.find_first_not_of("0123456789") != std::string::npos) {
    return text.empty() ? 0 : static_cast<std::size_t>(-1);
  }
  return static_cast<std::size_t>(std::stoull(text));
}

std::string errorBody(const std::string& message) {
  return nlohmann::json{{"error", message}}.dump();
}

std::size_t maxBodyFor(const std::string& path) {
  if (path == kReportsPath) return probers::kMaxReportBody;
  if (path == "/v1/drain" || path == "/v1/undrain" || path == "/v1/test/health") {
    return kMaxSelectorBody;
  }
  return kMaxOtherBody;
}

// Constant-time comparison, so the token cannot be guessed a byte at a time from timings.
bool tokenMatches(const std::string& configured, const std::string& header) {
  const std::string prefix = "Bearer ";
  if (configured.empty() || header.size() != prefix.size() + configured.size() ||
      header.compare(0, prefix.size(), prefix) != 0) {
    return false;
  }
  return CRYPTO_memcmp(header.data() + prefix.size(), configured.data(), configured.size()) == 0;
}

// `state` is null for drain/undrain, which take no state.
bool parseSelector(const std::string& body, HealthSelector& selector, std::string* state,
                   std::string& error) {
  nlohmann::json json = nlohmann::json::parse(body, nullptr, false);
  if (json.is_discarded() || !json.is_object()) {
    error = "body must be a JSON object like {\"service\": \"www\", \"region\": \"eu-west\"}";
    return false;
  }
  for (const auto& [key, value] : json.items()) {
    if (!value.is_string()) {
      error = "\"" + key + "\" must be a string";
      return false;
    }
    const std::string& text = value.get_ref<const std::string&>();
    if (key == "zone") {
      selector.zone = text;
    } else if (key == "service") {
      selector.service = text;
    } else if (key == "region") {
      selector.region = text;
    } else if (key == "endpoint") {
      selector.endpoint = text;
    } else if (key == "state" && state) {
      *state = text;
    } else {
      error = "unknown key \"" + key + "\" (zone, service, region, endpoint" +
              (state ? ", state)" : ")");
      return false;
    }
  }
  return true;
}

// The query parameters of GET /v1/status (status.h): zone, service, region, votes (0, 1, false,
// true), events (how many). Anything else is refused, so a typo does not silently show everything.
bool parseStatusFilter(const httplib::Params& params, StatusFilter& filter, std::string& error) {
  for (const auto& [key, value] : params) {
    if (key == "zone") {
      filter.pools.zone = value;
    } else if (key == "service") {
      filter.pools.service = value;
    } else if (key == "region") {
      filter.pools.region = value;
    } else if (key == "votes") {
      if (value == "1" || value == "true") {
        filter.votes = true;
      } else if (value == "0" || value == "false") {
        filter.votes = false;
      } else {
        error = "votes must be 0, 1, false or true";
        return false;
      }
    } else if (key == "events") {
      if (value.empty() || value.size() > 6 ||
          value.find_first_not_of("0123456789") != std::string::npos) {
        error = "events must be a number of events (0 to 999999)";
        return false;
      }
      filter.events = std::stoul(value);
    } else {
      error =
          "unknown parameter \"" + key.substr(0, 64) + "\" (zone, service, region, votes, events)";
      return false;
    }
  }
  return true;
}

// cpp-httplib (Debian's is built with brotli) compresses a response with brotli whenever the
// client accepts it, at brotli's slowest quality: 2.2 s of CPU for the 900 KB status of 3,000
// endpoints, which every browser asks for (gzip: 14 ms, to 12 KB). So the request is made to
// accept gzip at most. The request object is cpp-httplib's own, not const: changing it is safe.
void offerGzipOnly(httplib::Request& request) {
  auto it = request.headers.find("Accept-Encoding");
  if (it == request.headers.end()) return;
  const bool gzip = it->second.find("gzip") != std::string::npos;
  request.headers.erase("Accept-Encoding");
  if (gzip) request.headers.emplace("Accept-Encoding", "gzip");
}

// A Range header would have cpp-httplib cut every reply to the bytes asked for, errors included (a
// 413 with the body `{"`, found by tests/fuzz/fuzz_http_api.cc). The API's replies are small and
// made per request, so ranges are ignored, as RFC 9110 §14.2 lets a server do, and the whole reply
// goes out.
void ignoreRanges(httplib::Request& request) {
  request.ranges.clear();
  request.headers.erase("Range");
}

void reply(httplib::Response& response, int status, const std::string& body) {
  response.status = status;
  response.set_content(body, "application/json");
}

// Binds `server` to `address` (port 0: any); the port, or -1.
int bindServer(httplib::Server& server, const SocketAddress& address) {
  std::string host = address.toString();
  host = host.substr(0, host.rfind(':'));
  if (!host.empty() && host.front() == '[') host = host.substr(1, host.size() - 2);
  const int port = address.port();
  if (port == 0) return server.bind_to_any_port(host);
  return server.bind_to_port(host, port) ? port : -1;
}

}  // namespace

HttpApi::HttpApi(HttpConfig config, ControlHandlers handlers)
    : config_(std::move(config)),
      token_(config_.token),
      handlers_(std::move(handlers)),
      guard_(std::make_unique<ApiGuard>(config_.limits)) {}

void HttpApi::setClientLimits(const ApiLimits& limits) { guard_->setLimits(limits); }

std::uint64_t HttpApi::connectionsRefused() const { return guard_->counts().refused_connections; }

std::uint64_t HttpApi::requestsRateLimited() const { return guard_->counts().rate_limited; }

void HttpApi::setToken(std::string token) {
  std::lock_guard lock(token_mutex_);
  token_ = std::move(token);
}

bool HttpApi::authorized(const httplib::Request& request, httplib::Response& response) const {
  std::string token;
  {
    std::lock_guard lock(token_mutex_);
    token = token_;
  }
  if (tokenMatches(token, request.get_header_value("Authorization"))) return true;
  reply(response, token.empty() ? 403 : 401,
        errorBody(token.empty() ? "control API disabled: no [http] token configured"
                                : "missing or wrong bearer token"));
  return false;
}

HttpApi::~HttpApi() { stop(); }

void HttpApi::configure(httplib::Server& server) {
  setLimits(server);
  addRoutes(server);
}

void HttpApi::setLimits(httplib::Server& server) {
  // cpp-httplib's default sets SO_REUSEPORT, which lets a second dnsd bind the same port and
  // take half of the reports and drains; SO_REUSEADDR alone makes that a bind error.
  server.set_socket_options([](socket_t sock) {
    int one = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  });
  // The largest body any endpoint takes; the others are held to theirs below (maxBodyFor).
  server.set_payload_max_length(probers::kMaxReportBody);
  server.set_read_timeout(5, 0);
  server.set_write_timeout(5, 0);
  // One request per connection: cpp-httplib gives each connection a thread from its pool for as
  // long as it stays open, so connections kept alive between reports (curl keeps them) by a
  // dozen probers would take every thread, and reports, drains and status would queue for
  // seconds. A new connection that sends nothing lets its thread go after 2 s.
  server.set_keep_alive_max_count(1);
  server.set_keep_alive_timeout(2);
  server.new_task_queue = [] { return new httplib::ThreadPool(kApiThreads); };
  // Runs once the headers are in and before the body is read: a body announced too large is
  // refused unread. cpp-httplib 0.11 reads a chunked body, or one without Content-Length, to the
  // end whatever its size, so a request that may carry a body must say how long it is.
  server.set_pre_routing_handler(
      [this](const httplib::Request& request, httplib::Response& response) {
        GuardedServer::headersRead();
        offerGzipOnly(const_cast<httplib::Request&>(request));
        ignoreRanges(const_cast<httplib::Request&>(request));
        const bool report = request.path == kReportsPath;
        // The address the connection was admitted under; a request driven in-process (the fuzz
        // target) has none and is not rate limited.
        const std::string& client = GuardedServer::currentClient();
        if (const auto wait = client.empty() ? std::nullopt : guard_->retryAfter(client, report)) {
          response.status = 429;
          response.set_header("Retry-After", std::to_string(*wait));
          response.set_header("Connection", "close");
          response.set_content(errorBody("too many requests from " + client + "; retry after " +
                                         std::to_string(*wait) + " s"),
                               "application/json");
          return httplib::Server::HandlerResponse::Handled;
        }
        const bool may_have_body =
            request.method != "GET" && request.method != "HEAD" && request.method != "OPTIONS";
        std::string body;
        if (may_have_body &&
            (!request.has_header("Content-Length") || request.has_header("Transfer-Encoding"))) {
          response.status = 411;
          body = errorBody("a body needs a Content-Length (and no Transfer-Encoding)");
        } else if (const std::size_t length = contentLength(request);
                   length > maxBodyFor(request.path)) {
          response.status = 413;
          body = errorBody("body over the size limit");
          if (report && handlers_.reportTooLarge) {
            response.status = handlers_.reportTooLarge(
                request.get_header_value(probers::kProberHeader), length, body);
          }
        } else {
          return httplib::Server::HandlerResponse::Unhandled;
        }
        response.set_header("Connection", "close");
        response.set_content(body, "application/json");
        return httplib::Server::HandlerResponse::Handled;
      });
}

void HttpApi::addRoutes(httplib::Server& server) {
  using httplib::Request, httplib::Response;
  server.Get("/", [this](const Request& q, Response& r) { getStatusPage(q, r); });
  server.Get("/status.css", [this](const Request& q, Response& r) { getStatusPage(q, r); });
  server.Get("/status.js", [this](const Request& q, Response& r) { getStatusPage(q, r); });
  server.Get("/v1/status", [this](const Request& q, Response& r) { getStatus(q, r); });
  server.Post(kReportsPath, [this](const Request& q, Response& r) { postReport(q, r); });
  server.Get("/v1/checks", [this](const Request& q, Response& r) { getChecks(q, r); });
  server.Get("/metrics", [this](const Request& q, Response& r) { getMetrics(q, r); });
  server.Post("/v1/drain", [this](const Request& q, Response& r) { postDrain(q, r, true); });
  server.Post("/v1/undrain", [this](const Request& q, Response& r) { postDrain(q, r, false); });
  server.Post("/v1/reload", [this](const Request& q, Response& r) { postReload(q, r); });
  if (config_.test_hooks) {
    server.Post("/v1/test/health", [this](const Request& q, Response& r) { postTestHealth(q, r); });
  }
}

void HttpApi::getStatusPage(const httplib::Request& request, httplib::Response& response) {
  // Everything the page uses comes from this server: the policy forbids any other origin, and
  // inline scripts and styles too, so a string from the status that slipped past the page's
  // escaping still could not run.
  response.set_header("Content-Security-Policy", kStatusPagePolicy);
  response.set_header("X-Content-Type-Options", "nosniff");
  response.set_header("Referrer-Policy", "no-referrer");
  response.set_header("Cache-Control", "no-store");
  if (request.path == "/status.css") {
    response.set_content(kStatusPageCss.data(), kStatusPageCss.size(), "text/css; charset=utf-8");
  } else if (request.path == "/status.js") {
    response.set_content(kStatusPageJs.data(), kStatusPageJs.size(),
                         "text/javascript; charset=utf-8");
  } else {
    response.set_content(kStatusPageHtml.data(), kStatusPageHtml.size(),
                         "text/html; charset=utf-8");
  }
}

void HttpApi::getStatus(const httplib::Request& request, httplib::Response& response) {
  StatusFilter filter;
  std::string problem;
  if (!parseStatusFilter(request.params, filter, problem)) {
    reply(response, 400, errorBody(problem));
    return;
  }
  reply(response, 200, handlers_.status(filter));
}

void HttpApi::postReport(const httplib::Request& request, httplib::Response& response) {
  if (!handlers_.report) {
    reply(response, 404, errorBody("reports are not taken here"));
    return;
  }
  std::string body;
  const int status =
      handlers_.report(request.get_header_value(probers::kProberHeader),
                       request.get_header_value(probers::kSignatureHeader), request.body, body);
  reply(response, status, body);
}

void HttpApi::getChecks(const httplib::Request&, httplib::Response& response) {
  reply(response, 200, handlers_.checks ? handlers_.checks() : "[]");
}

void HttpApi::getMetrics(const httplib::Request&, httplib::Response& response) {
  if (!handlers_.metrics) {
    reply(response, 404, errorBody("no metrics here"));
    return;
  }
  response.set_content(handlers_.metrics(), kMetricsContentType);
}

void HttpApi::postDrain(const httplib::Request& request, httplib::Response& response,
                        bool drained) {
  if (!authorized(request, response)) return;
  HealthSelector selector;
  std::string problem, body;
  if (!parseSelector(request.body, selector, nullptr, problem)) {
    reply(response, 400, errorBody(problem));
    return;
  }
  const int status = handlers_.drain(selector, drained, body);
  reply(response, status, body);
}

void HttpApi::postReload(const httplib::Request& request, httplib::Response& response) {
  if (!authorized(request, response)) return;
  if (!handlers_.reload) {
    reply(response, 404, errorBody("reloads are not taken here"));
    return;
  }
  std::string body;
  const int status = handlers_.reload(body);
  reply(response, status, body);
}

void HttpApi::postTestHealth(const httplib::Request& request, httplib::Response& response) {
  HealthSelector selector;
  std::string state, problem, body;
  if (!parseSelector(request.body, selector, &state, problem)) {
    reply(response, 400, errorBody(problem));
    return;
  }
  const int status = handlers_.setHealth(selector, state, body);
  reply(response, status, body);
}

bool HttpApi::open(std::string* error) {
  for (const auto& address : config_.listen) {
    auto server = std::make_unique<GuardedServer>(*guard_);
    configure(*server);
    const int port = bindServer(*server, address);
    if (port < 0) {
      if (error) *error = "cannot bind HTTP " + address.toString();
      return false;
    }
    SocketAddress bound = address;
    bound.setPort(static_cast<std::uint16_t>(port));
    bound_.push_back(bound);
    servers_.push_back(std::move(server));
  }
  return true;
}

void HttpApi::start() {
  for (auto& server : servers_) {
    threads_.emplace_back([s = server.get()] { s->listen_after_bind(); });
  }
  for (const auto& address : bound_) base::logInfo("http listening on " + address.toString());
}

void HttpApi::stop() {
  for (auto& server : servers_) server->stop();
  for (auto& thread : threads_) {
    if (thread.joinable()) thread.join();
  }
  threads_.clear();
}

}  // namespace nines::dnsd
