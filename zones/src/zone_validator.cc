#include "zone_validator.h"

#include <algorithm>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>

#include "nines/zones/record_parser.h"

namespace nines::zones {

namespace {

std::string quoted(const Name& name) { return '"' + name.toText() + '"'; }
// "12:5", to point from one record to another in the same file.
std::string positionOf(const Record& record) {
  return std::to_string(record.where.line) + ':' + std::to_string(record.where.column);
}

// Where the target name starts in the RDATA of the types whose target must be a real host name
// (RFC 2181 §10.3): NS (RFC 1035 §3.3.11), MX after the preference (§3.3.9), SRV after priority,
// weight and port (RFC 2782).
std::optional<std::size_t> targetOffset(std::uint16_t type) {
  switch (type) {
    case rrtype::NS:
      return 0;
    case rrtype::MX:
      return 2;
    case rrtype::SRV:
      return 6;
    default:
      return std::nullopt;
  }
}

bool isAddress(std::uint16_t type) { return type == rrtype::A || type == rrtype::AAAA; }

class ZoneValidator {
 public:
  ZoneValidator(const std::string& file, const Name& origin, const std::vector<Record>& records,
                const NameSet& incomplete_owners, base::Diagnostics& errors)
      : file_(file), origin_(origin), incomplete_(incomplete_owners), errors_(errors) {
    all_.reserve(records.size());
    for (const Record& record : records) all_.push_back(&record);
    auto before = [](const Record* a, const Record* b) {
      return std::tie(a->where.line, a->where.column) < std::tie(b->where.line, b->where.column);
    };
    // The loader hands the records over in file order already.
    if (!std::is_sorted(all_.begin(), all_.end(), before)) {
      std::stable_sort(all_.begin(), all_.end(), before);
    }
  }

  void run(const base::SourceLocation& apex_where) {
    dropDuplicates();
    for (std::size_t group = 0; group < group_start_.size(); ++group) {
      const auto records = recordsOf(static_cast<std::uint32_t>(group));
      checkTtls(records);
      checkCnames(records.front()->owner, records);
    }
    if (!has(origin_, rrtype::NS) && !incomplete_.count(origin_)) {
      errors_.push_back({apex_where, "zone " + quoted(origin_) + " has no NS record at its apex"});
    }
    checkDelegations();
    checkTargets();
  }

 private:
  void error(const Record& record, std::string message) {
    const base::SourceLocation where{file_, record.where.line, record.where.column};
    errors_.push_back({where, std::move(message)});
  }

  bool has(const Name& owner, std::uint16_t type) const {
    auto it = group_of_.find(owner.wire());
    if (it == group_of_.end()) return false;
    const auto records = recordsOf(it->second);
    return std::any_of(records.begin(), records.end(),
                       [&](const Record* r) { return r->type == type; });
  }

