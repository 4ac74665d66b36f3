#include "nines/probers/check_target.h"

#include <algorithm>
#include <array>
#include <nlohmann/json.hpp>
#include <string_view>
#include <unordered_set>

namespace nines::probers {

namespace {

using Json = nlohmann::json;
using OrderedJson = nlohmann::ordered_json;

constexpr std::size_t kMaxTargets = 100000;  // as many as one report may carry
constexpr std::size_t kMaxText = 1024;       // any one string of a check (paths, bodies, names)
constexpr std::size_t kMaxStatusCodes = 1000;

const std::array<std::string_view, 4> kTypes = {"http", "https", "tcp", "dns"};

std::string hostOf(const zones::Name& owner) {
  std::string text = owner.toText();
  if (text.size() > 1 && text.back() == '.') text.pop_back();
  return text;
}

std::string netsText(const std::vector<zones::Cidr>& nets) {
  std::string text;
  for (const auto& net : nets) text += (text.empty() ? "" : ", ") + net.toString();
  return text;
}

bool allowed(const zones::IpAddress& address, const std::vector<zones::Cidr>& nets) {
  if (nets.empty()) return true;
  for (const auto& net : nets) {
    if (net.contains(address)) return true;
  }
  return false;
}

OrderedJson encodeCheck(const zones::Check& check) {
  return {
      {"name", check.name},
      {"type", check.type},
      {"port", check.port},
      {"path", check.path},
      {"expect_status", check.expect_status},
      {"expect_body", check.expect_body},
      {"interval", check.interval},
      {"timeout", check.timeout},
      {"rise", check.rise},
      {"fall", check.fall},
      {"host", check.host},
      {"tls_verify", check.tls_verify},
      {"target", check.target ? OrderedJson(check.target->toString()) : OrderedJson(nullptr)},
      {"target_port", check.target_port},
      {"expect_rcode", check.expect_rcode},
      {"query", check.query.toText()},
      {"expect_answer", check.expect_answer},
      {"query_type", check.query_type},
      {"where",
       {{"file", check.where.file}, {"line", check.where.line}, {"column", check.where.column}}}};
}

// Reads the JSON of one target strictly: each value of its type and range, or an error naming it.
class Reader {
 public:
  Reader(const Json& object, std::string where, std::string* error)
      : object_(object), where_(std::move(where)), error_(error) {}

  bool ok() const { return ok_; }

  const Json* find(const char* key, bool required) {
    if (!ok_) return nullptr;
    auto it = object_.find(key);
    if (it == object_.end() || it->is_null()) {
      if (required) fail(std::string("\"") + key + "\" is missing");
      return nullptr;
    }
    return &*it;
  }

  void text(const char* key, std::string& out, bool required = true) {
    const Json* value = find(key, required);
    if (!value) return;
    if (!value->is_string() || value->get_ref<const std::string&>().size() > kMaxText) {
      return fail(std::string("\"") + key + "\" must be a string of at most " +
                  std::to_string(kMaxText) + " characters");
    }
    out = value->get<std::string>();
  }

  template <typename Int>
  void integer(const char* key, Int& out, std::uint64_t min, std::uint64_t max,
               bool required = true) {
    const Json* value = find(key, required);
    if (!value) return;
    if (!value->is_number_unsigned() || value->get<std::uint64_t>() < min ||
        value->get<std::uint64_t>() > max) {
      return fail(std::string("\"") + key + "\" must be an integer from " + std::to_string(min) +
                  " to " + std::to_string(max));
    }
    out = static_cast<Int>(value->get<std::uint64_t>());
  }

  void seconds(const char* key, double& out) {
    const Json* value = find(key, true);
    if (!value) return;
    if (!value->is_number() || !(value->get<double>() > 0) || value->get<double>() > 86400) {
      return fail(std::string("\"") + key + "\" must be a number of seconds above 0");
    }
    out = value->get<double>();
  }

  void address(const char* key, zones::IpAddress& out, bool required = true) {
    std::string text;
    this->text(key, text, required);
    if (!ok_ || text.empty()) return;
    if (auto parsed = zones::IpAddress::parse(text)) {
      out = *parsed;
    } else {
      fail(std::string("\"") + key + "\" \"" + text + "\" is not an IP address");
    }
  }

