#include "common_rdata.h"

#include <arpa/inet.h>

#include <array>

#include "nines/zones/zone.h"

namespace nines::zones {

namespace {

bool isBlank(char c) { return c == ' ' || c == '\t'; }

// Octets ldns's tokenizer gives a meaning to (quotes, escapes, comments, multi-line parentheses),
// control characters and non-ASCII: text holding one goes to ldns.
bool isPlain(char c) {
  auto u = static_cast<unsigned char>(c);
  return u > 0x20 && u < 0x7f && c != '"' && c != '\\' && c != ';' && c != '(' && c != ')';
}

// The blank-separated words of `text`, when each is plain; at most N, else nullopt.
template <std::size_t N>
std::optional<std::size_t> plainWords(std::string_view text,
                                      std::array<std::string_view, N>& words) {
  std::size_t count = 0, pos = 0;
  while (true) {
    while (pos < text.size() && isBlank(text[pos])) ++pos;
    if (pos == text.size()) return count;
    if (count == N) return std::nullopt;
    std::size_t start = pos;
    while (pos < text.size() && !isBlank(text[pos])) {
      if (!isPlain(text[pos])) return std::nullopt;
      ++pos;
    }
    words[count++] = text.substr(start, pos - start);
  }
}

// A 16-bit field as ldns reads one (decimal, leading zeros allowed), only in the plain form.
std::optional<std::uint16_t> readU16(std::string_view word) {
  if (word.empty() || word.size() > 5) return std::nullopt;
  std::uint32_t value = 0;
  for (char c : word) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<std::uint32_t>(c - '0');
  }
  if (value > 0xffff) return std::nullopt;
  return static_cast<std::uint16_t>(value);
}

void putU16(std::string& out, std::uint16_t value) {
  out.push_back(static_cast<char>(value >> 8));
  out.push_back(static_cast<char>(value));
}

// A domain name word without escapes: "@", ".", absolute, or relative to `origin`. Appends its
// wire form to `out`; false when it needs ldns (empty labels, too long, "@" inside a name).
bool appendName(std::string_view word, const Name& origin, std::string& out) {
  if (word == "@") {
    out.append(origin.wire());
    return true;
  }
  if (word == ".") {
    out.push_back('\0');
    return true;
  }
  const std::size_t start = out.size();
  std::size_t pos = 0;
  bool absolute = false;
  while (pos < word.size()) {
    std::size_t dot = word.find('.', pos);
    std::size_t end = dot == std::string_view::npos ? word.size() : dot;
    std::size_t length = end - pos;
    if (length == 0 || length > kMaxLabelLength) return false;
    for (std::size_t i = pos; i < end; ++i) {
      if (word[i] == '@') return false;
    }
    out.push_back(static_cast<char>(length));
    out.append(word.substr(pos, length));
    if (dot == std::string_view::npos) break;
    pos = dot + 1;
    if (pos == word.size()) absolute = true;
  }
  if (absolute) {
    out.push_back('\0');
  } else {
    out.append(origin.wire());
  }
  return out.size() - start <= kMaxNameLength;
}

// TXT: one or more "quoted" strings of printable ASCII without escapes, each at most 255 octets.
std::optional<std::string> txtRdata(std::string_view text) {
  std::string out;
  std::size_t pos = 0;
  bool any = false;
  while (true) {
    while (pos < text.size() && isBlank(text[pos])) ++pos;
    if (pos == text.size()) break;
    if (text[pos] != '"') return std::nullopt;
    std::size_t close = text.find('"', pos + 1);
    if (close == std::string_view::npos) return std::nullopt;
    std::string_view content = text.substr(pos + 1, close - pos - 1);
    if (content.size() > 255) return std::nullopt;
    for (char c : content) {  // inside quotes ';' and parentheses are text to ldns too
      auto u = static_cast<unsigned char>(c);
      if (u < 0x20 || u >= 0x7f || c == '\\') return std::nullopt;
    }
    // A quote must be followed by a blank or the end: "a"b is ldns's to judge.
    if (close + 1 < text.size() && !isBlank(text[close + 1])) return std::nullopt;
    out.push_back(static_cast<char>(content.size()));
    out.append(content);
    any = true;
    pos = close + 1;
  }
  if (!any || out.size() > 0xffff) return std::nullopt;
  return out;
}

// Lowercases the uncompressed wire name at `rdata[pos]` in place; the offset after it, or 0 when
// it runs off the end.
std::size_t lowerNameAt(std::string& rdata, std::size_t pos) {
  while (pos < rdata.size()) {
    auto length = static_cast<std::uint8_t>(rdata[pos]);
    if (length == 0) return pos + 1;
    if (length > kMaxLabelLength || pos + 1 + length > rdata.size()) return 0;
    for (std::size_t i = pos + 1; i <= pos + length; ++i) {
      rdata[i] = static_cast<char>(asciiLower(static_cast<std::uint8_t>(rdata[i])));
    }
    pos += 1 + length;
  }
  return 0;
}

}  // namespace

