// `ninesctl explain`: one query run through the same pipeline dnsd uses, with the policy's trace
// switched on, so the explanation and the answer cannot disagree.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "nines/dnsd/serve/query_pipeline.h"
#include "nines/dnsd/serve/serving_state.h"
#include "nines/policy/select.h"
#include "nines/zones/ip.h"

namespace nines::dnsd {

struct ExplainRequest {
  std::string name;  // presentation form; a missing final dot is added
  std::uint16_t qtype = 1;
  zones::IpAddress client;         // the packet's source address
  std::optional<zones::Cidr> ecs;  // EDNS Client Subnet to send, if any
  Transport transport = Transport::Udp;
  // Clock seconds the TTL's reasons are told against ("went down 40 s ago"); 0: when the health
  // view was built.
  double now = 0;
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

// The wire query for `name` (presentation form; a missing final dot is added) and `qtype`, as
// explain runs it: EDNS with our payload size, and the ECS option of `ecs` when set. Nullopt
// with `error` when the name is not a valid domain name.
std::optional<std::vector<std::uint8_t>> makeQuery(const std::string& name, std::uint16_t qtype,
                                                   const std::optional<zones::Cidr>& ecs,
                                                   std::string* error);

}  // namespace nines::dnsd
