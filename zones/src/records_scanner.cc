#include "nines/zones/records_scanner.h"

#include <algorithm>

namespace nines::zones {

namespace {

bool isBlank(char c) { return c == ' ' || c == '\t'; }  // TOML whitespace
bool isBareKeyChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-';
}
// Printable ASCII and tab: what a plain line may hold outside its strings' escapes. Anything else
// (control characters, UTF-8 that TOML++ validates) is left to TOML++.
bool isPlainChar(char c) { return c == '\t' || (c >= 0x20 && c <= 0x7e); }

// One line being scanned; every method returns false when the line is not plain.
class LineScanner {
 public:
  LineScanner(std::string_view line, std::string& strings) : line_(line), strings_(strings) {}

  std::size_t pos() const { return pos_; }

  void skipBlanks() {
    while (pos_ < line_.size() && isBlank(line_[pos_])) ++pos_;
  }
  bool atEnd() const { return pos_ == line_.size(); }
  bool peek(char c) const { return pos_ < line_.size() && line_[pos_] == c; }
  bool take(char c) {
    if (!peek(c)) return false;
    ++pos_;
    return true;
  }

  // A bare key, or a quoted one without escapes: its text is a view of the line.
  bool key(std::string_view& out) {
    const std::size_t start = pos_;
    if (take('"')) {
      while (pos_ < line_.size() && line_[pos_] != '"') {
        if (line_[pos_] == '\\' || !isPlainChar(line_[pos_]) || line_[pos_] == '\t') return false;
        ++pos_;
      }
      if (!take('"') || pos_ - start == 2) return false;  // unterminated, or "" (left to TOML++)
      out = line_.substr(start + 1, pos_ - start - 2);
      return true;
    }
    while (pos_ < line_.size() && isBareKeyChar(line_[pos_])) ++pos_;
    out = line_.substr(start, pos_ - start);
    return pos_ > start;
  }

  // A basic string with the simple escapes, decoded onto `strings_`.
  bool string() {
    if (!take('"')) return false;
    while (pos_ < line_.size()) {
      // A run of plain characters at once: most strings have no escape at all.
      const std::size_t run = pos_;
      while (pos_ < line_.size() && line_[pos_] != '"' && line_[pos_] != '\\' &&
             isPlainChar(line_[pos_])) {
        ++pos_;
      }
      strings_.append(line_.data() + run, pos_ - run);
      if (pos_ == line_.size()) return false;
      const char c = line_[pos_++];
      if (c == '"') return true;
      if (c != '\\') return false;  // not plain
      if (pos_ == line_.size()) return false;
      switch (line_[pos_++]) {
        case '"':
          strings_.push_back('"');
          break;
        case '\\':
          strings_.push_back('\\');
          break;
        case 'b':
          strings_.push_back('\b');
          break;
        case 't':
          strings_.push_back('\t');
          break;
        case 'n':
          strings_.push_back('\n');
          break;
        case 'f':
          strings_.push_back('\f');
          break;
        case 'r':
          strings_.push_back('\r');
          break;
        default:
          return false;  // \u, \U and anything invalid: TOML++'s business
      }
    }
    return false;
  }

  // The end of a line: blanks, then a comment of plain characters or nothing.
  bool end() {
    skipBlanks();
    if (take('#')) {
      for (; pos_ < line_.size(); ++pos_) {
        if (!isPlainChar(line_[pos_])) return false;
      }
    }
    return atEnd();
  }

 private:
  std::string_view line_;
  std::string& strings_;
  std::size_t pos_ = 0;
};

// `line` (without its line break) is "[records]", with blanks and a comment allowed around it.
bool isRecordsHeader(std::string_view line) {
  std::string discard;
  LineScanner scan(line, discard);
  scan.skipBlanks();
  for (char c : std::string_view("[records]")) {
    if (!scan.take(c)) return false;
  }
  return scan.end();
}

// Adds the brackets and braces `line` opens, less those it closes, outside strings and comments,
// to `depth`. A line left to TOML++ that opens an array and does not close it starts a value that
// goes on over the next lines, and those lines are TOML++'s too, however plain they look (a line
// `"a" = ["TXT x"]` inside an array is two elements and an error, not a record). False when the
// line closes more than was open or leaves a string open: not for the scanner to reason about.
bool trackBrackets(std::string_view line, int& depth) {
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (c == '#') break;
    if (c == '"' || c == '\'') {
      // A one-line string: basic ("...", with escapes) or literal ('...', without).
      std::size_t j = i + 1;
      while (j < line.size() && line[j] != c) j += (c == '"' && line[j] == '\\') ? 2 : 1;
      if (j >= line.size()) return false;
      i = j;
    } else if (c == '[' || c == '{') {
      ++depth;
    } else if ((c == ']' || c == '}') && --depth < 0) {
      return false;
    }
  }
  return true;
}

}  // namespace

