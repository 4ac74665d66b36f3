#include "nines/dnsd/serve/zone_table.h"

#include <algorithm>
#include <map>

#include "rrset_render.h"

namespace nines::dnsd {

namespace rr = zones::rrtype;

namespace {

// Target names whose addresses belong in the additional section: NS (RFC 1035 §3.3.11),
// MX (§3.3.9), SRV (RFC 2782).
std::vector<std::string> additionalTargets(const zones::Record& record) {
  std::size_t offset;
  switch (record.type) {
    case rr::NS:
      offset = 0;
      break;
    case rr::MX:
      offset = 2;
      break;
    case rr::SRV:
      offset = 6;
      break;
    default:
      return {};
  }
  std::size_t len = nameLengthAt(record.rdata, offset);
  if (len == 0) return {};
  auto name = zones::Name::fromWire(std::string_view(record.rdata).substr(offset, len));
  if (!name) return {};
  return {std::string(name->lowercased().wire())};
}

std::string keyOf(const zones::Name& name) { return std::string(name.lowercased().wire()); }

}  // namespace

// Compiles one zone into the table, in stages that each leave the nodes in a state the next one
// builds on (and that DNSSEC signing will join: RRSIGs after the RRsets are rendered, the NSEC
// chain once every node exists):
//   1. nodes        every owner, every empty non-terminal above one, every service name
//   2. rrsets       each node's records rendered per type; CNAME targets; delegations marked
//   3. cuts         each node's highest zone cut above it; each wildcard on its parent
//   4. additionals  A/AAAA of in-zone NS/MX/SRV targets, glue below cuts only for delegations
//   5. negatives    the SOA with the negative TTL of RFC 2308 §5
//   6. index        the nodes hashed by lowercased wire name
class ZoneTable::Builder {
 public:
  Builder(ZoneTable& table, zones::Zone model) : table_(table), served_(new ServedZone) {
    served_->origin = model.origin;
    served_->key = keyOf(model.origin);
    served_->label_count = static_cast<std::uint8_t>(model.origin.labelCount());
    served_->source = std::move(model);
  }

  std::unique_ptr<ServedZone> run() {
    collectNodes();
    renderRRsets();
    findCutsAndWildcards();
    linkAdditionals();
    prepareNegativeAnswers();
    indexNodes();
    return std::move(served_);
  }

 private:
  const zones::Zone& zone() const { return served_->source; }

  Node* nodeFor(const zones::Name& name) {
    std::string key = keyOf(name);
    auto it = by_key_.find(key);
    if (it != by_key_.end()) return it->second;
    auto node = std::make_unique<Node>();
    node->name = name;
    node->key = key;
    node->zone = served_.get();
    node->label_count = static_cast<std::uint8_t>(name.labelCount());
    Node* raw = node.get();
    table_.nodes_.push_back(std::move(node));
    by_key_.emplace(std::move(key), raw);
    return raw;
  }
  // Every name between `name` and the apex exists (RFC 4592 §2.2.2: empty non-terminals).
  void addAncestors(const zones::Name& name) {
    for (auto up = name.parent(); up.labelCount() > zone().origin.labelCount(); up = up.parent()) {
      nodeFor(up);
    }
  }

  void collectNodes() {
    served_->apex = nodeFor(zone().origin);
    for (const auto& record : zone().records) {
      if (!record.owner.isSubdomainOf(zone().origin)) continue;  // the loader rejects these
      records_of_[nodeFor(record.owner)][record.type].push_back(&record);
      addAncestors(record.owner);
    }
    // Service owners are nodes too: their answers come from the policy, not from records.
    for (const auto& service : zone().services) {
      nodeFor(service.owner)->service =
          static_cast<std::int32_t>(table_.services_.add(zone(), service));
      addAncestors(service.owner);
    }
  }

  void renderRRsets() {
    for (auto& [node, by_type] : records_of_) {
      for (auto& [type, records] : by_type) {
        // RFC 2181 §5.2: one TTL per RRset; the loader enforces it, the first record's wins.
        node->rrsets.push_back(renderRRset(records, records.front()->ttl, zone().origin));
        if (type == rr::CNAME) {
          std::string_view rdata = records.front()->rdata;
          if (auto len = nameLengthAt(rdata, 0)) {
            if (auto target = zones::Name::fromWire(rdata.substr(0, len))) {
              node->rrsets.back().target = keyOf(*target);
            }
          }
        }
      }
      if (node != served_->apex && node->find(rr::NS)) node->is_delegation = true;
    }
  }

  void findCutsAndWildcards() {
    for (auto& [key, node] : by_key_) {
      for (const Node* up = node;;) {
        if (up->is_delegation) node->cut = up;  // the highest cut wins: keep walking up
        if (up == served_->apex) break;
        up = by_key_.at(keyOf(up->name.parent()));
      }
      if (node->name.isWildcard() && node != served_->apex) {
        by_key_.at(keyOf(node->name.parent()))->wildcard = node;
      }
    }
  }

  void linkAdditionals() {
    for (auto& [node, by_type] : records_of_) {
      for (auto& rrset : node->rrsets) {
        if (rrset.type != rr::NS && rrset.type != rr::MX && rrset.type != rr::SRV) continue;
        std::vector<std::string> seen;
        for (const zones::Record* record : by_type[rrset.type]) {
          for (auto& target : additionalTargets(*record)) {
            if (std::find(seen.begin(), seen.end(), target) != seen.end()) continue;
            seen.push_back(target);
            auto it = by_key_.find(target);
            if (it == by_key_.end()) continue;
            const Node* target_node = it->second;
            bool is_glue = target_node->cut != nullptr;
            // Below a cut only a delegation's own NS may use the (non-authoritative) glue.
            if (is_glue && !(rrset.type == rr::NS && node->is_delegation)) continue;
            for (std::uint16_t type : {rr::A, rr::AAAA}) {
              if (const RRset* address = target_node->find(type)) {
                rrset.additional.push_back({address, is_glue});
              }
            }
          }
        }
      }
    }
  }

  // RFC 2308 §5: the SOA in a negative answer carries min(SOA TTL, SOA MINIMUM).
  void prepareNegativeAnswers() {
    for (const auto& record : zone().records) {
      if (record.type == rr::SOA && record.owner == zone().origin) {
        served_->negative_soa = renderRRset({&record}, zone().negative_ttl, zone().origin);
        break;
      }
    }
  }

  void indexNodes() {
    std::vector<std::pair<std::string_view, const Node*>> entries;
    entries.reserve(by_key_.size());
    for (auto& [key, node] : by_key_) entries.emplace_back(node->key, node);
    served_->nodes.build(entries);
  }

  ZoneTable& table_;
  std::unique_ptr<ServedZone> served_;
  // Nodes by lowercased name, each with its records grouped by type (file order kept).
  std::map<std::string, Node*> by_key_;
  std::map<Node*, std::map<std::uint16_t, std::vector<const zones::Record*>>> records_of_;
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
  std::vector<std::pair<std::string_view, const ServedZone*>> zone_entries;
  for (const auto& zone : table->zones_) zone_entries.emplace_back(zone->key, zone.get());
  table->zones_index_.build(zone_entries);
  return table;
}

}  // namespace nines::dnsd
