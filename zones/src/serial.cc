#include "nines/zones/serial.h"

#include <algorithm>
#include <string>
#include <tuple>

#include "nines/zones/record_parser.h"

namespace nines::zones {

namespace {

// Offset just past the uncompressed wire name starting at `pos`, or `wire.size()` when it runs off.
std::size_t skipName(const std::string& wire, std::size_t pos) {
  while (pos < wire.size() && wire[pos] != 0) pos += 1 + static_cast<std::uint8_t>(wire[pos]);
  return std::min(pos + 1, wire.size());
}

struct CanonicalRecord {
  Name owner;
  std::uint16_t type;
  std::uint32_t ttl;
  std::string rdata;
  bool operator<(const CanonicalRecord& other) const {
    if (owner < other.owner) return true;
    if (other.owner < owner) return false;
    return std::tie(type, rdata, ttl) < std::tie(other.type, other.rdata, other.ttl);
  }
};

}  // namespace

std::uint32_t contentSerial(const std::vector<Record>& records) {
  std::vector<CanonicalRecord> canonical;
  canonical.reserve(records.size());
  for (const Record& record : records) {
    CanonicalRecord c{record.owner.lowercased(), record.type, record.ttl, canonicalRdata(record)};
    if (c.type == rrtype::SOA) {
      std::size_t serial_at = skipName(c.rdata, skipName(c.rdata, 0));
      for (std::size_t i = serial_at; i < serial_at + 4 && i < c.rdata.size(); ++i) c.rdata[i] = 0;
    }
    canonical.push_back(std::move(c));
  }
  std::sort(canonical.begin(), canonical.end());

  // FNV-1a, 32 bit: offset basis 2166136261, prime 16777619.
  std::uint32_t hash = 2166136261u;
  auto feed = [&](std::string_view bytes) {
    for (char c : bytes) {
      hash ^= static_cast<std::uint8_t>(c);
      hash *= 16777619u;
    }
  };
  auto feedInt = [&](std::uint64_t value, int octets) {
    for (int shift = (octets - 1) * 8; shift >= 0; shift -= 8) {
      char octet = static_cast<char>((value >> shift) & 0xff);
      feed(std::string_view(&octet, 1));
    }
  };
  for (const CanonicalRecord& c : canonical) {
    feed(c.owner.wire());
    feedInt(c.type, 2);
    feedInt(kClassIN, 2);
    feedInt(c.ttl, 4);
    feedInt(c.rdata.size(), 2);
    feed(c.rdata);
  }
  return hash == 0 ? 1 : hash;
}

}  // namespace nines::zones
