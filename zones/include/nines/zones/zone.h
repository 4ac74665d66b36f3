// The zone model: what a zone file says, validated, in wire form. Built by the loader, read by
// dnsd (which compiles it into its answer tables) and by ninesctl.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "nines/base/diagnostic.h"
#include "nines/zones/ip.h"
#include "nines/zones/name.h"

namespace nines::zones {

namespace rrtype {
inline constexpr std::uint16_t A = 1, NS = 2, CNAME = 5, SOA = 6, PTR = 12, HINFO = 13, MX = 15,
                               TXT = 16, AAAA = 28, SRV = 33, DNAME = 39, OPT = 41, DS = 43,
                               RRSIG = 46, NSEC = 47, DNSKEY = 48, TLSA = 52, SVCB = 64, HTTPS = 65,
                               IXFR = 251, AXFR = 252, MAILB = 253, MAILA = 254, ANY = 255,
                               CAA = 257;
}  // namespace rrtype
inline constexpr std::uint16_t kClassIN = 1;
inline constexpr std::uint32_t kMaxTtl = 0x7fffffff;  // RFC 2181 §8

// A place in the zone's own file (Zone::file): a record does not carry the path, one string per
// record was a good part of a large zone's load time.
struct FilePosition {
  std::uint32_t line = 0;    // 1-based; 0 when unknown
  std::uint32_t column = 0;  // 1-based; 0 when unknown
};

struct Record {
  Name owner;  // absolute, case as written
  std::uint16_t type = 0;
  std::uint32_t ttl = 0;
  std::string rdata;   // uncompressed wire RDATA, names with case as written
  FilePosition where;  // where the record's string sits in the zone file
};

// Traffic management (DESIGN.md "Policies"): regions, health checks and services.

struct GeoPoint {
  double latitude = 0;   // degrees, -90..90
  double longitude = 0;  // degrees, -180..180
};

struct Region {
  std::string name;
  std::optional<GeoPoint> location;
  bool drain = false;  // true: every pool of this region is out of answers
  base::SourceLocation where;
};

// A health check as [checks.NAME] declares it; the probers (a later part) run it.
struct Check {
  std::string name;
  std::string type = "http";  // http | https | tcp | dns
  std::uint16_t port = 0;
  std::string path = "/";
  std::vector<std::uint16_t> expect_status = {200};
  std::string expect_body;
  double interval = 2.0;
  double timeout = 1.0;
  std::uint32_t rise = 2;
  std::uint32_t fall = 2;
  // For the prober's other transports; each applies where it makes sense and is ignored elsewhere.
  std::string host;        // http/https: Host header and TLS server name; empty: the address
  bool tls_verify = true;  // https: verify the certificate (chain and, with `host`, the name)
  std::optional<IpAddress> target;         // probe this address instead of each endpoint
  std::uint16_t target_port = 0;           // the port of target "ADDR:PORT"; 0: `port`
  std::string expect_rcode = "NOERROR";    // dns: the response code that counts as up (upper case)
  Name query;                              // dns: the name asked; the loader's default: the origin
  std::uint16_t query_type = rrtype::SOA;  // dns: the type asked
  // dns: RDATA (presentation form, e.g. "192.0.2.1") one record of the answer section must have;
  // empty: any answer will do.
  std::string expect_answer;
  base::SourceLocation where;
};

enum class PolicyKind { Geo, Latency, Weighted, Failover };
enum class Fallback { All, None };

struct Pool {
  std::string region;
  std::uint32_t weight = 100;
  std::optional<std::uint32_t> capacity;  // requests/s the pool can carry
  std::uint32_t min_up = 1;               // fewer healthy endpoints than this: the region is down
  bool drain = false;
  std::vector<IpAddress> endpoints;  // in file order
  base::SourceLocation where;
};

// The most networks one service's geo rules may hold (`nets` and `nets_file` together): the
// compiled table numbers its values in 23 bits (policy/prefix_table.h).
inline constexpr std::size_t kMaxServiceGeoNets = 8'000'000;

// [services.X.geo]: ordered region lists by client continent, country or network.
struct GeoRules {
  std::map<std::string, std::vector<std::string>> continent;  // "EU" -> regions
  std::map<std::string, std::vector<std::string>> country;    // "IN" -> regions
  // `nets` then the lines of `nets_file`, in file order.
  std::vector<std::pair<Cidr, std::vector<std::string>>> nets;
  std::string nets_file;  // the nets file read (nets_file.h), as a path; empty: none
};

struct Service {
  std::string name;  // the key in [services], e.g. "www"
  Name owner;        // name + origin: the DNS name it answers
  PolicyKind policy = PolicyKind::Geo;
  std::uint32_t ttl = 30;
  // The TTL while a region of the service is unstable (changed, ramping or (un)drained within
  // the last ttl_calm seconds); none: always ttl.
  std::optional<std::uint32_t> ttl_unstable;
  std::uint32_t ttl_calm = 300;  // seconds
  std::uint32_t answers = 1;     // addresses per answer (multivalue)
  Fallback fallback = Fallback::All;
  std::string check;               // name of a [checks] entry; empty: not checked
  std::vector<std::string> order;  // failover order / default region order
  double slow_start = 0;           // seconds to ramp a recovered region to its full share
  std::optional<double> expected_load;
  std::vector<Pool> pools;  // one per region the service runs in, in file order
  GeoRules geo;
  base::SourceLocation where;
};

// Nets files (zones/README.md) by path, as read with a zone.
using NetsTexts = std::map<std::string, std::shared_ptr<const std::string>>;

struct Zone {
  Name origin;
  std::string file;  // path the zone came from
  // The content of `file` this zone was read from: a server that keeps it instead of the model
  // (a fraction of its size) can read the zone again with loadZoneText().
  std::shared_ptr<const std::string> text;
  // The nets files read with `text`: loadZoneText() given them reads the zone exactly as it was,
  // whatever the files on disk say now.
  NetsTexts nets_texts;
  std::uint32_t default_ttl = 3600;
  // Every record of the zone, the SOA built from [soa] included (owner = origin), in file order.
  std::vector<Record> records;
  std::uint32_t serial = 0;        // effective serial (derived from content when [soa] says 0)
  std::uint32_t negative_ttl = 0;  // RFC 2308 §5: min(SOA TTL, SOA minimum)
  std::vector<Region> regions;
  std::vector<Check> checks;
  std::vector<Service> services;
};

}  // namespace nines::zones
