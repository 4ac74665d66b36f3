// Who the client of a query is, for the policies (RFC 7871 §6 and §7.1.2): the address in the
// EDNS Client Subnet option when the query carried one with a non-zero source prefix, else the
// packet's source. The other half of the ECS rule, the scope a response states, is the policy's
// (policy/src/ecs_scope.cc); the option itself is read and written in wire/edns.
#pragma once

#include "nines/dnsd/wire/query_parser.h"
#include "nines/policy/select.h"
#include "nines/zones/ip.h"

namespace nines::dnsd {

// The client of `query`, received from `source`. Its location is left for the caller to fill.
// Inline: it runs for every service answer.
inline policy::Client ecsClient(const Query& query, const zones::IpAddress& source) noexcept {
  policy::Client client;
  if (query.has_ecs && query.ecs.source_prefix > 0) {
    client.address = query.ecs.family == 1 ? zones::IpAddress::v4(query.ecs.address.data())
                                           : zones::IpAddress::v6(query.ecs.address.data());
    client.source_prefix = query.ecs.source_prefix;
    client.has_ecs = true;
  } else {
    client.address = source;
    client.source_prefix = source.bitLength();
    // Source prefix 0 ("do not use my address", §7.1.2): decide by the source, answer with
    // scope 0.
    client.has_ecs = query.has_ecs;
    if (query.has_ecs) client.source_prefix = 0;
  }
  return client;
}

}  // namespace nines::dnsd
