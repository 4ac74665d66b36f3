#include "nines/dnsd/zone_table.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <map>

#include "nines/dnsd/wire.h"

namespace nines::dnsd {

namespace rr = zones::rrtype;

std::uint64_t hashName(std::string_view key) noexcept {
  // Eight octets a step with a multiply-xorshift mix: names are short and this runs a few times
  // per query, so it matters more that it is cheap than that it is cryptographic.
  constexpr std::uint64_t kMul = 0x9E3779B97F4A7C15ull;
  std::uint64_t h = key.size() * kMul;
  const char* p = key.data();
  std::size_t n = key.size();
  while (n >= 8) {
    std::uint64_t v;
    std::memcpy(&v, p, 8);
    h = (h ^ v) * kMul;
    h ^= h >> 29;
    p += 8;
    n -= 8;
  }
  std::uint64_t tail = 0;
  std::memcpy(&tail, p, n);
  h = (h ^ tail) * kMul;
  h ^= h >> 32;
  return h;
}

namespace {

void putU16(std::string& out, std::uint16_t v) {
  out.push_back(static_cast<char>(v >> 8));
  out.push_back(static_cast<char>(v));
}
void putU32(std::string& out, std::uint32_t v) {
  putU16(out, static_cast<std::uint16_t>(v >> 16));
  putU16(out, static_cast<std::uint16_t>(v));
}

// Octets of `name` before the zone apex, when `name` lies in the zone; nullopt otherwise.
std::optional<std::string_view> prefixBelowApex(std::string_view name, const zones::Name& origin) {
  auto parsed = zones::Name::fromWire(name);
  if (!parsed || !parsed->isSubdomainOf(origin)) return std::nullopt;
  return name.substr(0, name.size() - origin.size());
}

// Length of the uncompressed wire name at `rdata[pos]`, or 0 when it is malformed.
std::size_t nameLengthAt(std::string_view rdata, std::size_t pos) {
  std::size_t start = pos;
  while (pos < rdata.size()) {
    auto len = static_cast<std::uint8_t>(rdata[pos]);
    if (len == 0) return pos + 1 - start;
    if (len > 63) return 0;
    pos += 1u + len;
  }
  return 0;
}

// Where names sit in RDATA, for the types whose names RFC 1035 §4.1.4 (and RFC 3597 §4) allow us
// to compress: (offset of the first name, number of consecutive names).
std::pair<std::size_t, int> compressibleNames(std::uint16_t type) {
  switch (type) {
    case rr::NS:
    case rr::CNAME:
    case rr::PTR:
      return {0, 1};
    case rr::MX:
      return {2, 1};
    case rr::SOA:
      return {0, 2};
    default:
      return {0, 0};
  }
}

class WireBuilder {
 public:
  WireBuilder(const zones::Name& origin, RRsetWire& out) : origin_(origin), out_(out) {}

  void pointer(std::vector<std::uint16_t>& patches) {
    patches.push_back(static_cast<std::uint16_t>(out_.bytes.size()));
    putU16(out_.bytes, 0xC000);
  }
  // A name in the zone as its labels below the apex plus a pointer to the apex; other names
  // literally.
  void name(std::string_view wire) {
    if (auto prefix = prefixBelowApex(wire, origin_)) {
      out_.bytes.append(*prefix);
      pointer(out_.apex_patches);
    } else {
      out_.bytes.append(wire);
    }
  }
  void rdata(std::uint16_t type, std::string_view data) {
    auto [offset, names] = compressibleNames(type);
    std::size_t pos = 0;
    if (names > 0) {
      out_.bytes.append(data.substr(0, offset));
      pos = offset;
      for (int i = 0; i < names; ++i) {
        std::size_t len = nameLengthAt(data, pos);
        if (len == 0) {  // the loader validated RDATA; keep it literal if it ever is not a name
          break;
        }
        name(data.substr(pos, len));
        pos += len;
      }
    }
    out_.bytes.append(data.substr(pos));
  }
  std::string& bytes() { return out_.bytes; }

