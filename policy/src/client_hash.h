// The client hashes: which subnet stands for a client, and the three things the policies derive
// from it (rendezvous scores, endpoint rotation, slow-start admission). These are the stickiness
// contract between nameservers; client_hash.cc says why. Internal to nines_policy.
#pragma once

#include <cstddef>
#include <cstdint>

#include "nines/policy/select.h"

namespace nines::policy::detail {

// The client's subnet, the unit of stickiness: /24 for IPv4, /56 for IPv6 (one customer site),
// or the ECS source prefix when the resolver sent less (but more than 0). `hash` covers the subnet
// and the service name.
struct ClientKey {
  zones::IpAddress network;
  std::uint8_t prefix = 0;
  std::uint64_t hash = 0;
};
ClientKey clientKey(const ServicePlan& plan, const Client& client) noexcept;

// The rendezvous score of one region for this client: weight / -ln(u), u in (0, 1) from a hash
// of (client subnet, service, region name). The highest score is the client's first choice.
double rendezvousScore(const ServicePlan& plan, const ClientKey& key, std::size_t slot,
                       double weight) noexcept;

// Where in a region's endpoint list (of one family, `size` long) this client starts; 0 when the
// list is empty.
std::size_t rotationOffset(const ClientKey& key, std::size_t slot, std::size_t size) noexcept;

// Slow start's admission point of (client subnet, region) in [0, 1): admitted while below the
// region's ramp.
double rampPoint(const ServicePlan& plan, const ClientKey& key, std::size_t slot) noexcept;

}  // namespace nines::policy::detail
