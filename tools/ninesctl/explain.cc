// ninesctl explain: why would client X get answer Y. Runs the query through dnsd's own pipeline
// (nines::dnsd::explain) on the zones and geo settings of a dnsd.toml, optionally with the live
// drains and health of a running dnsd, and prints the policy's trace and the response.
#include "nines/dnsd/serve/explain.h"

#include <httplib.h>

#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "nines/dnsd/control/config.h"
#include "nines/policy/answer_ttl.h"
#include "nines/zones/ldns.h"
#include "nines/zones/loader.h"
#include "serving_state_of.h"

namespace nines::ctl {

namespace {

using nlohmann::json;

struct Decoded {
  std::string rcode;
  std::string flags;
  std::vector<std::string> answer, authority, additional;
  std::string ecs;
};

std::vector<std::string> rrLines(ldns_rr_list* list) {
  std::vector<std::string> lines;
  for (std::size_t i = 0; list && i < ldns_rr_list_rr_count(list); ++i) {
    char* text = ldns_rr2str(ldns_rr_list_rr(list, i));
    std::string line = text ? text : "";
    free(text);
    while (!line.empty() && line.back() == '\n') line.pop_back();
    lines.push_back(line);
  }
  return lines;
}

// The response as ldns reads it: an independent decoder, not ours.
Decoded decode(const std::vector<std::uint8_t>& wire) {
  Decoded decoded;
  ldns_pkt* packet = nullptr;
  if (wire.empty() || ldns_wire2pkt(&packet, wire.data(), wire.size()) != LDNS_STATUS_OK) {
    decoded.rcode = wire.empty() ? "(no response: dropped)" : "(undecodable response)";
    return decoded;
  }
  ldns_lookup_table* rcode = ldns_lookup_by_id(ldns_rcodes, ldns_pkt_get_rcode(packet));
  decoded.rcode = rcode ? rcode->name : std::to_string(ldns_pkt_get_rcode(packet));
  if (ldns_pkt_aa(packet)) decoded.flags += "aa ";
  if (ldns_pkt_tc(packet)) decoded.flags += "tc ";
  if (!decoded.flags.empty()) decoded.flags.pop_back();
  decoded.answer = rrLines(ldns_pkt_answer(packet));
  decoded.authority = rrLines(ldns_pkt_authority(packet));
  decoded.additional = rrLines(ldns_pkt_additional(packet));
  if (ldns_rdf* data = ldns_pkt_edns_data(packet)) {
    const std::uint8_t* p = ldns_rdf_data(data);
    std::size_t n = ldns_rdf_size(data);
    for (std::size_t pos = 0; pos + 4 <= n;) {
      unsigned code = (p[pos] << 8) | p[pos + 1], length = (p[pos + 2] << 8) | p[pos + 3];
      if (code == 8 && length >= 4 && pos + 4 + length <= n) {
        decoded.ecs =
            "source /" + std::to_string(p[pos + 6]) + ", scope /" + std::to_string(p[pos + 7]);
      }
      pos += 4 + length;
    }
  }
  ldns_pkt_free(packet);
  return decoded;
}

// A service's "unstable" in /v1/status (null while steady) as the view held it.
policy::ServiceStability stabilityOf(const policy::ServicePlan& plan, const json& unstable) {
  policy::ServiceStability stability;
  if (!unstable.is_object()) return stability;
  const std::string region = unstable.value("region", "");
  for (std::size_t r = 0; r < plan.regions.size(); ++r) {
    if (plan.regions[r].name == region) stability.region = static_cast<std::uint16_t>(r);
  }
  stability.unstable = true;
  stability.cause = policy::unrestFromName(unstable.value("cause", ""));
  stability.changed_at = unstable.value("changed_at", 0.0);
  stability.calm_at = unstable.value("calm_at", 0.0);
  return stability;
}

// Takes drains, endpoint states and whether each service is unstable (its answers' TTL) from a
// running dnsd's /v1/status into `health`.
bool applyLiveStatus(const std::string& server, const policy::ServiceSet& services,
                     policy::HealthView& health, std::string* error) {
  httplib::Client client(server);
  client.set_connection_timeout(3, 0);
  client.set_read_timeout(5, 0);
  // States and drains are all it takes: not the per-prober votes (most of a large status).
  auto result = client.Get("/v1/status?votes=0");
  if (!result || result->status != 200) {
    *error = "cannot read " + server + "/v1/status";
    return false;
  }
  json status = json::parse(result->body, nullptr, false);
  if (status.is_discarded() || !status.contains("services")) {
    *error = server + "/v1/status did not return a status document";
    return false;
  }
  const auto& plans = services.plans;
  for (const auto& service : status["services"]) {
    for (std::size_t s = 0; s < plans.size(); ++s) {
      if (plans[s].zone != service.value("zone", "") || plans[s].name != service.value("name", ""))
        continue;
      health.services[s].stability = stabilityOf(plans[s], service.value("unstable", json()));
      for (const auto& region : service["regions"]) {
        for (std::size_t r = 0; r < plans[s].regions.size(); ++r) {
          if (plans[s].regions[r].name != region.value("name", "")) continue;
          auto& region_health = health.services[s].regions[r];
          const auto& drained_by = region.value("drained_by", json());
          region_health.drained = drained_by.is_string() && drained_by == "api";
          for (const auto& endpoint : region["endpoints"]) {
            auto address = zones::IpAddress::parse(endpoint.value("address", ""));
            for (std::size_t e = 0; address && e < plans[s].regions[r].endpoints.size(); ++e) {
              if (!(plans[s].regions[r].endpoints[e] == *address)) continue;
              std::string state = endpoint.value("state", "unknown");
              region_health.endpoints[e] = state == "up"        ? policy::EndpointState::Up
                                           : state == "down"    ? policy::EndpointState::Down
                                           : state == "drained" ? policy::EndpointState::Drained
                                                                : policy::EndpointState::Unknown;
            }
          }
        }
      }
    }
  }
  return true;
}

void printLines(const char* title, const std::vector<std::string>& lines) {
  if (lines.empty()) return;
  std::printf("%s\n", title);
  for (const auto& line : lines) std::printf("  %s\n", line.c_str());
}

// The query explain runs, from the command line; nullopt with `error`.
std::optional<dnsd::ExplainRequest> requestOf(const ExplainOptions& options, std::string* error) {
  dnsd::ExplainRequest request;
  request.name = options.name;
  ldns_rr_type type = ldns_get_rr_type_by_name(options.type.c_str());
  if (type == 0) {
    *error = "unknown record type \"" + options.type + "\"";
    return std::nullopt;
  }
  request.qtype = static_cast<std::uint16_t>(type);
  auto client = zones::IpAddress::parse(options.client);
  if (!client) {
    *error = "--client \"" + options.client + "\" is not an IP address";
    return std::nullopt;
  }
  request.client = *client;
  if (!options.ecs.empty()) {
    std::string problem;
    request.ecs = zones::Cidr::parse(options.ecs, &problem);
    if (!request.ecs) {
      *error = "--ecs \"" + options.ecs + "\": " + problem;
      return std::nullopt;
    }
  }
  request.transport = options.tcp ? dnsd::Transport::Tcp : dnsd::Transport::Udp;
  return request;
}

}  // namespace

std::shared_ptr<const dnsd::ServingState> servingStateOf(const std::string& config,
                                                         const std::string& server,
                                                         std::string* error) {
  dnsd::ConfigResult loaded_config = dnsd::loadServerConfig(config);
  for (const auto& problem : loaded_config.errors) {
    std::fprintf(stderr, "%s\n", problem.toString().c_str());
  }
  if (!loaded_config.errors.empty()) {
    *error = "";
    return nullptr;
  }
  zones::LoadResult loaded = zones::loadZones(loaded_config.config.server.zones);
  for (const auto& problem : loaded.errors)
    std::fprintf(stderr, "%s\n", problem.toString().c_str());
  auto state = std::make_shared<dnsd::ServingState>();
  state->zones = dnsd::ZoneTable::build(std::move(loaded.zones));
  const dnsd::GeoConfig& geo = loaded_config.config.geo;
  std::string geo_error;
  state->locator = policy::ClientLocator::create(geo.nets, geo.databaseOptions(), &geo_error);
  if (!state->locator) {
    *error = "[geo] database: " + geo_error;
    return nullptr;
  }
  auto health = std::make_shared<policy::HealthView>();
  health->services = state->zones->services().initial_health;
  if (!server.empty() && !applyLiveStatus(server, state->zones->services(), *health, error)) {
    return nullptr;
  }
  state->health = health;
  return state;
}

namespace {

void printJson(const ExplainOptions& options, const dnsd::Explanation& explanation,
               const Decoded& response) {
  const policy::Trace& trace = explanation.trace;
  json out = {{"query",
               {{"name", options.name},
                {"type", options.type},
                {"client", options.client},
                {"ecs", options.ecs},
                {"transport", options.tcp ? "tcp" : "udp"}}},
              {"service", explanation.service},
              {"response",
               {{"rcode", response.rcode},
                {"flags", response.flags},
                {"answer", response.answer},
                {"authority", response.authority},
                {"additional", response.additional},
                {"ecs", response.ecs}}}};
  if (explanation.service) {
    out["decision"] = {{"policy", trace.policy},
                       {"location", trace.location},
                       {"rule", trace.rule},
                       {"order", trace.order},
                       {"regions", trace.regions},
                       {"answer", trace.answer},
                       {"scope", trace.scope_reason},
                       {"fail_open", trace.fail_open},
                       {"ttl", trace.ttl},
                       {"outcome", trace.decision_outcome}};
  }
  std::printf("%s\n", out.dump(2).c_str());
}

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

void printText(const ExplainOptions& options, const dnsd::Explanation& explanation,
               const Decoded& response) {
  const policy::Trace& trace = explanation.trace;
  std::printf("query:    %s %s from %s%s%s\n", options.name.c_str(), options.type.c_str(),
              options.client.c_str(), options.ecs.empty() ? "" : " with ECS ", options.ecs.c_str());
  if (explanation.service) {
    std::printf("policy:   %s\n", trace.policy.c_str());
    std::printf("client:   %s\n", trace.location.c_str());
    std::printf("rule:     %s\n", trace.rule.c_str());
    std::printf("order:    %s\n", joined(trace.order).c_str());
    printLines("regions:", trace.regions);
    const std::string answer = joined(trace.answer);
    std::printf("answer:   %s\n", answer.empty() ? "(none)" : answer.c_str());
    std::printf("scope:    %s\n", trace.scope_reason.c_str());
    std::printf("ttl:      %s\n", trace.ttl.c_str());
    std::printf("fail-open: %s\n",
                trace.fail_open ? "yes (every region down; answering anyway)" : "no");
    std::printf("outcome:  %s (nines_decisions_total's outcome label)\n",
                trace.decision_outcome.c_str());
  } else {
    std::printf("static:   not a service name; answered from the zone's records\n");
  }
  std::printf("response: %s%s%s%s\n", response.rcode.c_str(), response.flags.empty() ? "" : ", ",
              response.flags.c_str(),
              response.ecs.empty() ? "" : (", ECS " + response.ecs).c_str());
  printLines("answer section:", response.answer);
  printLines("authority section:", response.authority);
  printLines("additional section:", response.additional);
}

}  // namespace

int runExplain(const ExplainOptions& options) {
  auto fail = [](const std::string& message) {
    if (!message.empty()) std::fprintf(stderr, "ninesctl explain: %s\n", message.c_str());
    return kExitProblems;
  };
  std::string error;
  std::shared_ptr<const dnsd::ServingState> state =
      servingStateOf(options.config, options.server, &error);
  if (!state) return fail(error);
  std::optional<dnsd::ExplainRequest> request = requestOf(options, &error);
  if (!request) return fail(error);
  request->now =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  dnsd::Explanation explanation = dnsd::explain(*state, *request);
  if (!explanation.ok) return fail(explanation.error);
  const Decoded response = decode(explanation.response);
  if (options.json) {
    printJson(options, explanation, response);
  } else {
    printText(options, explanation, response);
  }
  return kExitOk;
}

}  // namespace nines::ctl
