// Pieces of zone-file text that tests build zones from.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace nines::testing {

// The opening of a zone file for `origin` ("example.test."), up to and including its "[records]"
// line: the default TTL 3600, and [soa] with mname ns1.ORIGIN, rname hostmaster.ORIGIN, `serial`,
// refresh 3600, retry 600, expire 1209600, `minimum` and, when `soa_ttl` is not 0, the SOA record's
// own TTL. Eleven lines (twelve with `soa_ttl`): the records start on the next one.
inline std::string zoneHead(const std::string& origin, std::uint32_t serial,
                            std::uint32_t minimum = 300, std::uint32_t soa_ttl = 0) {
  std::string head =
      "origin = \"" + origin + "\"\nttl = 3600\n[soa]\nmname = \"ns1." + origin +
      "\"\nrname = \"hostmaster." + origin + "\"\nserial = " + std::to_string(serial) +
      "\nrefresh = 3600\nretry = 600\nexpire = 1209600\nminimum = " + std::to_string(minimum) +
      "\n";
  if (soa_ttl != 0) head += "ttl = " + std::to_string(soa_ttl) + "\n";
  return head + "[records]\n";
}

// The line (from 1) on which `needle` first stands in `text`; 0 when it is not there. For
// expecting a diagnostic at the line of a zone file's entry without counting by hand.
inline int lineOf(const std::string& text, const std::string& needle) {
  const std::size_t at = text.find(needle);
  if (at == std::string::npos) return 0;
  int line = 1;
  for (std::size_t i = 0; i < at; ++i) line += text[i] == '\n' ? 1 : 0;
  return line;
}

// `count` distinct TXT records of `length` characters each ("NNN" then a run of one letter), as
// the comma-separated strings of a [records] array: a large RRset.
inline std::string txtRecords(int count, int length) {
  std::string records;
  for (int i = 0; i < count; ++i) {
    if (i > 0) records += ", ";
    std::string text = std::to_string(100 + i) + std::string(static_cast<std::size_t>(length - 3),
                                                             static_cast<char>('a' + i % 26));
    records += "\"TXT " + text + "\"";
  }
  return records;
}

}  // namespace nines::testing
