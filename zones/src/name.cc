#include "nines/zones/name.h"

#include <algorithm>
#include <array>
#include <cstring>

namespace nines::zones {

namespace {

// A wire name of at most 255 octets has at most 127 labels besides the root.
constexpr std::size_t kMaxLabels = 128;

// Offsets of each label's length octet, leftmost first, root excluded, into `offsets`; returns
// how many. On the stack: loaders sort and look up hundreds of thousands of names.
std::size_t labelOffsets(std::string_view wire, std::array<std::uint8_t, kMaxLabels>& offsets) {
  std::size_t count = 0, pos = 0;
  while (pos < wire.size() && wire[pos] != 0 && count < kMaxLabels) {
    offsets[count++] = static_cast<std::uint8_t>(pos);
    pos += 1 + static_cast<std::uint8_t>(wire[pos]);
  }
  return count;
}

int compareLabels(std::string_view a, std::string_view b) {
  std::size_t n = std::min(a.size(), b.size());
  for (std::size_t i = 0; i < n; ++i) {
    auto ca = asciiLower(static_cast<std::uint8_t>(a[i]));
    auto cb = asciiLower(static_cast<std::uint8_t>(b[i]));
    if (ca != cb) return ca < cb ? -1 : 1;
  }
  if (a.size() == b.size()) return 0;
  return a.size() < b.size() ? -1 : 1;
}

}  // namespace

Name::Name() : wire_(1, '\0') {}

std::optional<Name> Name::fromWire(std::string_view wire) {
  if (wire.empty() || wire.size() > kMaxNameLength) return std::nullopt;
  std::size_t pos = 0;
  while (true) {
    if (pos >= wire.size()) return std::nullopt;
    auto len = static_cast<std::uint8_t>(wire[pos]);
    if (len == 0) break;
    if (len > kMaxLabelLength) return std::nullopt;
    pos += 1 + len;
  }
  if (pos + 1 != wire.size()) return std::nullopt;
  return Name(std::string(wire));
}

std::optional<Name> Name::fromText(std::string_view text, const Name* origin, std::string* error) {
  auto fail = [&](std::string message) -> std::optional<Name> {
    if (error) *error = std::move(message);
    return std::nullopt;
  };
  if (text.empty()) return fail("empty name");
  if (text == "@") {
    if (!origin) return fail("\"@\" used without an origin");
    return *origin;
  }
  if (text == ".") return Name();

  std::string wire;
  std::string label;
  bool absolute = false;
  auto endLabel = [&]() -> bool {
    if (label.empty() || label.size() > kMaxLabelLength) return false;
    wire.push_back(static_cast<char>(label.size()));
    wire += label;
    label.clear();
    return true;
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\\') {
      if (i + 1 >= text.size()) return fail("name ends in a lone backslash");
      char next = text[i + 1];
      if (next >= '0' && next <= '9') {
        if (i + 3 >= text.size()) return fail("bad \\DDD escape");
        int value = 0;
        for (std::size_t k = 1; k <= 3; ++k) {
          char d = text[i + k];
          if (d < '0' || d > '9') return fail("bad \\DDD escape");
          value = value * 10 + (d - '0');
        }
        if (value > 255) return fail("\\DDD escape above 255");
        label.push_back(static_cast<char>(value));
        i += 3;
      } else {
        label.push_back(next);
        i += 1;
      }
      continue;
    }
    if (c == '.') {
      if (!endLabel()) {
        return fail(label.empty() ? "empty label in name" : "label longer than 63 octets");
      }
      if (i + 1 == text.size()) absolute = true;
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\n' || c == '"') return fail("whitespace or quote in name");
    label.push_back(c);
  }
  if (!absolute) {
    if (!endLabel())
      return fail(label.empty() ? "empty label in name" : "label longer than 63 octets");
    if (!origin) return fail("relative name used without an origin");
    wire.append(origin->wire());
  } else {
    wire.push_back('\0');
  }
  if (wire.size() > kMaxNameLength) return fail("name longer than 255 octets");
  return Name(std::move(wire));
}

std::size_t Name::labelCount() const noexcept {
  std::size_t count = 0, pos = 0;
  while (pos < wire_.size() && wire_[pos] != 0) {
    ++count;
    pos += 1 + static_cast<std::uint8_t>(wire_[pos]);
  }
  return count;
}

Name Name::parent() const {
  if (isRoot()) return *this;
  auto skip = 1 + static_cast<std::uint8_t>(wire_[0]);
  return Name(wire_.substr(skip));
}

std::optional<Name> Name::prepend(std::string_view label) const {
  if (label.empty() || label.size() > kMaxLabelLength) return std::nullopt;
  if (wire_.size() + 1 + label.size() > kMaxNameLength) return std::nullopt;
  std::string wire;
  wire.push_back(static_cast<char>(label.size()));
  wire += label;
  wire += wire_;
  return Name(std::move(wire));
}

Name Name::lowercased() const {
  std::string wire = wire_;
  std::size_t pos = 0;
  while (pos < wire.size() && wire[pos] != 0) {
    auto len = static_cast<std::uint8_t>(wire[pos]);
    for (std::size_t i = pos + 1; i <= pos + len; ++i) {
      wire[i] = static_cast<char>(asciiLower(static_cast<std::uint8_t>(wire[i])));
    }
    pos += 1 + len;
  }
  return Name(std::move(wire));
}

std::string Name::toText() const {
  if (isRoot()) return ".";
  std::string out;
  std::size_t pos = 0;
  while (pos < wire_.size() && wire_[pos] != 0) {
    auto len = static_cast<std::uint8_t>(wire_[pos]);
    for (std::size_t i = pos + 1; i <= pos + len; ++i) {
      auto c = static_cast<std::uint8_t>(wire_[i]);
      if (c == '.' || c == '\\' || c == '"' || c == '(' || c == ')' || c == ';' || c == '@' ||
          c == '$') {
        out.push_back('\\');
        out.push_back(static_cast<char>(c));
      } else if (c <= 0x20 || c >= 0x7f) {
        char buf[5];
        buf[0] = '\\';
        buf[1] = static_cast<char>('0' + c / 100);
        buf[2] = static_cast<char>('0' + (c / 10) % 10);
        buf[3] = static_cast<char>('0' + c % 10);
        out.append(buf, 4);
      } else {
        out.push_back(static_cast<char>(c));
      }
    }
    out.push_back('.');
    pos += 1 + len;
  }
  return out;
}

bool Name::isSubdomainOf(const Name& ancestor) const noexcept {
  return wireIsSubdomain(wire_, ancestor.wire_);
}

bool wireIsSubdomain(std::string_view name, std::string_view ancestor) noexcept {
  if (ancestor.size() > name.size()) return false;
  std::size_t pos = 0;
  std::size_t target = name.size() - ancestor.size();
  while (pos < target) pos += 1 + static_cast<std::uint8_t>(name[pos]);
  if (pos != target) return false;
  return wireNamesEqual(name.substr(pos), ancestor);
}

bool Name::operator==(const Name& other) const noexcept {
  return wireNamesEqual(wire_, other.wire_);
}

bool Name::operator<(const Name& other) const noexcept {
  std::array<std::uint8_t, kMaxLabels> a, b;
  const std::size_t a_count = labelOffsets(wire_, a);
  const std::size_t b_count = labelOffsets(other.wire_, b);
  std::size_t ia = a_count, ib = b_count;
  for (; ia > 0 && ib > 0; --ia, --ib) {
    const std::size_t at = a[ia - 1], bt = b[ib - 1];
    std::string_view la(wire_.data() + at + 1, static_cast<std::uint8_t>(wire_[at]));
    std::string_view lb(other.wire_.data() + bt + 1, static_cast<std::uint8_t>(other.wire_[bt]));
    int c = compareLabels(la, lb);
    if (c != 0) return c < 0;
  }
  return a_count < b_count;
}

bool WireNameEqual::operator()(std::string_view a, std::string_view b) const noexcept {
  return wireNamesEqual(a, b);
}

std::size_t NameHash::operator()(std::string_view wire) const noexcept {
  // Eight octets at a time with bit 0x20 set in each, which folds A-Z onto a-z (and a few other
  // octets onto each other: only a collision, equality stays exact); then a splitmix64 round.
  std::uint64_t hash = 0x9E3779B97F4A7C15ull ^ wire.size();
  auto mix = [&hash](std::uint64_t word) {
    hash ^= word | 0x2020202020202020ull;
    hash *= 0xbf58476d1ce4e5b9ull;
    hash ^= hash >> 31;
  };
  std::size_t pos = 0;
  for (; pos + 8 <= wire.size(); pos += 8) {
    std::uint64_t word;
    std::memcpy(&word, wire.data() + pos, 8);
    mix(word);
  }
  if (pos < wire.size()) {
    std::uint64_t word = 0;
    std::memcpy(&word, wire.data() + pos, wire.size() - pos);
    mix(word);
  }
  hash ^= hash >> 29;
  hash *= 0x94d049bb133111ebull;
  return static_cast<std::size_t>(hash ^ (hash >> 32));
}

bool wireNamesEqual(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (asciiLower(static_cast<std::uint8_t>(a[i])) != asciiLower(static_cast<std::uint8_t>(b[i])))
      return false;
  }
  return true;
}

}  // namespace nines::zones
