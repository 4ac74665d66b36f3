// Pieces of zone-file text that tests build zones from.
#pragma once

#include <cstddef>
#include <string>

namespace nines::testing {

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
