// Longest-prefix match over IPv4 and IPv6 CIDR prefixes (a binary trie), with the ECS scope
// that goes with a match (RFC 7871 §7.2.1).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "nines/zones/ip.h"

namespace nines::policy {

struct PrefixMatch {
  std::int32_t value = -1;  // index given to insert(); -1: no prefix contains the address
  std::uint8_t prefix = 0;  // length of the matching prefix (0 when none)
  // The shortest prefix length s such that every address in address/s gets this same result
  // (the same match, or no match): at least `prefix`, and one past the deepest point where the
  // address's path in the trie passes a branch holding other prefixes. A resolver may cache
  // the answer for address/s without handing it to a client that would be answered otherwise.
  std::uint8_t scope = 0;
};

class PrefixTable {
 public:
  PrefixTable();
  ~PrefixTable();
  PrefixTable(PrefixTable&&) noexcept;
  PrefixTable& operator=(PrefixTable&&) noexcept;

  // Adds `cidr` with `value` (>= 0). A prefix inserted twice keeps the first value.
  void insert(const zones::Cidr& cidr, std::int32_t value);
  bool empty() const noexcept;
  // Never allocates.
  PrefixMatch match(const zones::IpAddress& address) const noexcept;

 private:
  struct Node {
    std::int32_t child[2] = {-1, -1};
    std::int32_t value = -1;
  };
  std::vector<Node> v4_, v6_;  // node 0 is the root of each family's trie
};

}  // namespace nines::policy
