// A domain name in uncompressed wire form (RFC 1035 §3.1): length-prefixed labels ending in the
// root label. Case is kept as written; comparisons are case-insensitive (RFC 4343).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace nines::zones {

inline constexpr std::size_t kMaxNameLength = 255;  // RFC 1035 §2.3.4, wire octets
inline constexpr std::size_t kMaxLabelLength = 63;

// ASCII-only lowering: DNS case-folding never touches octets outside A-Z (RFC 4343 §3).
constexpr std::uint8_t asciiLower(std::uint8_t c) noexcept {
  return (c >= 'A' && c <= 'Z') ? static_cast<std::uint8_t>(c + 32) : c;
}

class Name {
 public:
  Name();  // the root name

  // Checks that `wire` is one well-formed uncompressed name and nothing else.
  static std::optional<Name> fromWire(std::string_view wire);
  // Presentation format with \. and \DDD escapes; relative names are completed with `origin`,
  // "@" is the origin. Returns nullopt and fills `error` on failure.
  static std::optional<Name> fromText(std::string_view text, const Name* origin,
                                      std::string* error);

  std::string_view wire() const noexcept { return wire_; }
  std::size_t size() const noexcept { return wire_.size(); }
  std::size_t labelCount() const noexcept;  // the root label not counted
  bool isRoot() const noexcept { return wire_.size() == 1; }
  bool isWildcard() const noexcept { return wire_.size() >= 2 && wire_[0] == 1 && wire_[1] == '*'; }

  // This name without its leftmost label; the root's parent is the root.
  Name parent() const;
  // `label` + this name. Returns nullopt when the result would exceed 255 octets.
  std::optional<Name> prepend(std::string_view label) const;
  Name lowercased() const;
  std::string toText() const;

  // True when this name equals `ancestor` or lies below it.
  bool isSubdomainOf(const Name& ancestor) const noexcept;
  bool operator==(const Name& other) const noexcept;
  // Canonical DNS order (RFC 4034 §6.1) for deterministic output.
  bool operator<(const Name& other) const noexcept;

 private:
  explicit Name(std::string wire) : wire_(std::move(wire)) {}
  std::string wire_;
};

// A hash that agrees with Name::operator== (case-insensitive), for unordered containers of names:
// a loader looks up hundreds of thousands of them.
struct NameHash {
  std::size_t operator()(const Name& name) const noexcept { return (*this)(name.wire()); }
  std::size_t operator()(std::string_view wire) const noexcept;
};
// Case-insensitive equality of wire names, beside NameHash for containers keyed by wire views.
struct WireNameEqual {
  bool operator()(std::string_view a, std::string_view b) const noexcept;
};

// Case-insensitive equality of two wire names.
bool wireNamesEqual(std::string_view a, std::string_view b) noexcept;
// True when the well-formed wire name `name` equals `ancestor` or lies below it (the match must
// start on one of `name`'s label boundaries); case-insensitive.
bool wireIsSubdomain(std::string_view name, std::string_view ancestor) noexcept;

}  // namespace nines::zones
