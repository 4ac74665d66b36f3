// [services] of a zone file: each service with its pools and geo rules (DESIGN.md "Files").

#include <algorithm>
#include <array>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "file_text.h"
#include "nets_file.h"
#include "nines/zones/ip.h"
#include "traffic_tables.h"

namespace nines::zones {

namespace {

constexpr std::array<std::string_view, 12> kServiceKeys = {
    "policy", "ttl",   "ttl_unstable", "ttl_calm",      "answers", "fallback",
    "check",  "order", "slow_start",   "expected_load", "pools",   "geo"};
// The longest calm a health-following TTL waits for (a day): longer is surely a unit mistake.
constexpr std::uint32_t kMaxTtlCalm = 86400;
constexpr std::array<std::string_view, 4> kPolicies = {"geo", "latency", "weighted", "failover"};
constexpr std::array<PolicyKind, 4> kPolicyKinds = {PolicyKind::Geo, PolicyKind::Latency,
                                                    PolicyKind::Weighted, PolicyKind::Failover};
constexpr std::array<std::string_view, 2> kFallbacks = {"all", "none"};
constexpr std::array<std::string_view, 5> kPoolKeys = {"weight", "capacity", "min_up", "drain",
                                                       "endpoints"};
constexpr std::array<std::string_view, 4> kGeoKeys = {"continent", "country", "nets", "nets_file"};
constexpr std::array<std::string_view, 7> kContinents = {"AF", "AN", "AS", "EU", "NA", "OC", "SA"};
// An answer of 16 addresses is about 16 * 28 octets of AAAA: still well inside a 1232-octet UDP
// response (the DNS flag day 2020 size), and more addresses than any client uses.
constexpr std::int64_t kMaxAnswers = 16;
constexpr std::int64_t kMaxWeight = 1000000;
constexpr std::int64_t kMaxCount = std::numeric_limits<std::uint32_t>::max();

bool isLabelChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

// "www", "api.v2": non-empty labels of letters, digits, '-' and '_', relative to the origin.
bool isServiceName(std::string_view name) {
  std::size_t start = 0;
  while (true) {
    std::size_t dot = std::min(name.find('.', start), name.size());
    std::string_view label = name.substr(start, dot - start);
    if (label.empty() || label.size() > kMaxLabelLength ||
        !std::all_of(label.begin(), label.end(), isLabelChar)) {
      return false;
    }
    if (dot == name.size()) return true;
    start = dot + 1;
  }
}

bool isCountryCode(std::string_view code) {
  return code.size() == 2 &&
         std::all_of(code.begin(), code.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

std::string position(const base::SourceLocation& where) {
  return std::to_string(where.line) + ':' + std::to_string(where.column);
}

class ServiceReader {
 public:
  ServiceReader(const ServiceContext& context, TomlFields& fields)
      : context_(context), fields_(fields) {}

  void readAll(const toml::node* node, TrafficTables& out) {
    if (node == nullptr) return;
    const toml::table* table = fields_.table(*node, "services", " of [services.NAME] sections");
    if (table == nullptr) return;
    for (const auto& [key, value] : inFileOrder(*table)) {
      if (auto service = readService(*key, *value, out))
        out.services.push_back(std::move(*service));
    }
  }

 private:
  std::optional<Service> readService(const toml::key& key, const toml::node& node,
                                     TrafficTables& out) {
    Service service;
    service.name = key.str();
    service.where = fields_.at(key.source());
    bool named = readOwner(key, service, out);
    std::string path = tomlPath({"services", service.name});
    const toml::table* table = fields_.table(node, path);
    if (table == nullptr || isDottedName(key, *table)) return std::nullopt;
    TableReader reader(fields_, *table, path);
    reader.knownKeys(kServiceKeys);

    std::string text;
    if (reader.choice("policy", text, kPolicies)) {
      auto at = std::find(kPolicies.begin(), kPolicies.end(), text) - kPolicies.begin();
      service.policy = kPolicyKinds[static_cast<std::size_t>(at)];
    } else if (!reader.get("policy")) {
      reader.missing("policy", " (geo, latency, weighted or failover)");
    }
    reader.integer("ttl", service.ttl, 0, kMaxTtl, ", RFC 2181 §8");
    readUnstableTtl(reader, service);
    reader.integer("answers", service.answers, 1, kMaxAnswers);
    if (reader.choice("fallback", text, kFallbacks)) {
      service.fallback = text == "all" ? Fallback::All : Fallback::None;
    }
    if (reader.string("check", service.check) && !context_.checks.count(service.check)) {
      std::vector<std::string> known(context_.checks.begin(), context_.checks.end());
      reader.error(
          *reader.get("check"),
          reader.pathOf("check") + " " + quoted(service.check) + " names no [checks] entry" +
              (known.empty() ? " (the zone declares none)" : " (known: " + listOf(known) + ")"));
    }
    reader.number("slow_start", service.slow_start, 0, true, " of seconds");
    reader.number("expected_load", service.expected_load, 0, false, " of requests per second");

    std::vector<std::string> pool_regions = readPools(reader, service);
    if (const toml::node* order = reader.get("order")) {
      if (auto regions =
              readRegionList(reader, *order, reader.pathOf("order"), service.name, pool_regions)) {
        service.order = std::move(*regions);
      }
    } else if (service.policy == PolicyKind::Failover && reader.get("policy")) {
      reader.missing("order", " (policy \"failover\" answers from the first healthy region in it)");
    }
    if (const toml::node* geo = reader.get("geo")) readGeo(reader, *geo, service, pool_regions);

    // Judged only when every pool was read, so that each weight is known.
    if (service.policy == PolicyKind::Weighted && !service.pools.empty() &&
        service.pools.size() == pool_regions.size() &&
        std::none_of(service.pools.begin(), service.pools.end(),
                     [](const Pool& pool) { return pool.weight > 0; })) {
      reader.tableError("service " + quoted(service.name) +
                        " has policy \"weighted\" but every pool has weight 0; give at least one "
                        "pool a weight above 0");
    }
    if (!named || !reader.ok()) return std::nullopt;
    return service;
  }

  // ttl_unstable and ttl_calm: the TTL of answers while a region of the service is unstable, and
  // how long after the last change it stays so (DESIGN.md "TTLs that follow health").
  void readUnstableTtl(TableReader& reader, Service& service) {
    if (reader.integer("ttl_unstable", service.ttl_unstable, 0, kMaxTtl) &&
        *service.ttl_unstable > service.ttl) {
      reader.error(*reader.get("ttl_unstable"),
                   reader.pathOf("ttl_unstable") + " is " + std::to_string(*service.ttl_unstable) +
                       ", above the service's ttl " + std::to_string(service.ttl) +
                       "; it lowers the TTL while a region is unstable, so it must be at most ttl");
    }
    if (reader.integer("ttl_calm", service.ttl_calm, 1, kMaxTtlCalm, " of seconds") &&
        !reader.get("ttl_unstable")) {
      reader.error(*reader.get("ttl_calm"),
                   reader.pathOf("ttl_calm") +
                       " has no effect without ttl_unstable (the TTL while a region is unstable)");
    }
  }

  // The service's name: relative to the origin, never the apex, one service per DNS name.
  bool readOwner(const toml::key& key, Service& service, TrafficTables& out) {
    const std::string& name = service.name;
    if (name == "@") {
      fields_.error(key.source(),
                    "service \"@\" cannot be the zone apex, which holds the SOA and NS records; "
                    "use a name such as \"www\"");
      return false;
    }
    if (!isServiceName(name)) {
      fields_.error(key.source(), "service name " + quoted(name) +
                                      " must be a relative name of labels made of letters, "
                                      "digits, '-' and '_', e.g. \"www\" or \"api.v2\"");
      return false;
    }
    if (context_.origin == nullptr) return true;
    std::string problem;
    auto owner = Name::fromText(name, context_.origin, &problem);
    if (!owner) {
      fields_.error(key.source(),
                    "service name " + quoted(name) + " is not a valid name: " + problem);
      return false;
    }
    service.owner = *owner;
    auto [same, added] = owner_index_.try_emplace(*owner, out.owners.size());
    if (!added) {
      const TrafficTables::Owner& other = out.owners[same->second];
      fields_.error(key.source(), "service " + quoted(name) + " answers the same name as service " +
                                      quoted(other.name) + " (at " + position(other.where) + ")");
      return false;
    }
    out.owners.push_back({name, *owner, service.where});
    return true;
  }

  // [services.api.v2] (unquoted) makes a service "api" holding a table "v2": say what happened
  // instead of reporting every key of "api" as missing.
  bool isDottedName(const toml::key& key, const toml::table& table) {
    if (table.empty()) return false;
    for (auto&& [inner, value] : table) {
      if (!value.is_table() ||
          std::find(kServiceKeys.begin(), kServiceKeys.end(), inner.str()) != kServiceKeys.end()) {
        return false;
      }
    }
    const toml::key& inner = *inFileOrder(table).front().first;
    std::string dotted = std::string(key.str()) + "." + std::string(inner.str());
    fields_.error(inner.source(), "service " + quoted(key.str()) + " holds a table " +
                                      quoted(inner.str()) +
                                      ", not settings; quote service names that contain dots, "
                                      "e.g. [services." +
                                      quoted(dotted) + "]");
    return true;
  }

  // Returns every pool's region as written, valid or not (what `order` and geo rules may name).
  std::vector<std::string> readPools(TableReader& reader, Service& service) {
    std::vector<std::string> regions;
    const toml::node* node = reader.get("pools");
    std::string path = reader.pathOf("pools");
    if (node == nullptr) {
      reader.missing(
          "pools", " (a service needs at least one [" + path + ".REGION] section with endpoints)");
      return regions;
    }
    const toml::table* pools = fields_.table(*node, path, " of [" + path + ".REGION] sections");
    if (pools == nullptr) {
      reader.fail();
      return regions;
    }
    if (pools->empty()) {
      reader.error(*node, path + " is empty; a service needs at least one pool");
      return regions;
    }
    // The policy engine orders regions in fixed-size buffers on the query path.
    constexpr std::size_t kMaxPools = 128;
    if (pools->size() > kMaxPools) {
      reader.error(*node, path + " has " + std::to_string(pools->size()) +
                              " pools; a service may have at most " + std::to_string(kMaxPools));
      return regions;
    }
    for (const auto& [key, value] : inFileOrder(*pools)) {
      regions.emplace_back(key->str());
      auto pool = readPool(*key, *value, service.name);
      if (pool) {
        service.pools.push_back(std::move(*pool));
      } else {
        reader.fail();
      }
    }
    return regions;
  }

  std::optional<Pool> readPool(const toml::key& key, const toml::node& node,
                               const std::string& service_name) {
    Pool pool;
    pool.region = key.str();
    pool.where = fields_.at(key.source());
    bool ok = true;
    if (!context_.regions.count(pool.region)) {
      std::vector<std::string> known(context_.regions.begin(), context_.regions.end());
      fields_.error(key.source(), "service " + quoted(service_name) +
                                      " has a pool in unknown region " + quoted(pool.region) +
                                      (known.empty() ? " (the zone declares no [regions])"
                                                     : " (declared: " + listOf(known) + ")"));
      ok = false;
    }
    std::string path = tomlPath({"services", service_name, "pools", pool.region});
    const toml::table* table = fields_.table(node, path);
    if (table == nullptr) return std::nullopt;
    TableReader reader(fields_, *table, path);
    reader.knownKeys(kPoolKeys);
    reader.integer("weight", pool.weight, 0, kMaxWeight);
    reader.integer("capacity", pool.capacity, 1, kMaxCount);
    bool min_up_ok = reader.integer("min_up", pool.min_up, 0, kMaxCount);
    reader.boolean("drain", pool.drain);
    if (const toml::node* endpoints = reader.get("endpoints")) {
      if (readEndpoints(reader, *endpoints, pool) && pool.min_up > pool.endpoints.size()) {
        const toml::node& at = min_up_ok ? *reader.get("min_up") : *endpoints;
        reader.error(at, reader.pathOf("min_up") + " " + std::to_string(pool.min_up) +
                             " is more than the pool's " + std::to_string(pool.endpoints.size()) +
                             " endpoint" + (pool.endpoints.size() == 1 ? "" : "s") +
                             ", so the region could never be up");
      }
    } else {
      reader.missing("endpoints",
                     " (an array of addresses, e.g. [\"192.0.2.10\", \"2001:db8::10\"])");
    }
    if (!ok || !reader.ok()) return std::nullopt;
    return pool;
  }

  bool readEndpoints(TableReader& reader, const toml::node& node, Pool& pool) {
    std::string path = reader.pathOf("endpoints");
    const toml::array* list = node.as_array();
    if (list == nullptr) {
      reader.error(node, path +
                             " must be an array of addresses such as [\"192.0.2.10\", "
                             "\"2001:db8::10\"], not " +
                             describe(node));
      return false;
    }
    if (list->empty()) {
      reader.error(node, path + " is empty; a pool needs at least one endpoint");
      return false;
    }
    bool ok = true;
    std::vector<const toml::node*> first_of;
    for (const toml::node& item : *list) {
      const auto* text = item.as_string();
      if (text == nullptr) {
        reader.error(item,
                     "an endpoint must be a string such as \"192.0.2.10\", not " + describe(item));
        ok = false;
        continue;
      }
      auto address = IpAddress::parse(text->get());
      if (!address) {
        reader.error(item, "endpoint " + quoted(text->get()) + " is not an IPv4 or IPv6 address");
        ok = false;
        continue;
      }
      auto same = std::find(pool.endpoints.begin(), pool.endpoints.end(), *address);
      if (same != pool.endpoints.end()) {
        const toml::node& first =
            *first_of[static_cast<std::size_t>(same - pool.endpoints.begin())];
        reader.error(item, "endpoint " + quoted(text->get()) + " is already in the pool (at " +
                               position(fields_.at(first.source())) + ")");
        ok = false;
        continue;
      }
      pool.endpoints.push_back(*address);
      first_of.push_back(&item);
    }
    return ok;
  }

  // An ordered list of the service's pool regions: `order`, or the value of a geo rule.
  std::optional<std::vector<std::string>> readRegionList(TableReader& reader,
                                                         const toml::node& node,
                                                         const std::string& what,
                                                         const std::string& service_name,
                                                         const std::vector<std::string>& pools) {
    const toml::array* list = node.as_array();
    if (list == nullptr) {
      reader.error(node, what +
                             " must be an array of region names such as [\"us-east\", "
                             "\"eu-west\"], not " +
                             describe(node));
      return std::nullopt;
    }
    if (list->empty()) {
      reader.error(node, what + " must name at least one region");
      return std::nullopt;
    }
    std::vector<std::string> regions;
    bool ok = true;
    for (const toml::node& item : *list) {
      const auto* text = item.as_string();
      if (text == nullptr) {
        reader.error(item, "a region name must be a string, not " + describe(item));
        ok = false;
      } else if (std::string problem =
                     regionNameProblem(what, text->get(), regions, service_name, pools);
                 !problem.empty()) {
        reader.error(item, std::move(problem));
        ok = false;
      } else {
        regions.push_back(text->get());
      }
    }
    if (!ok) return std::nullopt;
    return regions;
  }

  // What is wrong with `name` as the next region of the list `what` (a nets entry, a rule, `order`)
  // that already names `named`: not a pool of the service, or named twice. Empty when nothing.
  static std::string regionNameProblem(const std::string& what, std::string_view name,
                                       const std::vector<std::string>& named,
                                       const std::string& service_name,
                                       const std::vector<std::string>& pools) {
    if (std::find(pools.begin(), pools.end(), name) == pools.end()) {
      return what + " names " + quoted(name) + ", which is not a pool of service " +
             quoted(service_name) + " (pools: " + listOf(pools) + ")";
    }
    if (std::find(named.begin(), named.end(), name) != named.end()) {
      return what + " names " + quoted(name) + " twice";
    }
    return std::string();
  }

  void readGeo(TableReader& service_reader, const toml::node& node, Service& service,
               const std::vector<std::string>& pools) {
    std::string path = service_reader.pathOf("geo");
    const toml::table* table = fields_.table(node, path);
    if (table == nullptr) {
      service_reader.fail();
      return;
    }
    TableReader reader(fields_, *table, path);
    reader.knownKeys(kGeoKeys);
    // Each rule table: key -> region list; `accept` checks the key and files the rule.
    auto rules = [&](std::string_view name, auto accept) {
      const toml::node* rules_node = reader.get(name);
      if (rules_node == nullptr) return;
      std::string rules_path = reader.pathOf(name);
      const toml::table* rule_table = fields_.table(*rules_node, rules_path);
      if (rule_table == nullptr) {
        reader.fail();
        return;
      }
      for (const auto& [key, value] : inFileOrder(*rule_table)) {
        std::string what = rules_path + '.' + tomlPath({key->str()});
        auto regions = readRegionList(reader, *value, what, service.name, pools);
        std::string problem =
            accept(*key, regions.value_or(std::vector<std::string>{}), rules_path);
        if (!problem.empty()) reader.error(key->source(), problem);
      }
    };
    using Regions = std::vector<std::string>;
    rules("continent", [&](const toml::key& key, Regions regions, const std::string& what) {
      if (std::find(kContinents.begin(), kContinents.end(), key.str()) == kContinents.end()) {
        return what + " " + quoted(key.str()) + " is not a continent code (" + listOf(kContinents) +
               ")";
      }
      service.geo.continent[std::string(key.str())] = std::move(regions);
      return std::string();
    });
    rules("country", [&](const toml::key& key, Regions regions, const std::string& what) {
      if (!isCountryCode(key.str())) {
        return what + " " + quoted(key.str()) +
               " is not a country code: two upper-case letters (ISO 3166-1 alpha-2, e.g. \"IN\")";
      }
      service.geo.country[std::string(key.str())] = std::move(regions);
      return std::string();
    });
    // Where each network was first written: geo tables run to hundreds of thousands of networks.
    NetPositions net_where;
    rules("nets", [&](const toml::key& key, Regions regions, const std::string& what) {
      std::string problem;
      auto cidr = Cidr::parse(key.str(), &problem);
      if (!cidr) return what + " " + quoted(key.str()) + ": " + problem;
      const auto& begin = key.source().begin;
      auto [first, added] =
          net_where.try_emplace(*cidr, NetPosition{begin.line, begin.column, false});
      if (!added) {
        return what + " " + quoted(key.str()) + " is the same network as " + cidr->toString() +
               " (at " + std::to_string(first->second.line) + ":" +
               std::to_string(first->second.column) + ")";
      }
      service.geo.nets.emplace_back(*cidr, std::move(regions));
      return std::string();
    });
    if (const toml::node* file = reader.get("nets_file")) {
      if (auto name = fields_.string(*file, reader.pathOf("nets_file"))) {
        readNetsFile(reader, *file, *name, service, pools, net_where);
      } else {
        reader.fail();
      }
    }
    if (service.geo.nets.size() > kMaxServiceGeoNets) {
      reader.tableError(path + " holds " + std::to_string(service.geo.nets.size()) +
                        " networks; a service may have at most " +
                        std::to_string(kMaxServiceGeoNets));
    }
    if (!reader.ok()) service_reader.fail();
  }

  // Where a service geo net was first written: geo tables run to a million networks, so a line
  // and column and which of the two files, not a SourceLocation with its path.
  struct NetPosition {
    std::uint32_t line, column;
    bool in_nets_file;
  };
  using NetPositions = std::unordered_map<Cidr, NetPosition, CidrHash>;

  // `nets_file` (nets_file.h): the same rules as the nets table, each problem at the nets file's
  // line and column; a network in both is reported as written twice.
  void readNetsFile(TableReader& reader, const toml::node& node, const std::string& name,
                    Service& service, const std::vector<std::string>& pools,
                    NetPositions& net_where) {
    const std::string file = netsFilePath(fields_.path(), name);
    std::shared_ptr<const std::string>& kept = fields_.netsTexts()[file];
    if (!kept) {
      std::string text, reason;
      if (!readFileText(file, text, reason)) {
        fields_.netsTexts().erase(file);
        reader.error(node, reader.pathOf("nets_file") + " " + quoted(name) + ": cannot read " +
                               file + ": " + reason);
        return;
      }
      kept = std::make_shared<const std::string>(std::move(text));
    }
    const std::shared_ptr<const std::string> text = kept;
    service.geo.nets_file = file;
    base::Diagnostics errors;
    std::vector<std::string> regions;
    parseNetsFile(file, *text, errors, [&](const NetsFileLine& line) {
      auto at = [&](std::size_t field) {
        return base::SourceLocation{file, line.line, line.columns[field]};
      };
      regions.clear();
      bool ok = true;
      const std::string network = line.cidr.toString();
      for (std::size_t i = 0; i < line.regions.size(); ++i) {
        std::string problem =
            regionNameProblem(network, line.regions[i], regions, service.name, pools);
        if (!problem.empty()) {
          errors.push_back({at(i + 1), std::move(problem)});
          ok = false;
        } else {
          regions.emplace_back(line.regions[i]);
        }
      }
      if (!ok) return;
      auto [first, added] =
          net_where.try_emplace(line.cidr, NetPosition{line.line, line.columns[0], true});
      if (!added) {
        const NetPosition& was = first->second;
        errors.push_back({at(0), line.cidr.toString() + " is written twice (first at " +
                                     (was.in_nets_file ? file : fields_.path()) + ":" +
                                     std::to_string(was.line) + ":" + std::to_string(was.column) +
                                     ")"});
        return;
      }
      service.geo.nets.emplace_back(line.cidr, regions);
    });
    if (errors.empty()) return;
    const std::size_t count = errors.size();
    for (base::Diagnostic& error : errors) fields_.error(error.where, std::move(error.message));
    // Also at the zone file: the zone is what fails (and what a reload keeps the last good one of).
    reader.error(node, reader.pathOf("nets_file") + " " + quoted(name) + ": " +
                           std::to_string(count) + (count == 1 ? " problem" : " problems") +
                           " in the nets file");
  }

  const ServiceContext& context_;
  TomlFields& fields_;
  // Owner name to its index in TrafficTables::owners: a zone may hold thousands of services.
  std::unordered_map<Name, std::size_t, NameHash> owner_index_;
};

}  // namespace

void readServices(const toml::node* node, const ServiceContext& context, TomlFields& fields,
                  TrafficTables& out) {
  ServiceReader(context, fields).readAll(node, out);
}

void checkServiceOwners(const std::vector<TrafficTables::Owner>& services, const Name& origin,
                        const std::vector<Record>& records, const OwnerPositions& record_owners,
                        base::Diagnostics& errors) {
  std::unordered_set<Name, NameHash> cuts;
  for (const Record& record : records) {
    if (record.type == rrtype::NS && !(record.owner == origin)) cuts.insert(record.owner);
  }
  for (const TrafficTables::Owner& service : services) {
    std::string name = '"' + service.owner.toText() + '"';
    auto static_owner = record_owners.find(service.owner);
    if (static_owner != record_owners.end()) {
      errors.push_back({service.where, "service " + quoted(service.name) +
                                           " and [records] both define " + name + " (at " +
                                           std::to_string(static_owner->second.first) + ':' +
                                           std::to_string(static_owner->second.second) +
                                           "); a service's name has no static records"});
      continue;
    }
    if (cuts.empty()) continue;
    for (Name above = service.owner.parent(); above.labelCount() > origin.labelCount();
         above = above.parent()) {
      if (!cuts.count(above)) continue;
      errors.push_back({service.where, "service " + quoted(service.name) + " at " + name +
                                           " is below the delegation \"" + above.toText() +
                                           "\", where the child zone answers"});
      break;
    }
  }
}

}  // namespace nines::zones
