// Typed reading of TOML values for the zone file loader: every wrong value becomes a Diagnostic at
// the value's place in the file, and the caller gets nullopt. Private to the loader.
#pragma once

#include <toml++/toml.h>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "nines/base/diagnostic.h"
#include "nines/zones/zone.h"

namespace nines::zones {

// `text` in double quotes, cut after 60 characters.
std::string quoted(std::string_view text);
// "a string", "an integer" ...: what a node is, for "must be X, not Y" messages.
std::string describe(const toml::node& node);
// "a, b, c".
std::string listOf(std::span<const std::string_view> items);
std::string listOf(const std::vector<std::string>& items);
// A table path as TOML writes it: parts joined with dots, quoted when not a bare key
// ("services.\"api.v2\".ttl").
std::string tomlPath(std::initializer_list<std::string_view> parts);
// The shortest text that reads back as `value` ("0.5", "2", "1e+06").
std::string numberText(double value);

// The entries of `table` in the order the file writes them (TOML++ iterates in key order).
std::vector<std::pair<const toml::key*, const toml::node*>> inFileOrder(const toml::table& table);

class TomlFields {
 public:
  TomlFields(std::string path, base::Diagnostics& errors, NetsTexts& nets_texts)
      : path_(std::move(path)), errors_(errors), nets_texts_(nets_texts) {}

  base::SourceLocation at(const toml::source_region& region) const {
    return {path_, region.begin.line, region.begin.column};
  }
  const std::string& path() const { return path_; }  // the TOML file being read
  // Nets files by path: those given are used instead of the disk; those read are added.
  NetsTexts& netsTexts() { return nets_texts_; }
  // A problem in another file the TOML file names (a nets file).
  void error(base::SourceLocation where, std::string message) {
    errors_.push_back({std::move(where), std::move(message)});
  }
  void error(const toml::source_region& region, std::string message) {
    errors_.push_back({at(region), std::move(message)});
  }

  // Each reader takes the value of `what` (a tomlPath) and returns nullopt after reporting it.
  // An integer from `min` to `max`.
  std::optional<std::int64_t> integer(const toml::node& node, const std::string& what,
                                      std::int64_t min, std::int64_t max,
                                      std::string_view note = "");
  // A finite integer or float, more than `min` (or at least `min` when `or_equal`).
  std::optional<double> number(const toml::node& node, const std::string& what, double min,
                               bool or_equal, std::string_view unit = "");
  std::optional<bool> boolean(const toml::node& node, const std::string& what);
  std::optional<std::string> string(const toml::node& node, const std::string& what);
  // A table; `hint` follows "must be a table" (e.g. " of [regions.NAME] sections").
  const toml::table* table(const toml::node& node, const std::string& what,
                           std::string_view hint = "");
  // Reports every key of `table` not in `known` as unknown in [`what`]. Returns false if any.
  bool knownKeys(const toml::table& table, const std::string& what,
                 std::span<const std::string_view> known);

 private:
  std::string path_;
  base::Diagnostics& errors_;
  NetsTexts& nets_texts_;
};

// The fields of one table, read key by key into the model. A missing key leaves the target as it
// is (its default); a wrong one is reported and clears ok(). Each read returns true only when the
// key is present and valid, so callers can check it against other fields.
class TableReader {
 public:
  // `path` names the table in messages, e.g. tomlPath({"checks", "web"}).
  TableReader(TomlFields& fields, const toml::table& table, std::string path)
      : fields_(fields), table_(table), path_(std::move(path)) {}

  std::string pathOf(std::string_view key) const { return path_ + '.' + tomlPath({key}); }
  const toml::node* get(std::string_view key) const { return table_.get(key); }
  bool ok() const { return ok_; }

  template <typename Integer>
  bool integer(std::string_view key, Integer& out, std::int64_t min, std::int64_t max,
               std::string_view note = "") {
    const toml::node* node = get(key);
    if (node == nullptr) return false;
    auto value = fields_.integer(*node, pathOf(key), min, max, note);
    if (value) out = static_cast<Integer>(*value);
    return check(value.has_value());
  }
  template <typename Integer>
  bool integer(std::string_view key, std::optional<Integer>& out, std::int64_t min,
               std::int64_t max) {
    Integer value{};
    if (!integer(key, value, min, max)) return false;
    out = value;
    return true;
  }
  bool number(std::string_view key, double& out, double min, bool or_equal,
              std::string_view unit = "");
  bool number(std::string_view key, std::optional<double>& out, double min, bool or_equal,
              std::string_view unit = "");
  bool boolean(std::string_view key, bool& out);
  bool string(std::string_view key, std::string& out);
  // A string that must be one of `choices`.
  bool choice(std::string_view key, std::string& out, std::span<const std::string_view> choices);
  bool knownKeys(std::span<const std::string_view> known) {
    return check(fields_.knownKeys(table_, path_, known));
  }

  // "[path] is missing "key"" + hint, at the table.
  void missing(std::string_view key, std::string_view hint = "");
  // A problem with the value of a field.
  void error(const toml::node& node, std::string message) {
    fields_.error(node.source(), std::move(message));
    ok_ = false;
  }
  void error(const toml::source_region& region, std::string message) {
    fields_.error(region, std::move(message));
    ok_ = false;
  }
  // A problem of the table as a whole, reported where the table starts.
  void tableError(std::string message) {
    fields_.error(table_.source(), std::move(message));
    ok_ = false;
  }
  // A problem already reported elsewhere: the table is not valid.
  void fail() { ok_ = false; }

 private:
  bool check(bool good) {
    ok_ = ok_ && good;
    return good;
  }

  TomlFields& fields_;
  const toml::table& table_;
  std::string path_;
  bool ok_ = true;
};

}  // namespace nines::zones