  // RFC 2181 §5: records with equal owner, class, type and (canonical) data are one record. The
  // canonical form is made only for records that share owner and type with an earlier one. Fills
  // records_ and the owners' groups with the records that stay.
  void dropDuplicates() {
    std::unordered_map<const Record*, std::string> canonical;  // made when first needed
    auto canonicalOf = [&canonical](const Record* record) -> const std::string& {
      auto [it, inserted] = canonical.try_emplace(record);
      if (inserted) it->second = canonicalRdata(*record);
      return it->second;
    };
    // The owners' groups in a flat array, each group's room its number of records: no vector
    // per name. A group fills in file order with the records that are not duplicates.
    std::vector<std::uint32_t> group_of_record(all_.size());
    group_of_.reserve(all_.size());
    for (std::size_t i = 0; i < all_.size(); ++i) {
      // Zone files list an owner's records together: the same octets as the record before need
      // no lookup.
      if (i > 0 && all_[i]->owner.wire() == all_[i - 1]->owner.wire()) {
        group_of_record[i] = group_of_record[i - 1];
        ++group_size_[group_of_record[i]];
        continue;
      }
      auto [it, inserted] = group_of_.try_emplace(all_[i]->owner.wire(),
                                                  static_cast<std::uint32_t>(group_start_.size()));
      if (inserted) {
        group_start_.push_back(0);
        group_size_.push_back(0);
      }
      group_of_record[i] = it->second;
      ++group_size_[it->second];
    }
    std::uint32_t next = 0;
    for (std::size_t group = 0; group < group_start_.size(); ++group) {
      group_start_[group] = next;
      next += group_size_[group];
      group_size_[group] = 0;
    }
    grouped_.resize(all_.size());
    records_.reserve(all_.size());
    for (std::size_t i = 0; i < all_.size(); ++i) {
      const Record* record = all_[i];
      const std::uint32_t group = group_of_record[i];
      const Record* first = nullptr;
      for (const Record* earlier : recordsOf(group)) {
        if (earlier->type != record->type) continue;
        if (canonicalOf(earlier) == canonicalOf(record)) {
          first = earlier;
          break;
        }
      }
      if (first != nullptr) {
        error(*record, "duplicate " + rrTypeName(record->type) + " record at " +
                           quoted(record->owner) + " (same data as the record at " +
                           positionOf(*first) + ")");
        continue;
      }
      grouped_[group_start_[group] + group_size_[group]++] = record;
      records_.push_back(record);
    }
  }

  // The records of an owner's group without duplicates, in file order.
  std::span<const Record* const> recordsOf(std::uint32_t group) const {
    return {grouped_.data() + group_start_[group], group_size_[group]};
  }

  // RFC 2181 §5.2: all records of an RRset have the same TTL.
  void checkTtls(std::span<const Record* const> records) {
    // Most names have a few records: a look back is cheaper than a map per name.
    constexpr std::size_t kLookBack = 16;
    std::map<std::uint16_t, const Record*> first_of_type;
    for (std::size_t i = 0; i < records.size(); ++i) {
      const Record* record = records[i];
      const Record* first_record = nullptr;
      if (records.size() <= kLookBack) {
        for (std::size_t k = 0; k < i && first_record == nullptr; ++k) {
          if (records[k]->type == record->type) first_record = records[k];
        }
      } else {
        auto [it, inserted] = first_of_type.emplace(record->type, record);
        if (!inserted) first_record = it->second;
      }
      if (first_record == nullptr || first_record->ttl == record->ttl) continue;
      const Record& first = *first_record;
      error(*record, "TTL " + std::to_string(record->ttl) + " differs from TTL " +
                         std::to_string(first.ttl) + " of the first " + rrTypeName(first.type) +
                         " record of " + quoted(record->owner) + " (at " + positionOf(first) +
                         "); an RRset has one TTL (RFC 2181 §5.2)");
    }
  }

  // RFC 2181 §10.1 (and RFC 1034 §3.6.2): a CNAME is the only record at its name; so never at the
  // apex, where SOA and NS live.
  void checkCnames(const Name& owner, std::span<const Record* const> records) {
    if (std::none_of(records.begin(), records.end(),
                     [](const Record* r) { return r->type == rrtype::CNAME; })) {
      return;
    }
    std::vector<const Record*> cnames, others;
    for (const Record* record : records) {
      (record->type == rrtype::CNAME ? cnames : others).push_back(record);
    }
    if (cnames.empty()) return;
    if (owner == origin_) {
      for (const Record* cname : cnames) {
        error(*cname, "CNAME at the zone apex " + quoted(owner) +
                          " is not allowed: the apex holds the SOA and NS records (RFC 2181 "
                          "§10.1)");
      }
      return;
    }
    for (std::size_t i = 1; i < cnames.size(); ++i) {
      error(*cnames[i], "more than one CNAME at " + quoted(owner) + " (the first is at " +
                            positionOf(*cnames[0]) + "); a name has at most one (RFC 2181 §10.1)");
    }
    if (!others.empty()) {
      error(*cnames[0], "CNAME at " + quoted(owner) + " has other data beside it (" +
                            rrTypeName(others[0]->type) + " at " + positionOf(*others[0]) +
                            "); a CNAME must be the only record at its name (RFC 2181 §10.1)");
    }
  }

