// Where a client is: dnsd.toml's [geo.nets] first (longest prefix wins), then the GeoIP
// databases (geo_database.h), else unknown.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "nines/base/diagnostic.h"
#include "nines/policy/geo_database.h"
#include "nines/policy/prefix_table.h"
#include "nines/zones/ip.h"
#include "nines/zones/zone.h"

namespace nines::policy {

struct Location {
  enum class Source : std::uint8_t { Unknown, Nets, Database };
  Source source = Source::Unknown;
  char continent[3] = {};  // ISO code such as "EU"; empty when unknown
  char country[3] = {};    // ISO 3166-1 alpha-2 such as "IE"; empty when unknown
  bool has_point = false;
  zones::GeoPoint point;
  std::uint32_t asn = 0;  // 0: unknown
  // The network that decided this location: the nets entry's or the database network's prefix
  // length (0 when unknown), and the ECS scope that is safe for it (see PrefixMatch::scope; for
  // a database answer, at least the database network's length and never covering a nets entry).
  std::uint8_t prefix = 0;
  std::uint8_t scope = 0;
  // Which [geo.nets] entry's place this is (the first entry naming it), -1 when none.
  std::int32_t net_index = -1;
};

const char* sourceName(Location::Source source) noexcept;  // "nets", "database", "unknown"

// One [geo.nets] entry of dnsd.toml.
struct NetLocation {
  zones::Cidr net;
  std::string continent;
  std::string country;
  std::optional<zones::GeoPoint> point;
};

class ClientLocator {
 public:
  // `database` may be empty (no MaxMind DB). Returns null with `error` set when the database
  // cannot be opened.
  static std::unique_ptr<ClientLocator> create(std::vector<NetLocation> nets,
                                               const std::string& database, std::string* error);
  // The same with any number of database files, their field paths and a lookup cache;
  // `failed_file` is set to the index of a file that cannot be opened.
  static std::unique_ptr<ClientLocator> create(std::vector<NetLocation> nets,
                                               const GeoDatabaseOptions& databases,
                                               std::string* error,
                                               std::size_t* failed_file = nullptr);
  ~ClientLocator();
  ClientLocator(const ClientLocator&) = delete;
  ClientLocator& operator=(const ClientLocator&) = delete;

  // Never allocates; safe to call from many threads at once.
  Location locate(const zones::IpAddress& address) const noexcept;
  const std::vector<NetLocation>& nets() const noexcept { return nets_; }
  bool hasDatabase() const noexcept;
  // False when there is nothing to locate by (no [geo.nets], no database): every client is
  // unknown, so a caller may skip asking.
  bool locates() const noexcept { return !nets_.empty() || hasDatabase(); }
  const GeoDatabase* database() const noexcept { return database_.get(); }
  // Distinct for every locator created in this process (never 0), so that what is cached from
  // one locator is never taken for another's, even at the same address.
  std::uint64_t id() const noexcept { return id_; }

 private:
  ClientLocator();
  std::vector<NetLocation> nets_;
  PrefixTable table_;
  std::unique_ptr<GeoDatabase> database_;  // null: none
  std::uint64_t id_;
};

}  // namespace nines::policy