 private:
  const zones::Name& origin_;
  RRsetWire& out_;
};

enum class OwnerForm { Pointer, Apex };

RRsetWire renderRRset(const std::vector<const zones::Record*>& records, std::uint32_t ttl,
                      const zones::Name& origin, OwnerForm form) {
  RRsetWire wire;
  WireBuilder builder(origin, wire);
  for (const zones::Record* record : records) {
    if (form == OwnerForm::Pointer) {
      builder.pointer(wire.owner_patches);
    } else {
      builder.name(record->owner.wire());
    }
    putU16(wire.bytes, record->type);
    putU16(wire.bytes, zones::kClassIN);
    putU32(wire.bytes, ttl);
    std::size_t rdlength_at = wire.bytes.size();
    putU16(wire.bytes, 0);
    builder.rdata(record->type, record->rdata);
    auto rdlength = static_cast<std::uint16_t>(wire.bytes.size() - rdlength_at - 2);
    wire.bytes[rdlength_at] = static_cast<char>(rdlength >> 8);
    wire.bytes[rdlength_at + 1] = static_cast<char>(rdlength);
  }
  return wire;
}

RRset makeRRset(const std::vector<const zones::Record*>& records, std::uint32_t ttl,
                const zones::Name& origin) {
  RRset rrset;
  rrset.type = records.front()->type;
  rrset.ttl = ttl;
  rrset.count = static_cast<std::uint16_t>(records.size());
  rrset.at_pointer = renderRRset(records, ttl, origin, OwnerForm::Pointer);
  rrset.at_apex = renderRRset(records, ttl, origin, OwnerForm::Apex);
  return rrset;
}

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

}  // namespace

std::shared_ptr<const ZoneTable> ZoneTable::build(std::vector<zones::Zone> zone_models) {
  auto table = std::make_shared<ZoneTable>();
  static std::atomic<std::uint64_t> last_id{0};
  table->id_ = ++last_id;
  std::vector<std::pair<std::string_view, const ServedZone*>> zone_entries;

  for (auto& model : zone_models) {
    auto served = std::make_unique<ServedZone>();
    served->origin = model.origin;
    served->key = std::string(model.origin.lowercased().wire());
    served->label_count = static_cast<std::uint8_t>(model.origin.labelCount());
    served->source = std::move(model);
    const zones::Zone& zone = served->source;

    // Nodes by lowercased name, each with its records grouped by type (file order kept).
    std::map<std::string, Node*> by_key;
    std::map<Node*, std::map<std::uint16_t, std::vector<const zones::Record*>>> records_of;
    auto nodeFor = [&](const zones::Name& name) -> Node* {
      std::string key(name.lowercased().wire());
      auto it = by_key.find(key);
      if (it != by_key.end()) return it->second;
      auto node = std::make_unique<Node>();
      node->name = name;
      node->key = key;
      node->zone = served.get();
      node->label_count = static_cast<std::uint8_t>(name.labelCount());
      Node* raw = node.get();
      table->nodes_.push_back(std::move(node));
      by_key.emplace(std::move(key), raw);
      return raw;
    };
    nodeFor(zone.origin);
    for (const auto& record : zone.records) {
      if (!record.owner.isSubdomainOf(zone.origin)) continue;  // the loader rejects these
      records_of[nodeFor(record.owner)][record.type].push_back(&record);
      // Empty non-terminals: every name between the owner and the apex exists (RFC 4592 §2.2.2).
      for (auto up = record.owner.parent(); up.labelCount() > zone.origin.labelCount();
           up = up.parent()) {
        nodeFor(up);
      }
    }
    // Service owners are nodes too: their answers come from the policy, not from records.
    for (const auto& service : zone.services) {
      Node* node = nodeFor(service.owner);
      node->service = static_cast<std::int32_t>(table->services_.size());
      table->services_.push_back(policy::ServicePlan::compile(zone, service));
      table->initial_health_.push_back(policy::allUnknown(service));
      for (auto up = service.owner.parent(); up.labelCount() > zone.origin.labelCount();
           up = up.parent()) {
        nodeFor(up);
      }
    }
    served->apex = by_key.at(served->key);

    for (auto& [node, by_type] : records_of) {
      for (auto& [type, records] : by_type) {
        // RFC 2181 §5.2: one TTL per RRset; the loader enforces it, the first record's wins.
        node->rrsets.push_back(makeRRset(records, records.front()->ttl, zone.origin));
        if (type == rr::CNAME) {
          auto len = nameLengthAt(records.front()->rdata, 0);
          if (len) {
            if (auto target = zones::Name::fromWire(
                    std::string_view(records.front()->rdata).substr(0, len))) {
              node->rrsets.back().target = std::string(target->lowercased().wire());
            }
          }
        }
      }
      if (node != served->apex && node->find(rr::NS)) node->is_delegation = true;
    }
    // Zone cuts and wildcards, now that every node exists.
    for (auto& [key, node] : by_key) {
      for (const Node* up = node;;) {
        if (up->is_delegation) {
          node->cut = up;  // the highest cut wins: keep walking up
        }
        if (up == served->apex) break;
        auto parent_key = std::string(up->name.parent().lowercased().wire());
        up = by_key.at(parent_key);
      }
      if (node->name.isWildcard() && node != served->apex) {
        by_key.at(std::string(node->name.parent().lowercased().wire()))->wildcard = node;
      }
    }
    // Additional-section targets, resolved within the zone.
    for (auto& [node, by_type] : records_of) {
      for (auto& rrset : node->rrsets) {
        if (rrset.type != rr::NS && rrset.type != rr::MX && rrset.type != rr::SRV) continue;
        std::vector<std::string> seen;
        for (const zones::Record* record : by_type[rrset.type]) {
          for (auto& target : additionalTargets(*record)) {
            if (std::find(seen.begin(), seen.end(), target) != seen.end()) continue;
            seen.push_back(target);
            auto it = by_key.find(target);
            if (it == by_key.end()) continue;
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
    // RFC 2308 §5: the SOA in a negative answer carries min(SOA TTL, SOA MINIMUM).
    for (const auto& record : zone.records) {
      if (record.type == rr::SOA && record.owner == zone.origin) {
        served->negative_soa = makeRRset({&record}, zone.negative_ttl, zone.origin);
        break;
      }
    }

    std::vector<std::pair<std::string_view, const Node*>> node_entries;
    for (auto& [key, node] : by_key) node_entries.emplace_back(node->key, node);
    served->nodes.build(node_entries);
    if (served->label_count < 64)
      table->origin_label_counts_ |= std::uint64_t{1} << served->label_count;
    table->zones_.push_back(std::move(served));
  }
  for (const auto& zone : table->zones_) zone_entries.emplace_back(zone->key, zone.get());
  table->zones_index_.build(zone_entries);
  return table;
}

}  // namespace nines::dnsd