  // RFC 1034 §4.2.1: at and below a zone cut the parent holds only the NS records of the cut, a
  // DS (RFC 4035 §2.4) and the glue addresses of name servers below it; anything else there is
  // occluded and never served.
  void checkDelegations() {
    NameSet cuts, ns_targets;
    for (const Record* record : records_) {
      if (record->type != rrtype::NS) continue;
      if (!(record->owner == origin_)) cuts.insert(record->owner);
      if (auto target = Name::fromWire(record->rdata)) ns_targets.insert(*target);
    }
    for (const Record* record : records_) {
      const Name& owner = record->owner;
      bool glue = isAddress(record->type) && ns_targets.count(owner);
      if (record->type == rrtype::DS && !cuts.count(owner)) {
        error(*record,
              owner == origin_
                  ? "DS record at the zone apex " + quoted(owner) + " belongs in the parent zone"
                  : "DS record at " + quoted(owner) +
                        " is not at a delegation: a DS goes beside the NS records of a "
                        "child zone");
      }
      if (owner == origin_ || cuts.empty()) continue;
      std::optional<Name> above;
      for (Name a = owner.parent(); a.labelCount() > origin_.labelCount(); a = a.parent()) {
        if (cuts.count(a)) above = a;
      }
      if (above) {
        if (!glue) {
          error(*record, rrTypeName(record->type) + " record at " + quoted(owner) +
                             " is below the delegation " + quoted(*above) +
                             " and is not glue for an NS target, so it would never be served");
        }
      } else if (cuts.count(owner) && !glue && record->type != rrtype::NS &&
                 record->type != rrtype::DS && record->type != rrtype::CNAME) {
        error(*record, rrTypeName(record->type) + " record at the delegation point " +
                           quoted(owner) +
                           " is hidden by the delegation (only NS, DS and glue belong there)");
      }
    }
  }

  // In-zone targets of NS, MX and SRV must be names with addresses, not aliases (RFC 2181 §10.3);
  // an in-zone NS target needs an A or AAAA record here, or nobody can reach it (glue, RFC 1034
  // §4.2.1).
  void checkTargets() {
    for (const Record* record : records_) {
      auto offset = targetOffset(record->type);
      if (!offset || record->rdata.size() <= *offset) continue;
      auto target = Name::fromWire(std::string_view(record->rdata).substr(*offset));
      if (!target || target->isRoot() || !target->isSubdomainOf(origin_)) continue;
      std::string what = rrTypeName(record->type) + " target " + quoted(*target);
      if (has(*target, rrtype::CNAME)) {
        error(*record, what + " is an alias (CNAME); " + rrTypeName(record->type) +
                           " targets must be names with addresses (RFC 2181 §10.3)");
      } else if (record->type == rrtype::NS && !has(*target, rrtype::A) &&
                 !has(*target, rrtype::AAAA) && !incomplete_.count(*target)) {
        error(*record, what + " is inside the zone but has no A or AAAA (glue) record");
      }
    }
  }

  const std::string& file_;
  const Name& origin_;
  const NameSet& incomplete_;
  base::Diagnostics& errors_;
  std::vector<const Record*> all_;      // every record, in file order
  std::vector<const Record*> records_;  // without duplicates, in file order
  // Owner (a view of the records' own names) -> its group: grouped_[group_start_[g]] on,
  // group_size_[g] records without duplicates, in file order.
  std::unordered_map<std::string_view, std::uint32_t, NameHash, WireNameEqual> group_of_;
  std::vector<std::uint32_t> group_start_, group_size_;
  std::vector<const Record*> grouped_;
};

}  // namespace

void validateZone(const std::string& file, const Name& origin, const std::vector<Record>& records,
                  const NameSet& incomplete_owners, const base::SourceLocation& apex_where,
                  base::Diagnostics& errors) {
  ZoneValidator(file, origin, records, incomplete_owners, errors).run(apex_where);
}

}  // namespace nines::zones
