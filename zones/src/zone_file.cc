#include "zone_file.h"

#include <toml++/toml.h>

#include <algorithm>
#include <array>
#include <map>
#include <set>
#include <tuple>

#include "file_text.h"
#include "nines/zones/record_parser.h"
#include "nines/zones/records_scanner.h"
#include "nines/zones/serial.h"
#include "toml_fields.h"
#include "traffic_tables.h"
#include "zone_validator.h"

namespace nines::zones {

namespace {

constexpr std::uint32_t kDefaultTtl = 3600;

// [checks], [regions] and [services] are read by traffic_tables.cc.
constexpr std::array<std::string_view, 7> kTopLevelKeys = {
    "origin", "ttl", "soa", "records", "checks", "regions", "services"};
constexpr std::array<std::string_view, 8> kSoaKeys = {"mname", "rname",  "serial",  "refresh",
                                                      "retry", "expire", "minimum", "ttl"};

void putU32(std::string& wire, std::uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8) wire.push_back(static_cast<char>(value >> shift));
}

class ZoneFileReader {
 public:
  // `text`: the file's content, or null to read it from `path`.
  ZoneFileReader(std::string path, std::shared_ptr<const std::string> text, bool scan = true,
                 NetsTexts nets_texts = {})
      : path_(std::move(path)),
        text_(std::move(text)),
        scan_(scan),
        nets_texts_(std::move(nets_texts)) {}

  ZoneFileResult read() {
    try {
      toml::table root;
      if (parseToml(root)) {
        readOrigin(root);
        readTtl(root.get("ttl"));
        for (auto&& [key, value] : root) {
          if (std::find(kTopLevelKeys.begin(), kTopLevelKeys.end(), key.str()) ==
              kTopLevelKeys.end()) {
            error(key.source(),
                  "unknown key " + quoted(key.str()) + " (expected " + listOf(kTopLevelKeys) + ")");
          }
        }
        readSoa(root.get("soa"));
        // The tables before [records], whose owners need keeping only where a service is (the
        // errors are put in file order below).
        TomlFields fields(path_, result_.errors, nets_texts_);
        tables_ = readTrafficTables(root, result_.origin ? &*result_.origin : nullptr, fields);
        for (const auto& service : tables_.owners) service_owners_.insert(service.owner);
        readRecords(root.get("records"));
        finish();
      }
    } catch (const std::exception& e) {
      error(std::string("internal error: ") + e.what());
      result_.zone.reset();
    }
    std::stable_sort(result_.errors.begin(), result_.errors.end(),
                     [](const base::Diagnostic& a, const base::Diagnostic& b) {
                       return std::tie(a.where.line, a.where.column) <
                              std::tie(b.where.line, b.where.column);
                     });
    return std::move(result_);
  }

 private:
  base::SourceLocation at(const toml::source_region& region) const {
    return {path_, region.begin.line, region.begin.column};
  }
  void error(const toml::source_region& region, std::string message) {
    result_.errors.push_back({at(region), std::move(message)});
  }
  // A problem of the file as a whole, without a line. Built field by field: GCC 12 at -O3 warns
  // (maybe-uninitialized) on the nested brace form.
  void error(std::string message) {
    base::Diagnostic diagnostic;
    diagnostic.where.file = path_;
    diagnostic.message = std::move(message);
    result_.errors.push_back(std::move(diagnostic));
  }

  bool parseToml(toml::table& root) {
    if (!text_) {
      std::string content, reason;
      if (!readFileText(path_, content, reason)) {
        error("cannot read the file: " + reason);
        return false;
      }
      text_ = std::make_shared<const std::string>(std::move(content));
    }
    if (scan_) scanned_ = scanRecords(*text_);
    if (scanned_.used && !scanned_.duplicate_keys) {
      try {
        root = toml::parse(std::string_view(scanned_.rest), std::string_view(path_));
        std::string().swap(scanned_.rest);
        if (agreesWithScan(root)) return true;
      } catch (const toml::parse_error&) {
        // The error, as TOML++ finds it in the whole text, is reported below.
      }
    }
    scanned_ = ScannedRecords();
    try {
      root = toml::parse(std::string_view(*text_), std::string_view(path_));
    } catch (const toml::parse_error& e) {
      error(e.source(), "invalid TOML: " + std::string(e.description()));
      return false;
    }
    return true;
  }

