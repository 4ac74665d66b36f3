#include "status_json.h"

#include "http_client.h"

namespace nines::testing {

namespace {

using nlohmann::json;

// The entry of array `list` of `parent` whose `key` is `value`.
json entryOf(const json& parent, const char* list, const char* key, const std::string& value) {
  if (!parent.is_object() || !parent.contains(list) || !parent[list].is_array()) return nullptr;
  for (const auto& entry : parent[list]) {
    if (entry.is_object() && entry.value(key, "") == value) return entry;
  }
  return nullptr;
}

}  // namespace

json statusJson(std::uint16_t port, const std::string& query) {
  HttpReply reply = httpGet(port, "/v1/status" + query);
  if (reply.status != 200) return nullptr;
  json parsed = json::parse(reply.body, nullptr, false);
  return parsed.is_discarded() ? json(nullptr) : parsed;
}

json serviceStatus(const json& status, const std::string& service) {
  return entryOf(status, "services", "name", service);
}

json regionStatus(const json& status, const std::string& service, const std::string& region) {
  return entryOf(serviceStatus(status, service), "regions", "name", region);
}

json endpointStatus(const json& status, const std::string& service, const std::string& address) {
  json entry = serviceStatus(status, service);
  if (!entry.is_object() || !entry.contains("regions")) return nullptr;
  for (const auto& region : entry["regions"]) {
    json endpoint = entryOf(region, "endpoints", "address", address);
    if (!endpoint.is_null()) return endpoint;
  }
  return nullptr;
}

std::string endpointState(std::uint16_t port, const std::string& service,
                          const std::string& address) {
  json endpoint = endpointStatus(statusJson(port), service, address);
  return endpoint.is_object() ? endpoint.value("state", "") : "";
}

json voteOf(const json& endpoint, const std::string& prober) {
  return entryOf(endpoint, "votes", "prober", prober);
}

json proberStatus(const json& status, const std::string& id) {
  return entryOf(status, "probers", "id", id);
}

long long reportCount(const json& status, const std::string& id, const std::string& outcome) {
  json prober = proberStatus(status, id);
  if (!prober.is_object() || !prober.contains("reports")) return -1;
  return prober["reports"].value(outcome, -1LL);
}

}  // namespace nines::testing
