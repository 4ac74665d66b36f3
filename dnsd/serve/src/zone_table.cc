#include "nines/dnsd/serve/zone_table.h"

#include <algorithm>
#include <array>
#include <tuple>
#include <unordered_map>

#include "nines/zones/loader.h"
#include "rrset_render.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace nines::dnsd {

namespace rr = zones::rrtype;

namespace {

// Offset of the target name in the RDATA of the types whose targets' addresses belong in the
// additional section: NS (RFC 1035 §3.3.11), MX (§3.3.9), SRV (RFC 2782).
std::optional<std::size_t> additionalTargetOffset(std::uint16_t type) {
  switch (type) {
    case rr::NS:
      return 0;
    case rr::MX:
      return 2;
    case rr::SRV:
      return 6;
    default:
      return std::nullopt;
  }
}

// A lowercased copy of a wire name, on the stack: the builder looks names up by their key
// without allocating.
class LowerName {
 public:
  explicit LowerName(std::string_view wire) : size_(std::min(wire.size(), buffer_.size())) {
    for (std::size_t i = 0; i < size_; ++i) {
      buffer_[i] = static_cast<char>(zones::asciiLower(static_cast<std::uint8_t>(wire[i])));
    }
  }
  std::string_view view() const noexcept { return {buffer_.data(), size_}; }

 private:
  std::array<char, zones::kMaxNameLength> buffer_;
  std::size_t size_;
};

// The wire name without its first label; `wire` is not the root.
std::string_view parentOf(std::string_view wire) {
  return wire.substr(1u + static_cast<std::uint8_t>(wire[0]));
}

std::size_t labelCountOf(std::string_view wire) {
  std::size_t count = 0;
  for (std::size_t pos = 0; pos < wire.size() && wire[pos] != 0;
       pos += 1u + static_cast<std::uint8_t>(wire[pos])) {
    ++count;
  }
  return count;
}

void trimHeap() {
#if defined(__GLIBC__)
  malloc_trim(0);
#endif
}

}  // namespace

std::optional<zones::Zone> ServedZone::model() const {
  if (!text) return std::nullopt;
  zones::LoadResult reread = zones::loadZoneText(file, text, nets_texts);
  if (reread.zones.size() != 1) return std::nullopt;
  return std::move(reread.zones.front());
}

// Compiles one zone into the table, in stages that each leave the nodes in a state the next one
// builds on (and that DNSSEC signing will join: RRSIGs after the RRsets are rendered, the NSEC
// chain once every node exists):
//   1. nodes        every owner, every empty non-terminal above one, every service name
//   2. rrsets       each node's records rendered per type; CNAME targets; delegations marked
//   3. cuts         each node's highest zone cut above it; each wildcard on its parent
//   4. additionals  A/AAAA of in-zone NS/MX/SRV targets, glue below cuts only for delegations
//   5. negatives    the SOA with the negative TTL of RFC 2308 §5
//   6. index        the nodes hashed by lowercased wire name
// Nodes, RRsets, names and wire forms go into the table's arena; the builder's own indexes are
// flat vectors and one hash map of views, freed when the zone is done, and the model with them.
class ZoneTable::Builder {
 public:
  Builder(ZoneTable& table, zones::Zone model)
      : table_(table),
        model_(std::move(model)),
        served_(new ServedZone),
        renderer_(model_.origin, table.arena_) {
    served_->origin = model_.origin;
    served_->key = std::string(LowerName(model_.origin.wire()).view());
    served_->label_count = static_cast<std::uint8_t>(model_.origin.labelCount());
    served_->file = model_.file;
    served_->serial = model_.serial;
    served_->record_count = model_.records.size();
    served_->text = model_.text;
    served_->nets_texts = model_.nets_texts;
  }

  std::unique_ptr<ServedZone> run() {
    collectNodes();
    renderRRsets();
    findCutsAndWildcards();
    linkAdditionals();
    prepareNegativeAnswers();
    indexNodes();
    table_.node_count_ += nodes_.size();
    return std::move(served_);
  }

 private:
  // A record waiting for its RRset: sorted by node, type and file order, consecutive entries
  // are one RRset.
  struct Pending {
    std::uint32_t node;
    std::uint16_t type;
    std::uint32_t record;
    bool operator<(const Pending& other) const {
      return std::tie(node, type, record) < std::tie(other.node, other.type, other.record);
    }
  };
  // An NS, MX or SRV RRset, whose targets' addresses stage 4 links.
  struct WithTargets {
    RRset* rrset;
    const Node* node;
    std::size_t first, last;  // its records in pending_
  };

