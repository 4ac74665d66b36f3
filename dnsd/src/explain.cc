#include "nines/dnsd/explain.h"

#include "nines/dnsd/wire.h"
#include "nines/zones/name.h"

namespace nines::dnsd {

std::optional<std::vector<std::uint8_t>> buildQuery(const std::string& name, std::uint16_t qtype,
                                                    const std::optional<zones::Cidr>& ecs,
                                                    std::string* error) {
  std::string text = name;
  if (text.empty() || text.back() != '.') text += '.';
  auto owner = zones::Name::fromText(text, nullptr, error);
  if (!owner) return std::nullopt;
  std::vector<std::uint8_t> wire(kHeaderSize, 0);
  wire[0] = 0x4e;  // an arbitrary, fixed ID
  wire[1] = 0x39;
  wire[5] = 1;   // QDCOUNT
  wire[11] = 1;  // ARCOUNT: the OPT record
  auto name_wire = owner->wire();
  wire.insert(wire.end(), name_wire.begin(), name_wire.end());
  wire.push_back(static_cast<std::uint8_t>(qtype >> 8));
  wire.push_back(static_cast<std::uint8_t>(qtype));
  wire.push_back(0);
  wire.push_back(1);  // IN
  std::vector<std::uint8_t> option;
  if (ecs) {
    std::size_t bytes = (ecs->prefix + 7u) / 8u;
    auto length = static_cast<std::uint16_t>(4 + bytes);
    option = {0,
              edns::OptionEcs,
              static_cast<std::uint8_t>(length >> 8),
              static_cast<std::uint8_t>(length),
              0,
              static_cast<std::uint8_t>(ecs->network.family == 4 ? 1 : 2),
              ecs->prefix,
              0};
    option.insert(option.end(), ecs->network.bytes.begin(),
                  ecs->network.bytes.begin() + static_cast<std::ptrdiff_t>(bytes));
  }
  // OPT: root owner, type 41, payload 1232, version 0, no flags.
  std::uint8_t opt[11] = {0,
                          0,
                          41,
                          0x04,
                          0xd0,
                          0,
                          0,
                          0,
                          0,
                          static_cast<std::uint8_t>(option.size() >> 8),
                          static_cast<std::uint8_t>(option.size())};
  wire.insert(wire.end(), opt, opt + sizeof opt);
  wire.insert(wire.end(), option.begin(), option.end());
  return wire;
}

Explanation explain(const ServingState& state, const ExplainRequest& request) {
  Explanation explanation;
  auto query = buildQuery(request.name, request.qtype, request.ecs, &explanation.error);
  if (!query) return explanation;
  explanation.query = *query;
  QueryContext context;
  context.trace = &explanation.trace;
  std::vector<std::uint8_t> out(kMaxTcpMessage);
  QueryResult result = processQuery(state, query->data(), query->size(), request.client,
                                    request.transport, kMaxUdpPayload, context, out.data());
  out.resize(result.size);
  explanation.response = std::move(out);
  explanation.ok = true;
  explanation.service = context.plan.service != nullptr || !explanation.trace.policy.empty();
  if (explanation.service && context.plan.service) {
    explanation.service_name = context.plan.service->owner.toText();
  }
  return explanation;
}

}  // namespace nines::dnsd
