#include "rate_limit_config.h"

#include <set>

#include "toml_diagnostics.h"

namespace nines::dnsd {

void loadRateLimit(const toml::node& node, const std::string& file, RateLimitSettings& settings,
                   base::Diagnostics& errors) {
  const toml::table* table = node.as_table();
  if (!table) {
    errors.push_back(at(file, node.source(), "[rate_limit] must be a table"));
    return;
  }
  static const std::set<std::string> kKeys = {
      "responses_per_second", "window", "slip",     "ipv4_prefix",
      "ipv6_prefix",          "exempt", "log_only", "table_size"};
  rejectUnknownKeys(*table, kKeys, "[rate_limit]", file, errors);
  auto integer = [&](const char* key, long long min, long long max, auto& out) {
    const auto& value = (*table)[key];
    if (!value) return;
    auto number = value.value<long long>();
    if (!value.is_integer() || !number || *number < min || *number > max) {
      errors.push_back(at(file, value.node()->source(),
                          std::string(key) + " must be an integer from " + std::to_string(min) +
                              " to " + std::to_string(max)));
      return;
    }
    out = static_cast<std::remove_reference_t<decltype(out)>>(*number);
  };
  integer("responses_per_second", 0, 1000000, settings.responses_per_second);
  integer("window", 1, 3600, settings.window);
  integer("slip", 0, 10, settings.slip);
  integer("ipv4_prefix", 0, 32, settings.ipv4_prefix);
  integer("ipv6_prefix", 0, 128, settings.ipv6_prefix);
  if (const auto& size = (*table)["table_size"]) {
    auto value = size.value<long long>();
    if (!size.is_integer() || !value || *value < 1024 || *value > (1 << 24) ||
        (*value & (*value - 1)) != 0) {
      errors.push_back(at(file, size.node()->source(),
                          "table_size must be a power of two from 1024 to 16777216"));
    } else {
      settings.table_size = static_cast<std::size_t>(*value);
    }
  }
  if (const auto& log_only = (*table)["log_only"]) {
    if (!log_only.is_boolean()) {
      errors.push_back(at(file, log_only.node()->source(), "log_only must be true or false"));
    } else {
      settings.log_only = log_only.as_boolean()->get();
    }
  }
  if (const auto& exempt = (*table)["exempt"]) {
    const auto* array = exempt.as_array();
    if (!array) {
      errors.push_back(at(file, exempt.node()->source(),
                          "exempt must be an array of networks like \"192.0.2.0/24\""));
      return;
    }
    for (const auto& element : *array) {
      const auto* text = element.as_string();
      if (!text) {
        errors.push_back(
            at(file, element.source(), "exempt entries must be strings like \"192.0.2.0/24\""));
        continue;
      }
      std::string error;
      auto cidr = zones::Cidr::parse(text->get(), &error);
      if (!cidr) {
        errors.push_back(at(file, element.source(), "exempt \"" + text->get() + "\": " + error));
        continue;
      }
      settings.exempt.push_back(*cidr);
    }
  }
}

std::string describeRateLimit(const RateLimitSettings& settings) {
  if (!settings.enabled()) return "rate limit: off";
  std::string text = "rate limit: " + std::to_string(settings.responses_per_second) +
                     " responses/s per /" + std::to_string(settings.ipv4_prefix) + " and /" +
                     std::to_string(settings.ipv6_prefix) + " and response class, " +
                     std::to_string(settings.window) + " s of credit, ";
  text += settings.slip == 0 ? std::string("no slip")
          : settings.slip == 1
              ? std::string("every limited response slipped")
              : "one limited response in " + std::to_string(settings.slip) + " slipped";
  text += ", " + std::to_string(settings.exempt.size()) + " exempt network(s), " +
          std::to_string(settings.table_size) + " buckets per worker";
  if (settings.log_only) text += "; log_only: counted, nothing limited";
  return text;
}

}  // namespace nines::dnsd