  // The node of the wire name `wire` (case as written), created on first sight.
  std::uint32_t nodeFor(std::string_view wire) {
    LowerName key(wire);
    auto it = by_key_.find(key.view());
    if (it != by_key_.end()) return it->second;
    Node* node = table_.arena_.make<Node>(1).data();
    node->key = table_.arena_.copy(key.view());
    node->name = wire == key.view() ? node->key : table_.arena_.copy(wire);
    node->zone = served_.get();
    node->label_count = static_cast<std::uint8_t>(labelCountOf(wire));
    auto index = static_cast<std::uint32_t>(nodes_.size());
    nodes_.push_back(node);
    by_key_.emplace(node->key, index);
    return index;
  }
  // Every name between `wire` and the apex exists (RFC 4592 §2.2.2: empty non-terminals). A node
  // that exists already has its ancestors: the walk stops there.
  void addAncestors(std::string_view wire) {
    const std::size_t apex_size = served_->key.size();
    for (std::string_view up = parentOf(wire); up.size() > apex_size; up = parentOf(up)) {
      const std::size_t before = nodes_.size();
      nodeFor(up);
      if (nodes_.size() == before) break;
    }
  }
  Node* find(std::string_view key) const {
    auto it = by_key_.find(key);
    return it == by_key_.end() ? nullptr : nodes_[it->second];
  }

  void collectNodes() {
    // About a node per record or fewer: one allocation of buckets instead of a rehash per
    // doubling.
    by_key_.reserve(model_.records.size() + model_.services.size());
    served_->apex = nodes_[nodeFor(model_.origin.wire())];
    pending_.reserve(model_.records.size());
    for (std::size_t i = 0; i < model_.records.size(); ++i) {
      const zones::Record& record = model_.records[i];
      if (!record.owner.isSubdomainOf(model_.origin)) continue;  // the loader rejects these
      const std::uint32_t node = nodeFor(record.owner.wire());
      pending_.push_back({node, record.type, static_cast<std::uint32_t>(i)});
      addAncestors(record.owner.wire());
    }
    // Service owners are nodes too: their answers come from the policy, not from records.
    for (const auto& service : model_.services) {
      nodes_[nodeFor(service.owner.wire())]->service =
          static_cast<std::int32_t>(table_.services_.add(model_, service));
      addAncestors(service.owner.wire());
    }
  }

  void renderRRsets() {
    std::sort(pending_.begin(), pending_.end());
    std::vector<const zones::Record*> records;
    for (std::size_t at = 0; at < pending_.size();) {
      Node* node = nodes_[pending_[at].node];
      std::size_t end = at, types = 0;
      for (; end < pending_.size() && pending_[end].node == pending_[at].node; ++end) {
        if (end == at || pending_[end].type != pending_[end - 1].type) ++types;
      }
      std::span<RRset> rrsets = table_.arena_.make<RRset>(types);
      std::size_t slot = 0;
      for (std::size_t first = at; first < end; ++slot) {
        std::size_t last = first;
        records.clear();
        for (; last < end && pending_[last].type == pending_[first].type; ++last) {
          records.push_back(&model_.records[pending_[last].record]);
        }
        // RFC 2181 §5.2: one TTL per RRset; the loader enforces it, the first record's wins.
        RRset& rrset = rrsets[slot];
        rrset = renderer_.render(records, records.front()->ttl);
        const std::uint16_t type = pending_[first].type;
        if (type == rr::CNAME) {
          std::string_view rdata = records.front()->rdata;
          if (std::size_t len = nameLengthAt(rdata, 0)) {
            rrset.target = table_.arena_.copy(LowerName(rdata.substr(0, len)).view());
          }
        }
        if (additionalTargetOffset(type)) with_targets_.push_back({&rrset, node, first, last});
        first = last;
      }
      node->rrsets = rrsets;
      if (node != served_->apex && node->find(rr::NS)) node->is_delegation = true;
      at = end;
    }
  }