  // TOML++ read the text without the scanned lines: had it seen them, would they have clashed
  // with a key of its [records] (a duplicate key, a [records.KEY] table)?
  bool agreesWithScan(const toml::table& root) const {
    const toml::table* records = root.get_as<toml::table>("records");
    if (records == nullptr) return false;
    for (auto&& [key, value] : *records) {
      if (scanned_.keys.count(key.str())) return false;
    }
    return true;
  }

  void readOrigin(const toml::table& root) {
    const toml::node* node = root.get("origin");
    if (node == nullptr) {
      error("missing \"origin\", the zone's absolute name (e.g. origin = \"example.test.\")");
      return;
    }
    result_.origin_where = at(node->source());
    const auto* text = node->as_string();
    if (text == nullptr) {
      error(node->source(),
            "origin must be a string such as \"example.test.\", not " + describe(*node));
      return;
    }
    std::string problem;
    auto origin = Name::fromText(text->get(), nullptr, &problem);
    if (!origin) {
      if (problem == "relative name used without an origin") {
        error(node->source(),
              "origin " + quoted(text->get()) +
                  " must be an absolute name, ending in a dot: " + quoted(text->get() + "."));
      } else {
        error(node->source(), "origin " + quoted(text->get()) + " is not a valid name: " + problem);
      }
      return;
    }
    result_.origin = origin;
    apex_where_ = result_.origin_where;
  }

  // An integer from 0 to `max`, as the value of `what`.
  std::optional<std::uint32_t> readNumber(const toml::node& node, const std::string& what,
                                          std::uint32_t max, std::string_view note = "") {
    const auto* value = node.as_integer();
    if (value == nullptr) {
      error(node.source(), what + " must be an integer, not " + describe(node));
      return std::nullopt;
    }
    std::int64_t number = value->get();
    if (number < 0) {
      error(node.source(), what + " " + std::to_string(number) + " is negative");
      return std::nullopt;
    }
    if (static_cast<std::uint64_t>(number) > max) {
      error(node.source(), what + " " + std::to_string(number) + " is out of range (0 to " +
                               std::to_string(max) + std::string(note) + ")");
      return std::nullopt;
    }
    return static_cast<std::uint32_t>(number);
  }

  void readTtl(const toml::node* node) {
    if (node == nullptr) return;
    auto ttl = readNumber(*node, "ttl", kMaxTtl, ", RFC 2181 §8");
    if (ttl) default_ttl_ = *ttl;
  }

  std::optional<Name> readSoaName(const toml::node& node, const std::string& what) {
    const auto* text = node.as_string();
    if (text == nullptr) {
      error(node.source(), what + " must be a string (a domain name), not " + describe(node));
      return std::nullopt;
    }
    const std::string& name_text = text->get();
    if (what == "soa.rname" && name_text.find('@') != std::string::npos && name_text != "@") {
      std::string fixed = name_text;
      fixed[fixed.find('@')] = '.';
      error(node.source(),
            what + " " + quoted(name_text) +
                " is written as a mail address; write the mailbox as a name: " + quoted(fixed));
      return std::nullopt;
    }
    Name root;
    std::string problem;
    auto name = Name::fromText(name_text, result_.origin ? &*result_.origin : &root, &problem);
    if (!name)
      error(node.source(), what + " " + quoted(name_text) + " is not a valid name: " + problem);
    return name;
  }

