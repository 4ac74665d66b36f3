#include "nines/dnsd/serve/explain.h"

#include <algorithm>

#include "nines/dnsd/wire/message.h"
#include "nines/dnsd/wire/query_builder.h"
#include "nines/policy/answer_ttl.h"
#include "nines/zones/name.h"

namespace nines::dnsd {

namespace {

ClientSubnet clientSubnetOf(const zones::Cidr& cidr) {
  ClientSubnet ecs;
  ecs.family = cidr.network.family == 4 ? 1 : 2;
  ecs.source_prefix = cidr.prefix;
  const std::size_t bytes = (cidr.prefix + 7u) / 8u;
  std::copy_n(cidr.network.bytes.begin(), bytes, ecs.address.begin());
  return ecs;
}

}  // namespace

std::optional<std::vector<std::uint8_t>> makeQuery(const std::string& name, std::uint16_t qtype,
                                                   const std::optional<zones::Cidr>& ecs,
                                                   std::string* error) {
  std::string text = name;
  if (text.empty() || text.back() != '.') text += '.';
  auto owner = zones::Name::fromText(text, nullptr, error);
  if (!owner) return std::nullopt;
  std::optional<ClientSubnet> subnet;
  if (ecs) subnet = clientSubnetOf(*ecs);
  return buildQuery(owner->wire(), qtype, subnet ? &*subnet : nullptr);
}

Explanation explain(const ServingState& state, const ExplainRequest& request) {
  Explanation explanation;
  auto query = makeQuery(request.name, request.qtype, request.ecs, &explanation.error);
  if (!query) return explanation;
  explanation.query = std::move(*query);

  QueryContext context;
  context.policy.trace = &explanation.trace;
  std::vector<std::uint8_t> out(kMaxTcpMessage);
  QueryResult result =
      processQuery(state, explanation.query.data(), explanation.query.size(), request.client,
                   request.transport, kMaxUdpPayload, context, out.data());
  out.resize(result.size);
  explanation.response = std::move(out);
  explanation.ok = true;
  explanation.service = context.policy.service != nullptr || !explanation.trace.policy.empty();
  if (const policy::ServicePlan* service = context.policy.service) {
    explanation.service_name = service->owner_text;
    const auto& plans = state.zones->services().plans;
    const auto slot = static_cast<std::size_t>(service - plans.data());
    const double now = request.now > 0 ? request.now : state.health ? state.health->built_at : 0;
    if (slot < plans.size()) {
      explanation.trace.ttl = policy::describeTtl(*service, state.serviceHealth(slot), now);
    }
  }
  return explanation;
}

}  // namespace nines::dnsd