std::uint16_t commonTypeFromName(std::string_view word) noexcept {
  struct Mnemonic {
    std::string_view name;
    std::uint16_t type;
  };
  static constexpr std::array<Mnemonic, 10> kCommon = {{{"A", rrtype::A},
                                                        {"AAAA", rrtype::AAAA},
                                                        {"TXT", rrtype::TXT},
                                                        {"CNAME", rrtype::CNAME},
                                                        {"NS", rrtype::NS},
                                                        {"MX", rrtype::MX},
                                                        {"PTR", rrtype::PTR},
                                                        {"SRV", rrtype::SRV},
                                                        {"CAA", rrtype::CAA},
                                                        {"SOA", rrtype::SOA}}};
  for (const Mnemonic& m : kCommon) {
    if (m.name.size() != word.size()) continue;
    bool same = true;
    for (std::size_t i = 0; i < word.size() && same; ++i) {
      same = (word[i] & ~0x20) == m.name[i];
    }
    if (same) return m.type;
  }
  return 0;
}

std::optional<std::string> parseCommonRdata(std::uint16_t type, std::string_view text,
                                            const Name& origin) {
  if (type == rrtype::TXT) return txtRdata(text);
  std::array<std::string_view, 4> words;
  auto count = plainWords(text, words);
  if (!count) return std::nullopt;
  std::string out;
  switch (type) {
    case rrtype::A:
    case rrtype::AAAA: {
      if (*count != 1 || words[0].size() > 45) return std::nullopt;
      char address[46];
      words[0].copy(address, words[0].size());
      address[words[0].size()] = '\0';
      std::array<unsigned char, 16> bytes;
      if (inet_pton(type == rrtype::A ? AF_INET : AF_INET6, address, bytes.data()) != 1) {
        return std::nullopt;
      }
      out.assign(reinterpret_cast<const char*>(bytes.data()), type == rrtype::A ? 4 : 16);
      return out;
    }
    case rrtype::CNAME:
    case rrtype::NS:
    case rrtype::PTR:
      if (*count != 1 || !appendName(words[0], origin, out)) return std::nullopt;
      return out;
    case rrtype::MX: {
      if (*count != 2) return std::nullopt;
      auto preference = readU16(words[0]);
      if (!preference) return std::nullopt;
      putU16(out, *preference);
      if (!appendName(words[1], origin, out)) return std::nullopt;
      return out;
    }
    case rrtype::SRV: {
      if (*count != 4) return std::nullopt;
      for (std::size_t i = 0; i < 3; ++i) {
        auto field = readU16(words[i]);
        if (!field) return std::nullopt;
        putU16(out, *field);
      }
      if (!appendName(words[3], origin, out)) return std::nullopt;
      return out;
    }
    default:
      return std::nullopt;
  }
}

std::optional<std::string> commonCanonicalRdata(std::uint16_t type, std::string_view rdata) {
  std::string out(rdata);
  switch (type) {
    case rrtype::A:
    case rrtype::AAAA:
    case rrtype::TXT:
      return out;
    case rrtype::CNAME:
    case rrtype::NS:
    case rrtype::PTR:
      if (lowerNameAt(out, 0) != out.size()) return std::nullopt;
      return out;
    case rrtype::MX:
      if (out.size() < 3 || lowerNameAt(out, 2) != out.size()) return std::nullopt;
      return out;
    case rrtype::SRV:
      if (out.size() < 7 || lowerNameAt(out, 6) != out.size()) return std::nullopt;
      return out;
    case rrtype::SOA: {
      std::size_t after_rname = 0;
      if (std::size_t after_mname = lowerNameAt(out, 0))
        after_rname = lowerNameAt(out, after_mname);
      if (after_rname == 0 || out.size() - after_rname != 20) return std::nullopt;
      return out;
    }
    default:
      return std::nullopt;
  }
}

}  // namespace nines::zones