  void readSoa(const toml::node* node) {
    if (node == nullptr) {
      error("missing [soa] table (mname, rname, serial, refresh, retry, expire, minimum)");
      return;
    }
    const toml::table* soa = node->as_table();
    if (soa == nullptr) {
      error(node->source(), "soa must be a table, not " + describe(*node));
      return;
    }
    soa_where_ = at(node->source());
    for (auto&& [key, value] : *soa) {
      if (std::find(kSoaKeys.begin(), kSoaKeys.end(), key.str()) == kSoaKeys.end()) {
        error(key.source(),
              "unknown key " + quoted(key.str()) + " in [soa] (expected " + listOf(kSoaKeys) + ")");
      }
    }
    bool ok = true;
    auto required = [&](std::string_view key) -> const toml::node* {
      const toml::node* field = soa->get(key);
      if (field == nullptr) {
        error(node->source(), "[soa] is missing \"" + std::string(key) + "\"");
        ok = false;
      }
      return field;
    };
    auto name = [&](std::string_view key) -> Name {
      const toml::node* field = required(key);
      std::optional<Name> value;
      if (field) value = readSoaName(*field, "soa." + std::string(key));
      ok = ok && value.has_value();
      return value.value_or(Name());
    };
    auto number = [&](std::string_view key, bool optional, std::uint32_t max,
                      std::string_view note) -> std::uint32_t {
      const toml::node* field = optional ? soa->get(key) : required(key);
      if (field == nullptr) return 0;
      auto value = readNumber(*field, "soa." + std::string(key), max, note);
      ok = ok && value.has_value();
      return value.value_or(0);
    };
    Name mname = name("mname");
    Name rname = name("rname");
    serial_ = number("serial", true, 0xffffffff, "; 0 derives it from the content");
    std::uint32_t refresh = number("refresh", false, kMaxTtl, "");
    std::uint32_t retry = number("retry", false, kMaxTtl, "");
    std::uint32_t expire = number("expire", false, kMaxTtl, "");
    minimum_ = number("minimum", false, kMaxTtl, ", RFC 2181 §8");
    soa_ttl_ = soa->get("ttl") ? number("ttl", true, kMaxTtl, ", RFC 2181 §8") : default_ttl_;
    if (!ok || !result_.origin) return;

    // RFC 1035 §3.3.13; the serial is filled in by finish().
    soa_.emplace();
    soa_->owner = *result_.origin;
    soa_->type = rrtype::SOA;
    soa_->ttl = soa_ttl_;
    soa_->rdata = std::string(mname.wire()) + std::string(rname.wire());
    for (std::uint32_t field : {serial_, refresh, retry, expire, minimum_}) {
      putU32(soa_->rdata, field);
    }
    soa_->where = {soa_where_.line, soa_where_.column};
  }

  // One key of [records], read by TOML++ (`key` and `value` set) or by the scanner.
  struct OwnerEntry {
    std::string_view key;
    std::uint32_t line = 0, column = 0;
    const toml::key* toml_key = nullptr;
    const toml::node* toml_value = nullptr;
    const ScannedRecords::Entry* scanned = nullptr;
  };

