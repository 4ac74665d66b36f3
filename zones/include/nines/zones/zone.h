// The zone model: what a zone file says, validated, in wire form. Built by the loader, read by
// dnsd (which compiles it into its answer tables) and by ninesctl.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "nines/zones/diagnostic.h"
#include "nines/zones/name.h"

namespace nines::zones {

namespace rrtype {
inline constexpr std::uint16_t A = 1, NS = 2, CNAME = 5, SOA = 6, PTR = 12, HINFO = 13, MX = 15,
                               TXT = 16, AAAA = 28, SRV = 33, DNAME = 39, OPT = 41, DS = 43,
                               RRSIG = 46, NSEC = 47, DNSKEY = 48, TLSA = 52, SVCB = 64,
                               HTTPS = 65, IXFR = 251, AXFR = 252, MAILB = 253, MAILA = 254,
                               ANY = 255, CAA = 257;
}  // namespace rrtype
inline constexpr std::uint16_t kClassIN = 1;
inline constexpr std::uint32_t kMaxTtl = 0x7fffffff;  // RFC 2181 §8

struct Record {
  Name owner;              // absolute, case as written
  std::uint16_t type = 0;
  std::uint32_t ttl = 0;
  std::string rdata;       // uncompressed wire RDATA, names with case as written
  SourceLocation where;    // where the record's string sits in the zone file
};

struct Zone {
  Name origin;
  std::string file;                // path the zone came from
  std::uint32_t default_ttl = 3600;
  // Every record of the zone, the SOA built from [soa] included (owner = origin), in file order.
  std::vector<Record> records;
  std::uint32_t serial = 0;        // effective serial (derived from content when [soa] says 0)
  std::uint32_t negative_ttl = 0;  // RFC 2308 §5: min(SOA TTL, SOA minimum)
};

}  // namespace nines::zones
