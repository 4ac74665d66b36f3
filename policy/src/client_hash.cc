// The stickiness contract. Every dnsd answering for a zone, whatever its build, machine or
// version, must send a client subnet to the same region and the same endpoint, and admit it to a
// ramping region alike, or a resolver that asks two nameservers (or one before and after an
// upgrade) sees the answer flap and the client's connections move between regions. So everything
// here is part of the contract: which subnet stands for the client, the bytes hashed and their
// order, the salts, the constants and how bits become numbers. The hashes themselves are
// base::fnv1a and base::mix64 (base/hash.h). tests/policy/client_hash_test.cc pins the results
// with vectors: a change that fails one moves real clients and is wrong.
#include "client_hash.h"

#include <cmath>
#include <string>

#include "nines/base/hash.h"

namespace nines::policy::detail {

ClientKey clientKey(const ServicePlan& plan, const Client& client) noexcept {
  ClientKey key;
  const std::uint8_t family = client.address.family;
  std::uint8_t prefix = family == 4 ? 24 : 56;
  // A shorter ECS source prefix is all we know of the client. Source prefix 0 ("do not use",
  // RFC 7871 §7.1.2) comes with the resolver's own address: hash that resolver's subnet, or every
  // such resolver would land in the same region.
  if (client.source_prefix > 0 && client.source_prefix < prefix) prefix = client.source_prefix;
  if (family != 4 && family != 6) prefix = 0;
  key.prefix = prefix;
  key.network = client.address.masked(prefix);
  std::uint64_t hash = base::fnv1a(base::kFnvOffset, &family, 1);
  hash = base::fnv1a(hash, key.network.bytes.data(), family == 4 ? 4 : 16);
  hash = base::fnv1a(hash, &prefix, 1);
  key.hash = base::fnv1a(hash, plan.name.data(), plan.name.size());
  return key;
}

double rendezvousScore(const ServicePlan& plan, const ClientKey& key, std::size_t slot,
                       double weight) noexcept {
  const char separator = '\0';
  std::uint64_t hash = base::fnv1a(key.hash, &separator, 1);
  const std::string& name = plan.regions[slot].name;
  hash = base::mix64(base::fnv1a(hash, name.data(), name.size()));
  // The top 53 bits as a double in (0, 1): never 0 (log) and never 1 (division by zero).
  const double u = (static_cast<double>(hash >> 11) + 0.5) * 0x1p-53;
  return weight / -std::log(u);
}

std::size_t rotationOffset(const ClientKey& key, std::size_t slot, std::size_t size) noexcept {
  if (size == 0) return 0;
  // The 64-bit golden ratio, written out rather than base::kGoldenRatio64: that one serves the
  // process-local hashes and may change; this one may not.
  constexpr std::uint64_t kSlotStep = 0x9e3779b97f4a7c15ull;
  return static_cast<std::size_t>(base::mix64(key.hash + kSlotStep * (slot + 1)) % size);
}

// Slow start for geo, latency and failover (weighted scales the region's weight by its ramp
// instead): a region ramping in (0 < ramp < 1 in its health) takes a client subnet only when a
// hash of (subnet, region) falls in [0, ramp), so its share of the clients that would have it
// grows with the ramp, and a subnet once admitted stays admitted as the ramp grows.
double rampPoint(const ServicePlan& plan, const ClientKey& key, std::size_t slot) noexcept {
  const char salt[] = "slow start";  // sizeof: the terminating NUL is hashed too
  std::uint64_t hash = base::fnv1a(key.hash, salt, sizeof salt);
  const std::string& name = plan.regions[slot].name;
  hash = base::mix64(base::fnv1a(hash, name.data(), name.size()));
  return static_cast<double>(hash >> 11) * 0x1p-53;  // top 53 bits: uniform in [0, 1)
}

}  // namespace nines::policy::detail
