#include "traffic_tables.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <limits>
#include <optional>
#include <string_view>

#include "nines/zones/ip.h"
#include "nines/zones/record_parser.h"

namespace nines::zones {

namespace {

constexpr std::array<std::string_view, 2> kRegionKeys = {"location", "drain"};
constexpr std::array<std::string_view, 16> kCheckKeys = {
    "type",         "port",  "path",       "expect_status", "expect_body", "interval",
    "timeout",      "rise",  "fall",       "host",          "tls_verify",  "target",
    "expect_rcode", "query", "query_type", "expect_answer"};
constexpr std::array<std::string_view, 4> kCheckTypes = {"http", "https", "tcp", "dns"};
// RFC 1035 §4.1.1 and RFC 2136 §2.2: the response codes a DNS check can expect.
constexpr std::array<std::string_view, 11> kRcodes = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN",
                                                      "NOTIMP",  "REFUSED", "YXDOMAIN", "YXRRSET",
                                                      "NXRRSET", "NOTAUTH", "NOTZONE"};
constexpr std::uint16_t kDnsPort = 53;
constexpr double kDefaultTimeout = 1.0;  // Check::timeout, capped by a shorter interval

// Region and check names end up in metric labels, status pages and prober configs: kept to one
// simple alphabet so that they read and match the same everywhere.
bool isPlainName(std::string_view name) {
  return !name.empty() && name.size() <= kMaxLabelLength &&
         std::all_of(name.begin(), name.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
         });
}

// Text that goes into a request line or header: no space and no control character.
bool isHeaderSafe(std::string_view text) {
  return std::none_of(text.begin(), text.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u <= ' ' || u == 0x7f;
  });
}

std::optional<std::uint16_t> parsePort(std::string_view text) {
  if (text.empty() || text.size() > 5) return std::nullopt;
  unsigned value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  if (value == 0 || value > 0xffff) return std::nullopt;
  return static_cast<std::uint16_t>(value);
}