  // Parents before children, so that each node takes its parent's cut (the highest one above)
  // or, failing that, itself when it is a delegation.
  void findCutsAndWildcards() {
    // A counting sort by label count (stable, one pass): a name has at most 127 labels.
    std::array<std::size_t, 257> start{};
    for (const Node* node : nodes_) ++start[node->label_count + 1u];
    for (std::size_t depth = 1; depth < start.size(); ++depth) start[depth] += start[depth - 1];
    std::vector<Node*> by_depth(nodes_.size());
    for (Node* node : nodes_) by_depth[start[node->label_count]++] = node;
    for (Node* node : by_depth) {
      if (node == served_->apex) continue;
      const Node* parent = find(parentOf(node->key));
      if (parent && parent->cut) {
        node->cut = parent->cut;
      } else if (node->is_delegation) {
        node->cut = node;
      }
      if (parent && node->key.size() >= 2 && node->key[0] == 1 && node->key[1] == '*') {
        const_cast<Node*>(parent)->wildcard = node;
      }
    }
  }

  void linkAdditionals() {
    std::vector<std::string_view> seen;
    std::vector<RRset::Additional> additional;
    for (const WithTargets& entry : with_targets_) {
      const std::uint16_t type = entry.rrset->type;
      const std::size_t offset = *additionalTargetOffset(type);
      seen.clear();
      additional.clear();
      for (std::size_t i = entry.first; i < entry.last; ++i) {
        std::string_view rdata = model_.records[pending_[i].record].rdata;
        std::size_t len = nameLengthAt(rdata, offset);
        if (len == 0) continue;
        LowerName target(rdata.substr(offset, len));
        const Node* target_node = find(target.view());
        if (target_node == nullptr) continue;
        if (std::find(seen.begin(), seen.end(), target_node->key) != seen.end()) continue;
        seen.push_back(target_node->key);
        const bool is_glue = target_node->cut != nullptr;
        // Below a cut only a delegation's own NS may use the (non-authoritative) glue.
        if (is_glue && !(type == rr::NS && entry.node->is_delegation)) continue;
        for (std::uint16_t address_type : {rr::A, rr::AAAA}) {
          if (const RRset* address = target_node->find(address_type)) {
            additional.push_back({address, is_glue});
          }
        }
      }
      entry.rrset->additional = table_.arena_.copy(std::span<const RRset::Additional>(additional));
    }
  }

  // RFC 2308 §5: the SOA in a negative answer carries min(SOA TTL, SOA MINIMUM).
  void prepareNegativeAnswers() {
    for (const auto& record : model_.records) {
      if (record.type == rr::SOA && record.owner == model_.origin) {
        const zones::Record* soa = &record;
        served_->negative_soa = renderer_.render({&soa, 1}, model_.negative_ttl);
        break;
      }
    }
  }

  void indexNodes() {
    served_->nodes.build(std::vector<const Node*>(nodes_.begin(), nodes_.end()));
  }

  ZoneTable& table_;
  zones::Zone model_;
  std::unique_ptr<ServedZone> served_;
  RRsetRenderer renderer_;
  std::vector<Node*> nodes_;  // in the order they were first seen; the apex first
  std::unordered_map<std::string_view, std::uint32_t> by_key_;  // lowercased name -> nodes_ slot
  std::vector<Pending> pending_;
  std::vector<WithTargets> with_targets_;
};

std::shared_ptr<const ZoneTable> ZoneTable::build(std::vector<zones::Zone> zone_models) {
  auto table = std::make_shared<ZoneTable>();
  for (auto& model : zone_models) {
    std::unique_ptr<ServedZone> served = Builder(*table, std::move(model)).run();
    if (served->label_count < 64) {
      table->origin_label_counts_ |= std::uint64_t{1} << served->label_count;
    }
    served->slot = static_cast<std::uint32_t>(table->zones_.size());
    table->zones_.push_back(std::move(served));
  }
  std::vector<const ServedZone*> zone_entries;
  for (const auto& zone : table->zones_) zone_entries.push_back(zone.get());
  table->zones_index_.build(zone_entries);
  zone_models.clear();
  trimHeap();  // what the loader and the models took, handed back before the table is served
  return table;
}

ZoneTable::~ZoneTable() {
  zones_.clear();
  std::vector<policy::ServicePlan>().swap(services_.plans);
  std::vector<policy::ServiceHealth>().swap(services_.initial_health);
  trimHeap();
}

}  // namespace nines::dnsd
