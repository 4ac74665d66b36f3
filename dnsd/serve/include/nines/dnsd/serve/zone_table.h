// The zones as dnsd serves them: every node of every zone in a flat hash index keyed by its
// lowercased wire name, and every RRset pre-rendered to wire form when the zones are loaded, so a
// query costs a few hash probes and memcpy. Immutable once built; published as a whole. Nodes,
// RRsets and their wire forms live in one arena: a compact table, freed whole.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "nines/dnsd/serve/arena.h"
#include "nines/dnsd/serve/name_index.h"
#include "nines/dnsd/wire/answer_plan.h"
#include "nines/policy/service_plan.h"
#include "nines/zones/zone.h"

namespace nines::dnsd {

struct ServedZone;

// One RRset: its two rendered wire forms (RenderedRRset, answer_plan.h) and what a lookup needs
// beside them. Every view points into the table's arena.
struct RRset : RenderedRRset {
  std::uint32_t ttl = 0;
  // A and AAAA RRsets of in-zone NS/MX/SRV targets for the additional section (RFC 1035 §3.3.9,
  // RFC 2782). For NS RRsets at a delegation these include glue below the cut.
  struct Additional {
    const RRset* rrset;  // written in its `at_apex` form
    bool required;       // glue below a zone cut: RFC 9471 §3 wants TC rather than none
  };
  std::span<const Additional> additional;
  // The first target name in RDATA (CNAME target), lowercased wire; empty for other types.
  std::string_view target;
};

struct Node {
  std::string_view name;  // wire, case as written (first occurrence)
  std::string_view key;   // lowercased wire name
  const ServedZone* zone = nullptr;
  std::span<const RRset> rrsets;   // sorted by type
  const Node* cut = nullptr;       // the delegation at or above this node, if any
  const Node* wildcard = nullptr;  // the "*" child, if any (RFC 4592 §2.2.1)
  std::int32_t service = -1;       // slot in ZoneTable::services() when a [services] entry owns it
  std::uint8_t label_count = 0;
  bool is_delegation = false;  // NS below the apex: a zone cut (RFC 1034 §4.2.1)

  const RRset* find(std::uint16_t type) const noexcept {
    for (const auto& rrset : rrsets) {
      if (rrset.type == type) return &rrset;
      if (rrset.type > type) break;
    }
    return nullptr;
  }
};

struct ServedZone {
  std::uint32_t slot = 0;  // its index in ZoneTable::zones()
  zones::Name origin;
  std::string key;  // lowercased wire origin
  std::uint8_t label_count = 0;
  const Node* apex = nullptr;
  NameIndex<Node> nodes;  // every node of the zone, empty non-terminals included
  RRset negative_soa;     // the SOA with its RFC 2308 §5 negative TTL, for NXDOMAIN/NODATA
  // What status shows of the model it was built from. The model itself is not kept (it is several
  // times the size of the table); model() reads it again from the file content it came from.
  std::string file;
  std::uint32_t serial = 0;
  std::size_t record_count = 0;
  std::shared_ptr<const std::string> text;  // zones::Zone::text
  zones::NetsTexts nets_texts;              // zones::Zone::nets_texts

  // The zone as it was loaded, read again from `text` (what a reload keeps when the file now
  // fails); nullopt for a zone that was not read from a file.
  std::optional<zones::Zone> model() const;
};

class ZoneTable {
 public:
  // Compiles validated zones. Zones must have distinct origins (the loader guarantees it).
  static std::shared_ptr<const ZoneTable> build(std::vector<zones::Zone> zones);
  // Unmaps the arena and hands the heap's free memory back to the system (malloc_trim): a
  // reload frees a whole table, and without it the process keeps the old table's worth.
  ~ZoneTable();

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
  // Every service of every zone, by slot; Node::service indexes it.
  const policy::ServiceSet& services() const noexcept { return services_; }
  std::size_t nodeCount() const noexcept { return node_count_; }
  // Octets the table's arena has mapped (nodes, RRsets, names, wire forms).
  std::size_t arenaBytes() const noexcept { return arena_.reserved(); }
  // Distinct for every table built in this process (an address can come back; this cannot), so
  // what is derived from a table can be cached against it. The same as services().id.
  std::uint64_t id() const noexcept { return services_.id; }

 private:
  class Builder;
  // Nodes, RRsets, names and wire forms; declared first so that it is freed last.
  Arena arena_;
  std::vector<std::unique_ptr<ServedZone>> zones_;
  std::size_t node_count_ = 0;
  NameIndex<ServedZone> zones_index_;
  policy::ServiceSet services_;
  std::uint64_t origin_label_counts_ = 0;  // bit n set: some origin has n labels
};

}  // namespace nines::dnsd