  void readRecords(const toml::node* node) {
    if (node == nullptr) return;
    const toml::table* records = node->as_table();
    if (records == nullptr) {
      error(node->source(),
            "records must be a table of owner = [\"TYPE RDATA\", ...], not " + describe(*node));
      return;
    }
    apex_where_ = at(node->source());
    // In file order, the scanned and TOML++'s merged. Where two keys name one owner, the first
    // in key order (TOML++'s order) is the one a diagnostic points at.
    std::vector<OwnerEntry> entries;
    entries.reserve(scanned_.entries.size() + records->size());
    for (const auto& scanned : scanned_.entries) {
      entries.push_back({scanned.key, scanned.line, scanned.column, nullptr, nullptr, &scanned});
    }
    const std::size_t scanned_count = entries.size();
    for (auto&& [key, value] : *records) {
      entries.push_back(
          {key.str(), key.source().begin.line, key.source().begin.column, &key, &value, nullptr});
    }
    auto before = [](const OwnerEntry& a, const OwnerEntry& b) {
      return std::tie(a.line, a.column) < std::tie(b.line, b.column);
    };
    std::sort(entries.begin() + static_cast<std::ptrdiff_t>(scanned_count), entries.end(), before);
    std::inplace_merge(entries.begin(),
                       entries.begin() + static_cast<std::ptrdiff_t>(scanned_count), entries.end(),
                       before);
    auto keyAt = [&](std::pair<std::uint32_t, std::uint32_t> position) {
      OwnerEntry probe;
      std::tie(probe.line, probe.column) = position;
      return std::lower_bound(entries.begin(), entries.end(), probe, before)->key;
    };

    std::string_view apex_key;
    bool apex_seen = false;
    for (const OwnerEntry& entry : entries) {
      auto owner = readOwner(entry);
      if (owner) {
        if (!service_owners_.empty() && service_owners_.count(*owner)) {
          const auto position = std::pair(entry.line, entry.column);
          auto [it, inserted] = owner_keys_.emplace(*owner, position);
          if (!inserted && entry.key < keyAt(it->second)) it->second = position;
        }
        if (*owner == *result_.origin && (!apex_seen || entry.key < apex_key)) {
          apex_where_ = {path_, entry.line, entry.column};
          apex_key = entry.key;
          apex_seen = true;
        }
      }
      if (entry.toml_value) {
        readOwnerRecords(*entry.toml_key, *entry.toml_value, owner);
        continue;
      }
      const ScannedRecords::Entry& scanned = *entry.scanned;
      for (std::uint32_t i = 0; i < scanned.value_count; ++i) {
        const ScannedRecords::Value& value = scanned_.values[scanned.first_value + i];
        readRecord(scanned_.value(value), value.line, value.column, owner);
      }
    }
  }

  // The key of [records]: "@", relative to the origin, or absolute inside it. Without a valid
  // origin only the name's syntax is checked.
  std::optional<Name> readOwner(const OwnerEntry& entry) {
    Name root;
    const Name& origin = result_.origin ? *result_.origin : root;
    std::string problem;
    auto owner = Name::fromText(entry.key, &origin, &problem);
    const base::SourceLocation where{path_, entry.line, entry.column};
    if (!owner) {
      result_.errors.push_back(
          {where, "invalid owner name " + quoted(std::string(entry.key)) + ": " + problem});
      return std::nullopt;
    }
    if (!result_.origin) return std::nullopt;
    if (!owner->isSubdomainOf(origin)) {
      result_.errors.push_back({where, "owner " + quoted(owner->toText()) +
                                           " is outside the zone origin " +
                                           quoted(origin.toText())});
      return std::nullopt;
    }
    return owner;
  }

  void readOwnerRecords(const toml::key& key, const toml::node& value,
                        const std::optional<Name>& owner) {
    const toml::array* list = value.as_array();
    if (value.is_table()) {
      error(key.source(), "owner " + quoted(key.str()) +
                              " holds a table, not an array of records; quote owner names that "
                              "contain dots, e.g. \"ns.sub\" = [\"A 192.0.2.1\"]");
      return;
    }
    if (list == nullptr) {
      error(value.source(), "records of " + quoted(key.str()) +
                                " must be an array of strings such as [\"A 192.0.2.1\"], not " +
                                describe(value));
      return;
    }
    for (const toml::node& element : *list) {
      const auto* text = element.as_string();
      if (text == nullptr) {
        error(element.source(),
              "a record must be a string such as \"A 192.0.2.1\", not " + describe(element));
        continue;
      }
      readRecord(text->get(), element.source().begin.line, element.source().begin.column, owner);
    }
  }

  // One string of an owner's array, at `line`:`column`.
  void readRecord(std::string_view text, std::uint32_t line, std::uint32_t column,
                  const std::optional<Name>& owner) {
    Name root;
    const Name& origin = result_.origin ? *result_.origin : root;
    std::string problem;
    auto record = parseRecord(text, owner ? *owner : origin, origin, default_ttl_, &problem);
    if (record && record->type == rrtype::SOA) {
      problem = "SOA records are not allowed in [records]; the SOA comes from the [soa] table";
    } else if (record && record->type == rrtype::DNAME) {
      problem = "DNAME records are not supported";
    } else if (record) {
      record->where = {line, column};
      if (owner) records_.push_back(std::move(*record));
      return;
    }
    const base::SourceLocation where{path_, line, column};
    result_.errors.push_back({where, "record " + quoted(std::string(text)) + ": " + problem});
    if (owner) incomplete_.insert(*owner);
  }