ScannedRecords scanRecords(std::string_view text) {
  ScannedRecords out;
  // A line "[records]" inside a multi-line string is not a header; so no multi-line string may
  // come before it. (Multi-line arrays cannot hold such a line and still be valid TOML.)
  std::size_t pos = 0;
  std::uint32_t line_number = 0;
  bool found = false;
  while (pos < text.size()) {
    std::size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos) eol = text.size();
    ++line_number;
    std::string_view line = text.substr(pos, eol - pos);
    if (line.find("\"\"\"") != std::string_view::npos ||
        line.find("'''") != std::string_view::npos) {
      return out;
    }
    pos = eol + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (isRecordsHeader(line)) {
      found = true;
      break;
    }
  }
  if (!found || pos >= text.size()) return out;

  // From here every plain line is taken and emptied in `rest`; a line that is not plain stays for
  // TOML++ (a multi-line array and every line up to its end, an inline table, a dotted key ...).
  // A line with a multi-line
  // string ends the scan: the lines after it might be inside the string. So does a table header.
  out.rest.reserve(text.size());
  out.rest.append(text.substr(0, pos));
  // Room for a line per entry and two strings per line, allocated once.
  const auto lines = static_cast<std::size_t>(std::count(
                         text.begin() + static_cast<std::ptrdiff_t>(pos), text.end(), '\n')) +
                     1;
  out.entries.reserve(lines);
  out.values.reserve(2 * lines);
  out.keys.reserve(lines);
  out.strings.reserve(text.size() - pos);
  int open_brackets = 0;  // of the lines left to TOML++ so far
  while (pos < text.size()) {
    std::size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos) eol = text.size();
    ++line_number;
    std::string_view raw = text.substr(pos, eol - pos);
    std::string_view line = raw;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);

    const std::size_t strings_before = out.strings.size();
    const std::size_t values_before = out.values.size();
    if (line.find("\"\"\"") != std::string_view::npos ||
        line.find("'''") != std::string_view::npos) {
      break;
    }
    if (open_brackets > 0) {
      if (!trackBrackets(line, open_brackets)) break;
      out.rest.append(raw);
      if (eol < text.size()) out.rest.push_back('\n');
      pos = eol + 1;
      continue;
    }
    LineScanner scan(line, out.strings);
    scan.skipBlanks();
    if (scan.peek('[')) break;
    ScannedRecords::Entry entry;
    entry.line = line_number;
    entry.column = static_cast<std::uint32_t>(scan.pos() + 1);
    bool plain = !scan.atEnd() && !scan.peek('#') && scan.key(entry.key);
    if (plain) {
      scan.skipBlanks();
      plain = scan.take('=');
    }
    if (plain) {
      scan.skipBlanks();
      plain = scan.take('[');
    }
    if (plain) {
      entry.first_value = static_cast<std::uint32_t>(out.values.size());
      scan.skipBlanks();
      while (plain && !scan.peek(']')) {
        ScannedRecords::Value value;
        value.line = line_number;
        value.column = static_cast<std::uint32_t>(scan.pos() + 1);
        value.offset = static_cast<std::uint32_t>(out.strings.size());
        plain = scan.string();
        value.size = static_cast<std::uint32_t>(out.strings.size() - value.offset);
        out.values.push_back(value);
        scan.skipBlanks();
        if (plain && !scan.take(',')) break;
        scan.skipBlanks();
      }
      plain = plain && scan.take(']') && scan.end();
    }
    if (!plain) {
      if (!trackBrackets(line, open_brackets)) break;
      out.strings.resize(strings_before);
      out.values.resize(values_before);
      out.rest.append(raw);
    } else {
      entry.value_count = static_cast<std::uint32_t>(out.values.size() - entry.first_value);
      if (!out.keys.insert(entry.key).second) out.duplicate_keys = true;
      out.entries.push_back(entry);
    }
    if (eol < text.size()) out.rest.push_back('\n');
    pos = eol + 1;
  }
  if (pos < text.size()) out.rest.append(text.substr(pos));
  out.used = !out.entries.empty();
  if (!out.used) {
    out.rest.clear();
    out.values.clear();
    out.strings.clear();
    out.keys.clear();
  }
  return out;
}

}  // namespace nines::zones
