// ninesctl drain / undrain / status: talk to a running dnsd's HTTP API.
#include <httplib.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "nines/dnsd/control/config.h"

namespace nines::ctl {

namespace {

using nlohmann::json;

struct Target {
  std::string server;
  std::string token;
};

bool resolveTarget(const ControlOptions& options, Target& target) {
  std::string error;
  if (!options.config.empty()) {
    target.server = serverFromConfig(options.config, &target.token, &error);
    if (target.server.empty()) {
      std::fprintf(stderr, "ninesctl: %s\n", error.c_str());
      return false;
    }
  }
  if (!options.server.empty()) target.server = options.server;
  if (const char* env = std::getenv("NINES_TOKEN"); env && *env) target.token = env;
  if (!options.token.empty()) target.token = options.token;
  if (target.server.empty()) {
    std::fprintf(stderr,
                 "ninesctl: say which dnsd: --server http://HOST:PORT or --config dnsd.toml\n");
    return false;
  }
  return true;
}

// A margin of requests/s: "5000/s spare" or "5000/s short".
std::string margin(double per_second) {
  char text[48];
  std::snprintf(text, sizeof text, "%.10g/s %s", std::abs(per_second),
                per_second >= 0 ? "spare" : "short");
  return text;
}

// The service's N-1 line (/v1/status "capacity"), when it has an expected_load.
void printCapacity(const json& service) {
  if (!service.contains("capacity") || !service["capacity"].is_object()) return;
  const json& c = service["capacity"];
  const std::string lost = c["lost_region"].is_string() ? c["lost_region"].get<std::string>() : "";
  std::printf("  capacity: expects %.10g/s; the regions up carry %.10g/s (%s)",
              c.value("expected_load", 0.0), c.value("capacity", 0.0),
              margin(c.value("headroom", 0.0)).c_str());
  if (!lost.empty()) {
    std::printf("; without %s %.10g/s (%s)", lost.c_str(), c.value("n1_capacity", 0.0),
                margin(c.value("n1_headroom", 0.0)).c_str());
  }
  std::printf("\n");
}

}  // namespace

std::string serverFromConfig(const std::string& config, std::string* token, std::string* error) {
  dnsd::ConfigResult loaded = dnsd::loadServerConfig(config);
  if (!loaded.errors.empty()) {
    *error = loaded.errors.front().toString();
    return "";
  }
  if (loaded.config.http.listen.empty()) {
    *error = config + ": no [http] listen address";
    return "";
  }
  if (token) *token = loaded.config.http.token;
  return "http://" + loaded.config.http.listen.front().toString();
}

int runDrain(const ControlOptions& options, bool drain) {
  Target target;
  if (!resolveTarget(options, target)) return kExitProblems;
  json body = json::object();
  if (!options.zone.empty()) body["zone"] = options.zone;
  if (!options.service.empty()) body["service"] = options.service;
  if (!options.region.empty()) body["region"] = options.region;
  if (!options.endpoint.empty()) body["endpoint"] = options.endpoint;
  httplib::Client client(target.server);
  client.set_connection_timeout(3, 0);
  client.set_read_timeout(5, 0);
  httplib::Headers headers;
  if (!target.token.empty()) headers.emplace("Authorization", "Bearer " + target.token);
  auto result =
      client.Post(drain ? "/v1/drain" : "/v1/undrain", headers, body.dump(), "application/json");
  if (!result) {
    std::fprintf(stderr, "ninesctl: cannot reach %s\n", target.server.c_str());
    return kExitProblems;
  }
  json reply = json::parse(result->body, nullptr, false);
  if (result->status != 200) {
    std::string message = !reply.is_discarded() && reply.contains("error")
                              ? reply["error"].get<std::string>()
                              : result->body;
    std::fprintf(stderr, "ninesctl: %s: HTTP %d: %s\n", drain ? "drain" : "undrain", result->status,
                 message.c_str());
    return kExitProblems;
  }
  std::printf("%s %s pool(s)/endpoint(s)\n", drain ? "drained" : "undrained",
              reply.is_discarded() ? "?" : std::to_string(reply.value("matched", 0)).c_str());
  return kExitOk;
}

int runReload(const ControlOptions& options) {
  Target target;
  if (!resolveTarget(options, target)) return kExitProblems;
  httplib::Client client(target.server);
  client.set_connection_timeout(3, 0);
  // A reload loads every zone file: large zone sets take seconds.
  client.set_read_timeout(120, 0);
  httplib::Headers headers;
  if (!target.token.empty()) headers.emplace("Authorization", "Bearer " + target.token);
  auto result = client.Post("/v1/reload", headers, "", "application/json");
  if (!result) {
    std::fprintf(stderr, "ninesctl: cannot reach %s\n", target.server.c_str());
    return kExitProblems;
  }
  json reply = json::parse(result->body, nullptr, false);
  if (reply.is_discarded() || !reply.is_object() || !reply.contains("result")) {
    std::string message = !reply.is_discarded() && reply.is_object() && reply.contains("error")
                              ? reply["error"].get<std::string>()
                              : result->body;
    std::fprintf(stderr, "ninesctl: reload: HTTP %d: %s\n", result->status, message.c_str());
    return kExitProblems;
  }
  for (const auto& error : reply["errors"]) {
    std::fprintf(stderr, "%s\n", error.get<std::string>().c_str());
  }
  for (const auto& setting : reply["restart_required"]) {
    std::printf("restart required: %s (not applied; the rest was)\n",
                setting.get<std::string>().c_str());
  }
  const bool ok = result->status == 200 && reply.value("result", "") == "success";
  std::printf("reload %s; config digest %s\n", ok ? "succeeded" : "failed",
              reply.value("config_digest", "").c_str());
  return ok ? kExitOk : kExitProblems;
}

int runStatus(const ControlOptions& options) {
  Target target;
  if (!resolveTarget(options, target)) return kExitProblems;
  httplib::Client client(target.server);
  client.set_connection_timeout(3, 0);
  client.set_read_timeout(5, 0);
  // The summary shows regions only: it does without the per-prober votes (most of a large status).
  auto result = client.Get(options.json ? "/v1/status" : "/v1/status?votes=0");
  if (!result || result->status != 200) {
    std::fprintf(stderr, "ninesctl: cannot read %s/v1/status\n", target.server.c_str());
    return kExitProblems;
  }
  if (options.json) {
    std::printf("%s\n", result->body.c_str());
    return kExitOk;
  }
  json status = json::parse(result->body, nullptr, false);
  if (status.is_discarded()) {
    std::fprintf(stderr, "ninesctl: %s/v1/status is not JSON\n", target.server.c_str());
    return kExitProblems;
  }
  for (const auto& zone : status["zones"]) {
    std::printf("zone %s serial %s (%s records)\n", zone.value("origin", "").c_str(),
                std::to_string(zone.value("serial", 0u)).c_str(),
                std::to_string(zone.value("records", 0u)).c_str());
  }
  for (const auto& service : status["services"]) {
    std::printf("service %s.%s (%s)\n", service.value("name", "").c_str(),
                service.value("zone", "").c_str(), service.value("policy", "").c_str());
    for (const auto& region : service["regions"]) {
      std::printf("  %-12s %-8s %s\n", region.value("name", "").c_str(),
                  region.value("state", "").c_str(), region.value("reason", "").c_str());
    }
    printCapacity(service);
  }
  std::string heard;
  for (const auto& id : status.value("probers_heard", json::array())) {
    heard += (heard.empty() ? "" : ", ") + id.get<std::string>();
  }
  std::printf("config digest %s\nhealth digest %s\nprobers heard: %s\n",
              status.value("config_digest", "").c_str(), status.value("health_digest", "").c_str(),
              heard.empty() ? "none" : heard.c_str());
  return kExitOk;
}

}  // namespace nines::ctl
