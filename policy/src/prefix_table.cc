#include "nines/policy/prefix_table.h"

#include <algorithm>

namespace nines::policy {

// Each family's trie starts with its root node (the /0 prefix), so match() never has to check
// for an empty vector except on a moved-from table.
PrefixTable::PrefixTable() : v4_(1), v6_(1) {}
PrefixTable::~PrefixTable() = default;
PrefixTable::PrefixTable(PrefixTable&&) noexcept = default;
PrefixTable& PrefixTable::operator=(PrefixTable&&) noexcept = default;

void PrefixTable::insert(const zones::Cidr& cidr, std::int32_t value) {
  if (value < 0) return;
  std::vector<Node>* trie = nullptr;
  if (cidr.network.family == 4) trie = &v4_;
  if (cidr.network.family == 6) trie = &v6_;
  if (trie == nullptr) return;
  if (trie->empty()) trie->emplace_back();
  std::uint8_t prefix = std::min(cidr.prefix, cidr.network.bitLength());
  std::int32_t node = 0;
  for (std::size_t depth = 0; depth < prefix; ++depth) {
    unsigned bit = cidr.network.bit(depth) ? 1u : 0u;
    std::int32_t next = (*trie)[static_cast<std::size_t>(node)].child[bit];
    if (next < 0) {
      next = static_cast<std::int32_t>(trie->size());
      trie->emplace_back();  // may reallocate: index again below
      (*trie)[static_cast<std::size_t>(node)].child[bit] = next;
    }
    node = next;
  }
  Node& last = (*trie)[static_cast<std::size_t>(node)];
  if (last.value < 0) last.value = value;  // a prefix inserted twice keeps the first value
}

bool PrefixTable::empty() const noexcept {
  auto has_value = [](const std::vector<Node>& trie) {
    return std::any_of(trie.begin(), trie.end(), [](const Node& n) { return n.value >= 0; });
  };
  return !has_value(v4_) && !has_value(v6_);
}

// Walk the address's path from the root. At depth d the node stands for the address's first d
// bits: a value there is a match of length d, and a child on the other branch than the address's
// bit d means some address sharing the first d bits is answered otherwise (every subtree holds at
// least one value: nodes are only created on the way to a value). So the scope is one past the
// deepest such divergence, and never less than the matched prefix (divergences above the match
// lie outside it anyway).
PrefixMatch PrefixTable::match(const zones::IpAddress& address) const noexcept {
  PrefixMatch result;
  const std::vector<Node>* trie = nullptr;
  if (address.family == 4) trie = &v4_;
  if (address.family == 6) trie = &v6_;
  if (trie == nullptr || trie->empty()) return result;
  const std::size_t bits = address.bitLength();
  std::size_t scope = 0;
  std::int32_t node = 0;
  for (std::size_t depth = 0;; ++depth) {
    const Node& current = (*trie)[static_cast<std::size_t>(node)];
    if (current.value >= 0) {
      result.value = current.value;
      result.prefix = static_cast<std::uint8_t>(depth);
    }
    if (depth == bits) break;
    unsigned bit = address.bit(depth) ? 1u : 0u;
    if (current.child[bit ^ 1u] >= 0) scope = depth + 1;
    node = current.child[bit];
    if (node < 0) break;
  }
  result.scope = static_cast<std::uint8_t>(std::max<std::size_t>(scope, result.prefix));
  return result;
}

}  // namespace nines::policy
