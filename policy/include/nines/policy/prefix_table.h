// Longest-prefix match over IPv4 and IPv6 CIDR prefixes, compiled at load (gdnsd style) into a
// table whose lookup cost does not grow with the number of networks, with the ECS scope that
// goes with a match (RFC 7871 §7.2.1).
//
// A value stands for an outcome: networks given the same value answer alike. compile() merges
// them, so a nested network with its parent's value, or two adjacent networks with one value,
// vanish into one wider network, and the scope of an answer is as wide as it truthfully can be:
// the largest aligned network around the address in which every address gets the same value.
// Then the address space is cut into those networks (including the parts no network covers) and
// they are laid out as a multibit trie: a first step of 8 or 16 bits, then 4 bits a step, every
// slot holding either a finished answer (value and scope) or the next step. An IPv4 lookup reads
// at most 5 slots, a lookup in a /16-and-/24 table 1 to 3, whatever the table's size.
#pragma once

#include <cstdint>
#include <vector>

#include "nines/zones/ip.h"

namespace nines::policy {

struct PrefixMatch {
  // The value of the longest inserted prefix holding the address; -1: none.
  std::int32_t value = -1;
  // The length of the merged network that decided (0 when no prefix holds the address). It may be
  // shorter than the prefix as written when neighbours with the same value were merged into it.
  std::uint8_t prefix = 0;
  // The shortest prefix length s such that every address in address/s gets this same value (or
  // no match): a resolver may cache the answer for address/s without handing it to a client that
  // would be answered otherwise. Equal to `prefix` when a prefix matched.
  std::uint8_t scope = 0;
};

class PrefixTable {
 public:
  PrefixTable();
  ~PrefixTable();
  PrefixTable(PrefixTable&&) noexcept;
  PrefixTable& operator=(PrefixTable&&) noexcept;

  // The largest value a table holds (values are packed with the scope into 4-byte slots); a value
  // above it is not inserted. Loaders number values from 0 by network, so this bounds a table
  // at about 8 million networks (zones::kMaxServiceGeoNets).
  static constexpr std::int32_t kMaxValue = (1 << 23) - 2;

  // Adds `cidr` with `value` (0..kMaxValue), in effect at the next compile(). A prefix inserted
  // twice keeps the first value.
  void insert(const zones::Cidr& cidr, std::int32_t value);
  // Builds the lookup table from everything inserted; match() sees nothing before it.
  void compile();
  bool empty() const noexcept { return written_.empty(); }
  std::size_t size() const noexcept { return written_.size(); }

  // Never allocates.
  PrefixMatch match(const zones::IpAddress& address) const noexcept;

  // The longest prefix as inserted that holds `address` (insertion index), -1 when none. A linear
  // scan, for explaining an answer in the operator's own terms; never on the query path.
  std::int32_t writtenMatch(const zones::IpAddress& address) const noexcept;
  const zones::Cidr& written(std::size_t index) const noexcept { return written_[index].cidr; }

  // Slots in use, both families (memory: 4 bytes each).
  std::size_t slots() const noexcept { return v4_.slots.size() + v6_.slots.size(); }

 private:
  struct Written {
    zones::Cidr cidr;
    std::int32_t value;
  };
  // One slot of the trie: an answer, (value + 1) << 8 | scope, or kNextStep | where the next
  // step's slots begin. 0 is no match with scope 0.
  using Slot = std::uint32_t;
  static constexpr Slot kNextStep = 0x80000000u;
  struct Trie {
    std::vector<Slot> slots;  // step 0 first: root_bits wide
    unsigned root_bits = 8;
  };
  // The trie of `written`'s networks of one family (4 or 6).
  static void compileFamily(const std::vector<Written>& written, std::uint8_t family, Trie& trie);
  // An address as a 128-bit number, IPv4 in the top 32 bits.
  __extension__ typedef unsigned __int128 Key;
  static PrefixMatch walk(const Trie& trie, Key key) noexcept;

  std::vector<Written> written_;
  Trie v4_, v6_;
};

}  // namespace nines::policy
