#include "nines/dnsd/http_api.h"

#include <httplib.h>
#include <openssl/crypto.h>

#include <nlohmann/json.hpp>

#include "nines/dnsd/log.h"

namespace nines::dnsd {

namespace {

constexpr std::size_t kMaxBody = 64 * 1024;

std::string errorBody(const std::string& message) {
  return nlohmann::json{{"error", message}}.dump();
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

const char* kStatusPage = R"(<!doctype html>
<html><head><meta charset="utf-8"><title>Nines dnsd</title>
<style>body{font:14px system-ui,sans-serif;margin:2em}table{border-collapse:collapse}
td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}.down{color:#b00}.up{color:#070}</style>
</head><body><h1>Nines dnsd</h1><div id="s">loading…</div>
<script>
fetch('/v1/status').then(r=>r.json()).then(s=>{
  let h='<h2>Zones</h2><table><tr><th>origin</th><th>serial</th><th>records</th></tr>';
  for(const z of s.zones) h+=`<tr><td>${z.origin}</td><td>${z.serial}</td><td>${z.records}</td></tr>`;
  h+='</table><h2>Services</h2><table><tr><th>service</th><th>policy</th><th>region</th><th>state</th><th>endpoints</th></tr>';
  for(const v of s.services) for(const r of v.regions)
    h+=`<tr><td>${v.name}.${v.zone}</td><td>${v.policy}</td><td>${r.name}</td><td class="${r.state}">${r.state} (${r.reason})</td><td>${r.endpoints.map(e=>e.address+' '+e.state).join('<br>')}</td></tr>`;
  document.getElementById('s').innerHTML=h+'</table>';
});
</script></body></html>
)";

}  // namespace

HttpApi::HttpApi(HttpConfig config, ControlHandlers handlers)
    : config_(std::move(config)), handlers_(std::move(handlers)) {}

HttpApi::~HttpApi() { stop(); }

bool HttpApi::open(std::string* error) {
  for (const auto& address : config_.listen) {
    auto server = std::make_unique<httplib::Server>();
    server->set_payload_max_length(kMaxBody);
    server->set_read_timeout(5, 0);
    server->set_write_timeout(5, 0);
    server->Get("/", [](const httplib::Request&, httplib::Response& response) {
      response.set_content(kStatusPage, "text/html; charset=utf-8");
    });
    server->Get("/v1/status", [this](const httplib::Request&, httplib::Response& response) {
      response.set_content(handlers_.status(), "application/json");
    });
    for (bool drained : {true, false}) {
      server->Post(
          drained ? "/v1/drain" : "/v1/undrain",
          [this, drained](const httplib::Request& request, httplib::Response& response) {
            if (!tokenMatches(config_.token, request.get_header_value("Authorization"))) {
              response.status = config_.token.empty() ? 403 : 401;
              response.set_content(
                  errorBody(config_.token.empty() ? "drain API disabled: no [http] token configured"
                                                  : "missing or wrong bearer token"),
                  "application/json");
              return;
            }
            HealthSelector selector;
            std::string problem, body;
            if (!parseSelector(request.body, selector, nullptr, problem)) {
              response.status = 400;
              response.set_content(errorBody(problem), "application/json");
              return;
            }
            response.status = handlers_.drain(selector, drained, body);
            response.set_content(body, "application/json");
          });
    }
    if (config_.test_hooks) {
      server->Post("/v1/test/health",
                   [this](const httplib::Request& request, httplib::Response& response) {
                     HealthSelector selector;
                     std::string state, problem, body;
                     if (!parseSelector(request.body, selector, &state, problem)) {
                       response.status = 400;
                       response.set_content(errorBody(problem), "application/json");
                       return;
                     }
                     response.status = handlers_.setHealth(selector, state, body);
                     response.set_content(body, "application/json");
                   });
    }
    std::string host = address.toString();
    host = host.substr(0, host.rfind(':'));
    if (!host.empty() && host.front() == '[') host = host.substr(1, host.size() - 2);
    int port = address.port();
    if (port == 0) {
      port = server->bind_to_any_port(host);
    } else if (!server->bind_to_port(host, port)) {
      port = -1;
    }
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
  for (const auto& address : bound_) logInfo("http listening on " + address.toString());
}

void HttpApi::stop() {
  for (auto& server : servers_) server->stop();
  for (auto& thread : threads_) {
    if (thread.joinable()) thread.join();
  }
  threads_.clear();
}

}  // namespace nines::dnsd