  void finish() {
    if (!result_.origin) return;
    // The zone keeps file order (the SOA first). [records] is read in file order, so the records
    // are in it already unless a fallback read them otherwise: then sorted as positions and moved
    // once, records are large.
    auto before = [](const Record& a, const Record& b) {
      return std::tie(a.where.line, a.where.column) < std::tie(b.where.line, b.where.column);
    };
    std::vector<Record> records;
    records.reserve(records_.size() + 1);
    if (soa_) records.push_back(*soa_);
    if (std::is_sorted(records_.begin(), records_.end(), before)) {
      std::move(records_.begin(), records_.end(), std::back_inserter(records));
    } else {
      std::vector<std::pair<std::uint64_t, std::size_t>> order;
      order.reserve(records_.size());
      for (std::size_t i = 0; i < records_.size(); ++i) {
        const auto& where = records_[i].where;
        order.emplace_back(std::uint64_t{where.line} << 32 | where.column, i);
      }
      std::stable_sort(order.begin(), order.end(),
                       [](const auto& a, const auto& b) { return a.first < b.first; });
      for (const auto& [position, index] : order) records.push_back(std::move(records_[index]));
    }
    records_.clear();
    validateZone(path_, *result_.origin, records, incomplete_, apex_where_, result_.errors);
    checkServiceOwners(tables_.owners, *result_.origin, records, owner_keys_, result_.errors);
    if (!result_.errors.empty() || !soa_) return;

    Zone zone;
    zone.origin = *result_.origin;
    zone.file = path_;
    zone.text = text_;
    zone.nets_texts = std::move(nets_texts_);
    zone.default_ttl = default_ttl_;
    zone.serial = serial_ != 0 ? serial_ : contentSerial(records);
    std::string serial_wire;
    putU32(serial_wire, zone.serial);
    records[0].rdata.replace(records[0].rdata.size() - 20, 4, serial_wire);
    zone.negative_ttl = std::min(soa_ttl_, minimum_);
    zone.records = std::move(records);
    zone.regions = std::move(tables_.regions);
    zone.checks = std::move(tables_.checks);
    zone.services = std::move(tables_.services);
    result_.zone = std::move(zone);
  }

  std::string path_;
  std::shared_ptr<const std::string> text_;
  bool scan_ = true;  // false: TOML++ alone, the scanner's reference
  NetsTexts nets_texts_;
  ScannedRecords scanned_;  // the plain [records] lines, when TOML++ read the rest
  ZoneFileResult result_;
  std::uint32_t default_ttl_ = kDefaultTtl;
  base::SourceLocation apex_where_;  // where a problem of the apex as a whole is reported
  base::SourceLocation soa_where_;
  std::uint32_t serial_ = 0;
  std::uint32_t minimum_ = 0;
  std::uint32_t soa_ttl_ = 0;
  std::optional<Record> soa_;  // built when [soa] is complete and valid
  std::vector<Record> records_;
  NameSet incomplete_;         // owners with a record that failed to parse
  NameSet service_owners_;     // every service's name
  OwnerPositions owner_keys_;  // every owner of [records] that is a service's name, first key
  TrafficTables tables_;
};

}  // namespace

ZoneFileResult readZoneFile(const std::string& path) {
  return ZoneFileReader(path, nullptr).read();
}

ZoneFileResult readZoneText(const std::string& path, std::shared_ptr<const std::string> text,
                            NetsTexts nets_texts) {
  return ZoneFileReader(path, std::move(text), true, std::move(nets_texts)).read();
}

ZoneFileResult readZoneTextByToml(const std::string& path,
                                  std::shared_ptr<const std::string> text) {
  return ZoneFileReader(path, std::move(text), false).read();
}

}  // namespace nines::zones
