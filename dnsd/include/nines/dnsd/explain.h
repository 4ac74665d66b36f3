// `ninesctl explain`: one query run through the same pipeline dnsd uses, with the policy's trace
// switched on, so the explanation and the answer cannot disagree.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "nines/dnsd/query_pipeline.h"
#include "nines/dnsd/serving_state.h"
#include "nines/policy/select.h"
#include "nines/zones/ip.h"

namespace nines::dnsd {

struct ExplainRequest {
  std::string name;  // presentation form; a missing final dot is added
  std::uint16_t qtype = 1;
  zones::IpAddress client;         // the packet's source address
  std::optional<zones::Cidr> ecs;  // EDNS Client Subnet to send, if any
  Transport transport = Transport::Udp;
};

struct Explanation {
  bool ok = false;
  std::string error;                   // when !ok: why the query could not be built
  bool service = false;                // a policy decided the answer
  std::string service_name;            // "www.example.test."
  policy::Trace trace;                 // filled when `service`
  std::vector<std::uint8_t> query;     // the wire query that was run
  std::vector<std::uint8_t> response;  // the wire response dnsd would send
};

Explanation explain(const ServingState& state, const ExplainRequest& request);

// Wire bytes of a standard query (EDNS with payload 1232 and the ECS option when `ecs` is set).
std::optional<std::vector<std::uint8_t>> buildQuery(const std::string& name, std::uint16_t qtype,
                                                    const std::optional<zones::Cidr>& ecs,
                                                    std::string* error);

}  // namespace nines::dnsd