// "192.0.2.1", "192.0.2.1:53", "2001:db8::1" or "[2001:db8::1]:53"; port 0 when not given.
std::optional<std::pair<IpAddress, std::uint16_t>> parseTarget(std::string_view text) {
  if (auto address = IpAddress::parse(text)) return std::make_pair(*address, std::uint16_t{0});
  std::string_view host, port;
  if (!text.empty() && text.front() == '[') {
    auto close = text.find("]:");
    if (close == std::string_view::npos) return std::nullopt;
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    auto colon = text.find(':');
    if (colon == std::string_view::npos) return std::nullopt;
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  auto address = IpAddress::parse(host);
  auto number = parsePort(port);
  bool bracketed = text.front() == '[';
  if (!address || !number || (address->family == 6) != bracketed) return std::nullopt;
  return std::make_pair(*address, *number);
}

class TableReaders {
 public:
  TableReaders(const Name* origin, TomlFields& fields) : origin_(origin), fields_(fields) {}

  std::optional<Region> readRegion(const toml::key& key, const toml::node& node) {
    std::string name(key.str());
    std::string path = tomlPath({"regions", name});
    bool named = checkName(key, "region");
    const toml::table* table = fields_.table(node, path);
    if (table == nullptr) return std::nullopt;
    TableReader reader(fields_, *table, path);
    reader.knownKeys(kRegionKeys);
    Region region;
    region.name = name;
    region.where = fields_.at(key.source());
    reader.boolean("drain", region.drain);
    if (const toml::node* location = table->get("location")) {
      region.location = readLocation(reader, *location);
    }
    if (!named || !reader.ok()) return std::nullopt;
    return region;
  }

  std::optional<Check> readCheck(const toml::key& key, const toml::node& node) {
    std::string name(key.str());
    std::string path = tomlPath({"checks", name});
    bool named = checkName(key, "check");
    const toml::table* table = fields_.table(node, path);
    if (table == nullptr) return std::nullopt;
    TableReader reader(fields_, *table, path);
    reader.knownKeys(kCheckKeys);
    Check check;
    check.name = name;
    check.where = fields_.at(key.source());
    if (origin_) check.query = *origin_;

    bool typed = reader.choice("type", check.type, kCheckTypes);
    if (!reader.get("type")) reader.missing("type", " (http, https, tcp or dns)");
    if (!reader.integer("port", check.port, 1, 0xffff) && !reader.get("port") && typed) {
      if (check.type == "dns") {
        check.port = kDnsPort;
      } else {
        reader.missing("port", " (required for type " + quoted(check.type) + ")");
      }
    }
    if (reader.string("path", check.path)) {
      if (check.path.empty() || check.path.front() != '/') {
        reader.error(*reader.get("path"),
                     reader.pathOf("path") + " " + quoted(check.path) + " must start with \"/\"");
      } else if (!isHeaderSafe(check.path)) {
        reader.error(*reader.get("path"),
                     reader.pathOf("path") + " " + quoted(check.path) +
                         " must not contain spaces or control characters (percent-encode them)");
      }
    }
    if (const toml::node* status = table->get("expect_status")) {
      readStatusCodes(reader, *status, check.expect_status);
    }
    reader.string("expect_body", check.expect_body);
    bool interval_ok = reader.number("interval", check.interval, 0, false, " of seconds");
    interval_ok = interval_ok || !reader.get("interval");
    if (reader.number("timeout", check.timeout, 0, false, " of seconds")) {
      if (interval_ok && check.timeout > check.interval) {
        reader.error(*reader.get("timeout"),
                     reader.pathOf("timeout") + " " + numberText(check.timeout) +
                         " is longer than the interval " + numberText(check.interval) +
                         " (a check must end before the next one starts)");
      }
    } else if (!reader.get("timeout")) {
      check.timeout = std::min(kDefaultTimeout, check.interval);
    }
    reader.integer("rise", check.rise, 1, std::numeric_limits<std::uint32_t>::max());
    reader.integer("fall", check.fall, 1, std::numeric_limits<std::uint32_t>::max());
    readProbeKeys(reader, check);
    if (!named || !reader.ok()) return std::nullopt;
    return check;
  }

 private:
  bool checkName(const toml::key& key, std::string_view what) {
    if (isPlainName(key.str())) return true;
    fields_.error(key.source(), std::string(what) + " name " + quoted(key.str()) +
                                    " must be 1 to 63 characters of a-z, 0-9, '-' and '_'");
    return false;
  }

  std::optional<GeoPoint> readLocation(TableReader& reader, const toml::node& node) {
    std::string path = reader.pathOf("location");
    const toml::array* pair = node.as_array();
    if (pair == nullptr || pair->size() != 2) {
      reader.error(node, path + " must be [latitude, longitude] in degrees, e.g. [38.9, -77.0]" +
                             (pair ? "" : ", not " + describe(node)));
      return std::nullopt;
    }
    GeoPoint point;
    bool ok = true;
    auto coordinate = [&](const toml::node& value, std::string_view what, double limit) {
      auto degrees = fields_.number(value, path + " " + std::string(what),
                                    std::numeric_limits<double>::lowest(), true, " of degrees");
      if (degrees && (*degrees < -limit || *degrees > limit)) {
        reader.error(value, path + " " + std::string(what) + " " + numberText(*degrees) +
                                " is out of range (-" + numberText(limit) + " to " +
                                numberText(limit) + ")");
        degrees.reset();
      }
      ok = ok && degrees.has_value();
      return degrees.value_or(0);
    };
    point.latitude = coordinate(*pair->get(0), "latitude", 90);
    point.longitude = coordinate(*pair->get(1), "longitude", 180);
    if (!ok) {
      reader.fail();
      return std::nullopt;
    }
    return point;
  }

  void readStatusCodes(TableReader& reader, const toml::node& node,
                       std::vector<std::uint16_t>& out) {
    std::string path = reader.pathOf("expect_status");
    std::vector<const toml::node*> items;
    if (const toml::array* list = node.as_array()) {
      for (const toml::node& item : *list) items.push_back(&item);
      if (items.empty()) {
        reader.error(node, path + " must list at least one status code");
        return;
      }
    } else if (node.is_integer() || node.is_string()) {
      items.push_back(&node);
    } else {
      reader.error(node, path +
                             " must be a status code, a range like \"200-299\", or an array of "
                             "them, e.g. [200, 204], not " +
                             describe(node));
      return;
    }
    std::vector<std::uint16_t> codes;
    for (const toml::node* item : items) {
      if (const auto* text = item->as_string()) {
        // A range "LO-HI", expanded into its codes (at most 500 of them).
        unsigned low = 0, high = 0;
        char extra = 0;
        const std::string& range = text->get();
        if (std::sscanf(range.c_str(), "%u-%u%c", &low, &high, &extra) != 2 || low < 100 ||
            high > 599 || low > high) {
          reader.error(*item, path + " " + quoted(range) +
                                  " must be a range of status codes like \"200-299\" (100 to 599)");
          return;
        }
        for (unsigned code = low; code <= high; ++code) {
          codes.push_back(static_cast<std::uint16_t>(code));
        }
        continue;
      }
      auto code = fields_.integer(*item, path, 100, 599);
      if (!code) {
        reader.fail();
        return;
      }
      codes.push_back(static_cast<std::uint16_t>(*code));
    }
    out = std::move(codes);
  }

  // The keys of the prober's transports beyond HTTP basics: TLS, a fixed target, DNS queries.
  void readProbeKeys(TableReader& reader, Check& check) {
    if (reader.string("host", check.host) && !isHeaderSafe(check.host)) {
      reader.error(*reader.get("host"), reader.pathOf("host") + " " + quoted(check.host) +
                                            " must not contain spaces or control characters");
    }
    reader.boolean("tls_verify", check.tls_verify);
    std::string text;
    if (reader.string("target", text)) {
      if (auto target = parseTarget(text)) {
        check.target = target->first;
        check.target_port = target->second;
      } else {
        reader.error(*reader.get("target"),
                     reader.pathOf("target") + " " + quoted(text) +
                         " must be ADDR or ADDR:PORT with a port from 1 to 65535, e.g. "
                         "\"192.0.2.1\", \"192.0.2.1:53\" or \"[2001:db8::1]:53\"");
      }
    }
    if (reader.string("expect_rcode", text)) {
      std::transform(text.begin(), text.end(), text.begin(),
                     [](char c) { return static_cast<char>(std::toupper(c)); });
      if (std::find(kRcodes.begin(), kRcodes.end(), text) != kRcodes.end()) {
        check.expect_rcode = text;
      } else {
        reader.error(*reader.get("expect_rcode"), reader.pathOf("expect_rcode") + " " +
                                                      quoted(text) + " is not one of " +
                                                      listOf(kRcodes));
      }
    }
    if (reader.string("query", text)) {
      Name root;
      std::string problem;
      auto name = Name::fromText(text, origin_ ? origin_ : &root, &problem);
      if (name) {
        check.query = *name;
      } else {
        reader.error(*reader.get("query"), reader.pathOf("query") + " " + quoted(text) +
                                               " is not a valid name: " + problem);
      }
    }
    if (reader.string("expect_answer", text)) {
      if (text.empty()) {
        reader.error(
            *reader.get("expect_answer"),
            reader.pathOf("expect_answer") + " is empty; leave it out to accept any answer");
      } else {
        check.expect_answer = text;
      }
    }
    if (reader.string("query_type", text)) {
      auto type = rrTypeFromName(text);
      if (!type) {
        reader.error(*reader.get("query_type"),
                     reader.pathOf("query_type") + " " + quoted(text) + " is not a record type");
      } else if (isMetaType(*type) || *type == rrtype::IXFR || *type == rrtype::AXFR) {
        reader.error(*reader.get("query_type"),
                     reader.pathOf("query_type") + " " + quoted(text) +
                         " is not a data type; ask for one such as SOA, A or AAAA");
      } else {
        check.query_type = *type;
      }
    }
  }

  const Name* origin_;
  TomlFields& fields_;
};

}  // namespace

TrafficTables readTrafficTables(const toml::table& root, const Name* origin, TomlFields& fields) {
  TrafficTables out;
  TableReaders readers(origin, fields);
  ServiceContext context;
  context.origin = origin;
  if (const toml::node* node = root.get("regions")) {
    if (const toml::table* table = fields.table(*node, "regions", " of [regions.NAME] sections")) {
      for (const auto& [key, value] : inFileOrder(*table)) {
        context.regions.emplace(key->str());
        if (auto region = readers.readRegion(*key, *value)) out.regions.push_back(*region);
      }
    }
  }
  if (const toml::node* node = root.get("checks")) {
    if (const toml::table* table = fields.table(*node, "checks", " of [checks.NAME] sections")) {
      for (const auto& [key, value] : inFileOrder(*table)) {
        context.checks.emplace(key->str());
        if (auto check = readers.readCheck(*key, *value)) out.checks.push_back(*check);
      }
    }
  }
  readServices(root.get("services"), context, fields, out);
  return out;
}

}  // namespace nines::zones
