#include "toml_fields.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <tuple>

namespace nines::zones {

namespace {

constexpr std::size_t kQuoteLimit = 60;  // longer texts are cut in messages

bool isBareKey(std::string_view key) {
  if (key.empty()) return false;
  return std::all_of(key.begin(), key.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
  });
}

}  // namespace

std::string quoted(std::string_view text) {
  if (text.size() > kQuoteLimit) return '"' + std::string(text.substr(0, kQuoteLimit)) + "...\"";
  return '"' + std::string(text) + '"';
}

std::string describe(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a float";
    case toml::node_type::boolean:
      return "a boolean";
    default:
      return "a date or time";
  }
}

std::string listOf(std::span<const std::string_view> items) {
  std::string out;
  for (std::string_view item : items) out += (out.empty() ? "" : ", ") + std::string(item);
  return out;
}

std::string listOf(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

std::string tomlPath(std::initializer_list<std::string_view> parts) {
  std::string out;
  for (std::string_view part : parts) {
    if (!out.empty()) out += '.';
    out += isBareKey(part) ? std::string(part) : quoted(part);
  }
  return out;
}

std::string numberText(double value) {
  char buffer[32];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  return ec == std::errc() ? std::string(buffer, end) : std::to_string(value);
}

std::vector<std::pair<const toml::key*, const toml::node*>> inFileOrder(const toml::table& table) {
  std::vector<std::pair<const toml::key*, const toml::node*>> entries;
  for (auto&& [key, value] : table) entries.emplace_back(&key, &value);
  std::stable_sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
    const toml::source_position& pa = a.first->source().begin;
    const toml::source_position& pb = b.first->source().begin;
    return std::tie(pa.line, pa.column) < std::tie(pb.line, pb.column);
  });
  return entries;
}

std::optional<std::int64_t> TomlFields::integer(const toml::node& node, const std::string& what,
                                                std::int64_t min, std::int64_t max,
                                                std::string_view note) {
  const auto* value = node.as_integer();
  if (value == nullptr) {
    error(node.source(), what + " must be an integer, not " + describe(node));
    return std::nullopt;
  }
  std::int64_t number = value->get();
  if (number < 0 && min == 0) {
    error(node.source(), what + " " + std::to_string(number) + " is negative");
    return std::nullopt;
  }
  if (number < min || number > max) {
    error(node.source(), what + " " + std::to_string(number) + " is out of range (" +
                             std::to_string(min) + " to " + std::to_string(max) +
                             std::string(note) + ")");
    return std::nullopt;
  }
  return number;
}

std::optional<double> TomlFields::number(const toml::node& node, const std::string& what,
                                         double min, bool or_equal, std::string_view unit) {
  std::optional<double> value;
  if (const auto* i = node.as_integer()) value = static_cast<double>(i->get());
  if (const auto* f = node.as_floating_point()) value = f->get();
  if (!value) {
    error(node.source(),
          what + " must be a number" + std::string(unit) + ", not " + describe(node));
    return std::nullopt;
  }
  if (!std::isfinite(*value)) {
    error(node.source(), what + " must be a finite number, not " + numberText(*value));
    return std::nullopt;
  }
  if (or_equal && *value < min) {
    error(node.source(), what + " " + numberText(*value) +
                             (min == 0 ? " is negative" : " must be at least " + numberText(min)));
    return std::nullopt;
  }
  if (!or_equal && *value <= min) {
    error(node.source(), what + " " + numberText(*value) + " must be more than " + numberText(min));
    return std::nullopt;
  }
  return value;
}

std::optional<bool> TomlFields::boolean(const toml::node& node, const std::string& what) {
  const auto* value = node.as_boolean();
  if (value == nullptr) {
    error(node.source(), what + " must be true or false, not " + describe(node));
    return std::nullopt;
  }
  return value->get();
}

std::optional<std::string> TomlFields::string(const toml::node& node, const std::string& what) {
  const auto* value = node.as_string();
  if (value == nullptr) {
    error(node.source(), what + " must be a string, not " + describe(node));
    return std::nullopt;
  }
  return value->get();
}

const toml::table* TomlFields::table(const toml::node& node, const std::string& what,
                                     std::string_view hint) {
  const toml::table* value = node.as_table();
  if (value == nullptr) {
    error(node.source(), what + " must be a table" + std::string(hint) + ", not " + describe(node));
  }
  return value;
}

bool TomlFields::knownKeys(const toml::table& table, const std::string& what,
                           std::span<const std::string_view> known) {
  bool ok = true;
  for (const auto& [key, value] : inFileOrder(table)) {
    if (std::find(known.begin(), known.end(), key->str()) != known.end()) continue;
    error(key->source(), "unknown key " + quoted(key->str()) + " in [" + what + "] (expected " +
                             listOf(known) + ")");
    ok = false;
  }
  return ok;
}

bool TableReader::number(std::string_view key, double& out, double min, bool or_equal,
                         std::string_view unit) {
  const toml::node* node = get(key);
  if (node == nullptr) return false;
  auto value = fields_.number(*node, pathOf(key), min, or_equal, unit);
  if (value) out = *value;
  return check(value.has_value());
}

bool TableReader::number(std::string_view key, std::optional<double>& out, double min,
                         bool or_equal, std::string_view unit) {
  double value = 0;
  if (!number(key, value, min, or_equal, unit)) return false;
  out = value;
  return true;
}

bool TableReader::boolean(std::string_view key, bool& out) {
  const toml::node* node = get(key);
  if (node == nullptr) return false;
  auto value = fields_.boolean(*node, pathOf(key));
  if (value) out = *value;
  return check(value.has_value());
}

bool TableReader::string(std::string_view key, std::string& out) {
  const toml::node* node = get(key);
  if (node == nullptr) return false;
  auto value = fields_.string(*node, pathOf(key));
  if (value) out = std::move(*value);
  return check(value.has_value());
}

bool TableReader::choice(std::string_view key, std::string& out,
                         std::span<const std::string_view> choices) {
  std::string value;
  if (!string(key, value)) return false;
  if (std::find(choices.begin(), choices.end(), value) == choices.end()) {
    error(*get(key), pathOf(key) + " " + quoted(value) + " is not one of " + listOf(choices));
    return false;
  }
  out = std::move(value);
  return true;
}

void TableReader::missing(std::string_view key, std::string_view hint) {
  fields_.error(table_.source(), "[" + path_ + "] is missing " + quoted(key) + std::string(hint));
  ok_ = false;
}

}  // namespace nines::zones
