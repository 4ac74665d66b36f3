// The zones as dnsd serves them: every node of every zone in a flat hash index keyed by its
// lowercased wire name, and every RRset pre-rendered to wire form when the zones are loaded, so a
// query costs a few hash probes and memcpy. Immutable once built; published as a whole.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "nines/policy/health.h"
#include "nines/policy/service_plan.h"
#include "nines/zones/zone.h"

namespace nines::dnsd {

struct Node;
struct ServedZone;

// One RRset in wire form, rendered twice at load time:
// - `at_pointer`: every owner is a 2-octet compression pointer, to be patched to wherever the
//   owner already stands in the message (the question name or one of its suffixes);
// - `at_apex`: every owner is its labels below the zone apex followed by a pointer to the apex.
// Names inside RDATA of the types RFC 1035 lets us compress (NS, CNAME, PTR, MX, SOA) and that lie
// in the zone are likewise written as labels plus a pointer to the apex; everything else is
// literal. Since the apex is always a suffix of the question name, a response needs only the
// offsets in `*_patches` rewritten (pointer targets) after one memcpy.
struct RRsetWire {
  std::string bytes;
  std::vector<std::uint16_t> owner_patches;  // offsets of owner pointers (at_pointer only)
  std::vector<std::uint16_t> apex_patches;   // offsets of pointers to the zone apex
};

struct RRset {
  std::uint16_t type = 0;
  std::uint32_t ttl = 0;
  std::uint16_t count = 0;  // records
  RRsetWire at_pointer;
  RRsetWire at_apex;
  // A and AAAA RRsets of in-zone NS/MX/SRV targets for the additional section (RFC 1035 §3.3.9,
  // RFC 2782). For NS RRsets at a delegation these include glue below the cut.
  struct Additional {
    const RRset* rrset;  // rendered from `at_apex`
    bool required;       // glue below a zone cut: RFC 9471 §3 wants TC rather than none
  };
  std::vector<Additional> additional;
  // The first target name in RDATA (CNAME target), lowercased wire; empty for other types.
  std::string target;
};

struct Node {
  zones::Name name;  // case as written (first occurrence)
  std::string key;   // lowercased wire name
  const ServedZone* zone = nullptr;
  std::vector<RRset> rrsets;       // sorted by type
  bool is_delegation = false;      // NS below the apex: a zone cut (RFC 1034 §4.2.1)
  const Node* cut = nullptr;       // the delegation at or above this node, if any
  const Node* wildcard = nullptr;  // the "*" child, if any (RFC 4592 §2.2.1)
  std::uint8_t label_count = 0;
  std::int32_t service = -1;  // slot in ZoneTable::services() when a [services] entry owns it

  const RRset* find(std::uint16_t type) const noexcept {
    for (const auto& rrset : rrsets) {
      if (rrset.type == type) return &rrset;
      if (rrset.type > type) break;
    }
    return nullptr;
  }
};

template <typename T>
class NameIndex;

struct ServedZone;
std::uint64_t hashName(std::string_view key) noexcept;

// Open-addressing hash index from lowercased wire name to a pointer. Built once, read-only after.
template <typename T>
class NameIndex {
 public:
  void build(const std::vector<std::pair<std::string_view, const T*>>& entries) {
    std::size_t capacity = 8;
    while (capacity < entries.size() * 2) capacity *= 2;
    slots_.assign(capacity, Slot{});
    mask_ = capacity - 1;
    size_ = entries.size();
    for (const auto& [key, value] : entries) {
      std::uint64_t hash = hashName(key);
      std::size_t i = hash & mask_;
      while (slots_[i].value) i = (i + 1) & mask_;
      slots_[i] = Slot{hash, key, value};
    }
  }
  const T* find(std::string_view key) const noexcept {
    if (slots_.empty()) return nullptr;
    std::uint64_t hash = hashName(key);
    for (std::size_t i = hash & mask_;; i = (i + 1) & mask_) {
      const Slot& slot = slots_[i];
      if (!slot.value) return nullptr;
      if (slot.hash == hash && slot.key == key) return slot.value;
    }
  }
  std::size_t size() const noexcept { return size_; }

 private:
  struct Slot {
    std::uint64_t hash = 0;
    std::string_view key;
    const T* value = nullptr;
  };
  std::vector<Slot> slots_;
  std::size_t mask_ = 0;
  std::size_t size_ = 0;
};

struct ServedZone {
  zones::Name origin;
  std::string key;  // lowercased wire origin
  std::uint8_t label_count = 0;
  const Node* apex = nullptr;
  NameIndex<Node> nodes;  // every node of the zone, empty non-terminals included
  RRset negative_soa;     // the SOA with its RFC 2308 §5 negative TTL, for NXDOMAIN/NODATA
  zones::Zone source;     // the model it was built from (kept for reloads and status)
};

class ZoneTable {
 public:
  // Compiles validated zones. Zones must have distinct origins (the loader guarantees it).
  static std::shared_ptr<const ZoneTable> build(std::vector<zones::Zone> zones);

  // The zone with the longest origin that is a suffix of the query name, or null.
  // `suffix(k)` must give the lowercased name without its first k labels.
  template <typename SuffixFn>
  const ServedZone* findZone(std::size_t label_count, SuffixFn&& suffix) const noexcept {
    for (std::size_t k = 0; k <= label_count; ++k) {
      std::size_t labels = label_count - k;
      if (labels < 64 && !((origin_label_counts_ >> labels) & 1u)) continue;
      if (const ServedZone* zone = zones_index_.find(suffix(k))) return zone;
    }
    return nullptr;
  }

  const std::vector<std::unique_ptr<ServedZone>>& zones() const noexcept { return zones_; }
  // Every service of every zone, by slot (gdnsd style: integer slots fixed at load).
  const std::vector<policy::ServicePlan>& services() const noexcept { return services_; }
  // The health of each service before anything is known: all endpoints unknown, zone drains only.
  const std::vector<policy::ServiceHealth>& initialHealth() const noexcept {
    return initial_health_;
  }
  std::size_t nodeCount() const noexcept { return nodes_.size(); }
  // Distinct for every table built in this process (an address can come back; this cannot), so
  // what is derived from a table can be cached against it.
  std::uint64_t id() const noexcept { return id_; }

 private:
  std::vector<std::unique_ptr<ServedZone>> zones_;
  std::vector<std::unique_ptr<Node>> nodes_;
  NameIndex<ServedZone> zones_index_;
  std::vector<policy::ServicePlan> services_;
  std::vector<policy::ServiceHealth> initial_health_;
  std::uint64_t origin_label_counts_ = 0;  // bit n set: some origin has n labels
  std::uint64_t id_ = 0;
};

}  // namespace nines::dnsd
