// dnsd's GET /v1/status read as JSON (nlohmann), and the entries tests look up in it: a service,
// one of its regions or endpoints, a prober and its votes. Every lookup returns null when the
// entry is not there, so a test can print what it got.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

namespace nines::testing {

// GET /v1/status`query` (e.g. "?service=app&votes=0") parsed; null when the request failed or
// did not answer 200 with JSON.
nlohmann::json statusJson(std::uint16_t port, const std::string& query = "");

// The services[] entry named `service`.
nlohmann::json serviceStatus(const nlohmann::json& status, const std::string& service);
// The regions[] entry `region` of that service.
nlohmann::json regionStatus(const nlohmann::json& status, const std::string& service,
                            const std::string& region);
// The endpoints[] entry of `address` in any region of that service.
nlohmann::json endpointStatus(const nlohmann::json& status, const std::string& service,
                              const std::string& address);
// The "state" of that endpoint as GET /v1/status says now: "up", "down", "unknown", "drained";
// "" when it is not there.
std::string endpointState(std::uint16_t port, const std::string& service,
                          const std::string& address);
// The votes[] entry of `prober` in an endpoint entry.
nlohmann::json voteOf(const nlohmann::json& endpoint, const std::string& prober);
// The probers[] entry of `id`.
nlohmann::json proberStatus(const nlohmann::json& status, const std::string& id);
// That prober's count of reports with `outcome` ("accepted", "bad_signature", ...), -1 if none.
long long reportCount(const nlohmann::json& status, const std::string& id,
                      const std::string& outcome);

}  // namespace nines::testing