  void fail(const std::string& message) {
    if (ok_ && error_) *error_ = where_ + message;
    ok_ = false;
  }

 private:
  const Json& object_;
  std::string where_;
  std::string* error_;
  bool ok_ = true;
};

bool decodeCheck(const Json& json, const std::string& where, zones::Check& check,
                 std::string* error) {
  if (!json.is_object()) {
    if (error) *error = where + "must be an object";
    return false;
  }
  Reader reader(json, where, error);
  reader.text("name", check.name);
  reader.text("type", check.type);
  if (reader.ok() && std::find(kTypes.begin(), kTypes.end(), check.type) == kTypes.end()) {
    reader.fail("\"type\" \"" + check.type + "\" is not http, https, tcp or dns");
  }
  reader.integer("port", check.port, 0, 0xffff);
  reader.text("path", check.path);
  if (const Json* codes = reader.find("expect_status", true)) {
    if (!codes->is_array() || codes->size() > kMaxStatusCodes) {
      reader.fail("\"expect_status\" must be an array of HTTP status codes");
    } else {
      check.expect_status.clear();
      for (const auto& code : *codes) {
        if (!code.is_number_unsigned() || code.get<std::uint64_t>() < 100 ||
            code.get<std::uint64_t>() > 999) {
          reader.fail("\"expect_status\" must be an array of HTTP status codes");
          break;
        }
        check.expect_status.push_back(static_cast<std::uint16_t>(code.get<std::uint64_t>()));
      }
    }
  }
  reader.text("expect_body", check.expect_body);
  reader.seconds("interval", check.interval);
  reader.seconds("timeout", check.timeout);
  reader.integer("rise", check.rise, 1, 0xffffffff);
  reader.integer("fall", check.fall, 1, 0xffffffff);
  reader.text("host", check.host);
  if (const Json* verify = reader.find("tls_verify", true)) {
    if (!verify->is_boolean()) {
      reader.fail("\"tls_verify\" must be true or false");
    } else {
      check.tls_verify = verify->get<bool>();
    }
  }
  zones::IpAddress target;
  reader.address("target", target, false);
  if (target.family != 0) check.target = target;
  reader.integer("target_port", check.target_port, 0, 0xffff);
  reader.text("expect_rcode", check.expect_rcode);
  std::string query;
  reader.text("query", query);
  if (reader.ok()) {
    std::string problem;
    zones::Name root;
    if (auto name = zones::Name::fromText(query, &root, &problem)) {
      check.query = *name;
    } else {
      reader.fail("\"query\" \"" + query + "\": " + problem);
    }
  }
  reader.integer("query_type", check.query_type, 1, 0xffff);
  reader.text("expect_answer", check.expect_answer, false);
  if (const Json* place = reader.find("where", false)) {
    if (!place->is_object()) {
      reader.fail("\"where\" must be {\"file\", \"line\", \"column\"}");
      return false;
    }
    Reader at(*place, where + "where: ", error);
    at.text("file", check.where.file, false);
    at.integer("line", check.where.line, 0, 0xffffffff, false);
    at.integer("column", check.where.column, 0, 0xffffffff, false);
    if (!at.ok()) return false;
  }
  return reader.ok();
}

}  // namespace

std::string targetId(const std::string& zone, const std::string& check,
                     const zones::IpAddress& endpoint) {
  return zone + "|" + check + "|" + endpoint.toString();
}

std::vector<CheckTarget> buildTargets(const std::vector<zones::Zone>& zones,
                                      const std::vector<zones::Cidr>& allow_nets,
                                      base::Diagnostics* errors) {
  std::vector<CheckTarget> targets;
  std::unordered_set<std::string> seen;  // ids built or refused
  for (const auto& zone : zones) {
    std::string origin = zone.origin.toText();
    for (const auto& service : zone.services) {
      if (service.check.empty()) continue;
      auto check = std::find_if(zone.checks.begin(), zone.checks.end(),
                                [&](const zones::Check& c) { return c.name == service.check; });
      if (check == zone.checks.end()) continue;  // the zone validator reports unknown checks
      for (const auto& pool : service.pools) {
        for (const auto& endpoint : pool.endpoints) {
          CheckTarget target;
          target.id = targetId(origin, check->name, endpoint);
          if (!seen.insert(target.id).second) continue;
          target.address = check->target.value_or(endpoint);
          if (!allowed(target.address, allow_nets)) {
            if (errors) {
              // Blame the line that wrote the address: the check's `target` or the pool.
              errors->push_back({check->target ? check->where : pool.where,
                                 "probe of " + target.address.toString() +
                                     " refused: not in [health] allow_nets (" +
                                     netsText(allow_nets) + ")"});
            }
            continue;
          }
          target.zone = origin;
          target.check = *check;
          target.endpoint = endpoint;
          target.port = check->target_port ? check->target_port : check->port;
          target.host = check->host.empty() ? hostOf(service.owner) : check->host;
          targets.push_back(std::move(target));
        }
      }
    }
  }
  return targets;
}

std::vector<CheckTarget> filterTargets(std::vector<CheckTarget> targets,
                                       const std::vector<zones::Cidr>& allow_nets,
                                       std::vector<std::string>* refusals) {
  std::vector<CheckTarget> kept;
  kept.reserve(targets.size());
  for (auto& target : targets) {
    if (allowed(target.address, allow_nets)) {
      kept.push_back(std::move(target));
    } else if (refusals) {
      refusals->push_back(target.id + ": probe of " + target.address.toString() +
                          " refused: not in [health] allow_nets (" + netsText(allow_nets) + ")");
    }
  }
  return kept;
}

std::string encodeTargets(const std::vector<CheckTarget>& targets) {
  OrderedJson list = OrderedJson::array();
  for (const auto& target : targets) {
    list.push_back({{"id", target.id},
                    {"zone", target.zone},
                    {"endpoint", target.endpoint.toString()},
                    {"address", target.address.toString()},
                    {"port", target.port},
                    {"host", target.host},
                    {"check", encodeCheck(target.check)}});
  }
  OrderedJson json = {{"targets", std::move(list)}};
  return json.dump(-1, ' ', false, OrderedJson::error_handler_t::replace);
}

std::optional<std::vector<CheckTarget>> decodeTargets(std::string_view json, std::string* error) {
  Json root = Json::parse(json.begin(), json.end(), nullptr, false);
  if (root.is_discarded() || !root.is_object()) {
    if (error) *error = "checks must be a JSON object {\"targets\": [...]}";
    return std::nullopt;
  }
  auto list = root.find("targets");
  if (list == root.end() || !list->is_array()) {
    if (error) *error = "\"targets\" must be an array";
    return std::nullopt;
  }
  if (list->size() > kMaxTargets) {
    if (error) *error = "more than " + std::to_string(kMaxTargets) + " targets";
    return std::nullopt;
  }
  std::vector<CheckTarget> targets(list->size());
  std::unordered_set<std::string> seen;
  for (std::size_t i = 0; i < list->size(); ++i) {
    const Json& entry = (*list)[i];
    std::string where = "targets[" + std::to_string(i) + "]: ";
    if (!entry.is_object()) {
      if (error) *error = where + "must be an object";
      return std::nullopt;
    }
    CheckTarget& target = targets[i];
    Reader reader(entry, where, error);
    reader.text("id", target.id);
    reader.text("zone", target.zone);
    reader.address("endpoint", target.endpoint);
    reader.address("address", target.address);
    reader.integer("port", target.port, 1, 0xffff);
    reader.text("host", target.host);
    if (reader.ok() && (target.id.empty() || !seen.insert(target.id).second)) {
      reader.fail("\"id\" \"" + target.id + "\" is empty or appears twice");
    }
    if (!reader.ok()) return std::nullopt;
    const Json* check = reader.find("check", true);
    if (!check || !decodeCheck(*check, where + "check: ", target.check, error)) {
      return std::nullopt;
    }
  }
  return targets;
}

}  // namespace nines::probers
