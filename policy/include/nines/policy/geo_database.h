// The GeoIP side of ClientLocator: one or more MaxMind DB files (libmaxminddb), read through the
// field paths the operator names, with a cache of the networks already looked up.
//
// Lookup rule: the files are asked in order, and the first one that has an entry for the address
// decides it; a file that does not hold the address's family (an IPv6 address in an IPv4-only
// file) is skipped. So IPv4 and IPv6 files that come apart (ip-location-db's packages) work in any
// order, and a fuller database put before a coarser one wins where both know the address. The
// network a result holds for is the narrowest network of every file asked (each file's network
// around the address contains it, so their intersection is the longest of them).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "nines/zones/ip.h"

namespace nines::policy {

// Where in a database's records each field is: a path of map keys (and array indexes) joined by
// dots, "" for a field not read. The defaults are GeoIP2 / GeoLite2 City's and ASN's layout.
struct GeoFields {
  std::string continent = "continent.code";
  std::string country = "country.iso_code";
  std::string latitude = "location.latitude";
  std::string longitude = "location.longitude";
  std::string asn = "autonomous_system_number";
  bool operator==(const GeoFields&) const = default;
};

struct GeoDatabaseOptions {
  std::vector<std::string> files;  // in lookup order; empty: no database
  GeoFields fields;
  // Networks kept by the lookup cache (rounded up to a power of two; about 64 octets each);
  // 0: no cache, every lookup walks the databases' trees.
  std::size_t cache_entries = 262144;
};

// What the databases say about the network around one address.
struct GeoRecord {
  std::uint8_t prefix = 0;  // the network's length: what the record holds for
  bool found = false;       // some file has an entry (which may still have none of the fields)
  bool has_point = false;
  char continent[3] = {};  // from the continent field, else from the country code
  char country[3] = {};
  std::uint32_t asn = 0;
  double latitude = 0;
  double longitude = 0;
};

// The lookup cache's counts since the process started, over every database opened (so that a
// reload does not reset a Prometheus counter).
struct GeoCacheCounts {
  std::uint64_t hits = 0;
  std::uint64_t misses = 0;
};
GeoCacheCounts geoCacheCounts() noexcept;

class GeoDatabase {
 public:
  // Opens every file, mapping a private copy of it (base::MemoryCopy) so that the file can be
  // replaced in any way under a running dnsd; the file itself when no copy can be made. Returns
  // null with `error` set, and `failed_file` the index of the file, when one cannot be opened or
  // a field path is empty between dots.
  static std::unique_ptr<GeoDatabase> open(const GeoDatabaseOptions& options, std::string* error,
                                           std::size_t* failed_file = nullptr);
  ~GeoDatabase();
  GeoDatabase(const GeoDatabase&) = delete;
  GeoDatabase& operator=(const GeoDatabase&) = delete;

  // Through the cache. Never allocates, never blocks; safe to call from many threads at once.
  GeoRecord locate(const zones::IpAddress& address) const noexcept;
  // The same answer from the trees alone (tests compare the two).
  GeoRecord locateUncached(const zones::IpAddress& address) const noexcept;
  std::size_t cacheEntries() const noexcept { return cache_ ? cache_mask_ + 1 : 0; }

  struct Slot;  // a cache entry (geo_database.cc)

 private:
  GeoDatabase();
  struct File;
  struct Paths;
  std::vector<std::unique_ptr<File>> files_;
  std::unique_ptr<Paths> paths_;
  std::unique_ptr<Slot[]> cache_;
  std::size_t cache_mask_ = 0;
  unsigned cache_bits_ = 0;
};

}  // namespace nines::policy
