#include "nines/policy/location.h"

#include <maxminddb.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <map>
#include <tuple>

namespace nines::policy {

const char* sourceName(Location::Source source) noexcept {
  switch (source) {
    case Location::Source::Nets:
      return "nets";
    case Location::Source::Database:
      return "database";
    case Location::Source::Unknown:
      break;
  }
  return "unknown";
}

// The opened MaxMind DB. libmaxminddb lookups on an MMDB_MODE_MMAP handle only read the mapping,
// so one handle serves every thread.
struct ClientLocator::Database {
  MMDB_s mmdb{};
  bool open = false;  // MMDB_open cleans up after itself when it fails
  ~Database() {
    if (open) MMDB_close(&mmdb);
  }
};

namespace {

// Copies up to two characters and a NUL: ISO continent and country codes.
void copyCode(char (&out)[3], const char* text, std::size_t size) noexcept {
  std::size_t n = std::min<std::size_t>(size, 2);
  std::memcpy(out, text, n);
  out[n] = '\0';
}

// MMDB_get_value builds its path array with calloc (MMDB_vget_value), so the query path uses
// MMDB_aget_value with these static, NULL-terminated paths instead: it only reads the mapping.
const char* const kContinentPath[] = {"continent", "code", nullptr};
const char* const kCountryPath[] = {"country", "iso_code", nullptr};
const char* const kLatitudePath[] = {"location", "latitude", nullptr};
const char* const kLongitudePath[] = {"location", "longitude", nullptr};
const char* const kAsnPath[] = {"autonomous_system_number", nullptr};

bool readString(MMDB_entry_s& entry, const char* const* path, char (&out)[3]) noexcept {
  MMDB_entry_data_s data{};
  if (MMDB_aget_value(&entry, &data, path) != MMDB_SUCCESS || !data.has_data ||
      data.type != MMDB_DATA_TYPE_UTF8_STRING) {
    return false;
  }
  copyCode(out, data.utf8_string, data.data_size);
  return true;
}

bool readDouble(MMDB_entry_s& entry, const char* const* path, double& out) noexcept {
  MMDB_entry_data_s data{};
  if (MMDB_aget_value(&entry, &data, path) != MMDB_SUCCESS || !data.has_data) return false;
  if (data.type == MMDB_DATA_TYPE_DOUBLE) {
    out = data.double_value;
  } else if (data.type == MMDB_DATA_TYPE_FLOAT) {
    out = static_cast<double>(data.float_value);
  } else {
    return false;
  }
  return true;
}

std::uint32_t readAsn(MMDB_entry_s& entry) noexcept {
  MMDB_entry_data_s data{};
  if (MMDB_aget_value(&entry, &data, kAsnPath) != MMDB_SUCCESS || !data.has_data) return 0;
  switch (data.type) {
    case MMDB_DATA_TYPE_UINT16:
      return data.uint16;
    case MMDB_DATA_TYPE_UINT32:
      return data.uint32;
    case MMDB_DATA_TYPE_INT32:
      return data.int32 > 0 ? static_cast<std::uint32_t>(data.int32) : 0;
    case MMDB_DATA_TYPE_UINT64:
      return data.uint64 <= 0xFFFFFFFFu ? static_cast<std::uint32_t>(data.uint64) : 0;
    default:
      return 0;
  }
}

}  // namespace

ClientLocator::ClientLocator() {
  static std::atomic<std::uint64_t> last_id{0};
  id_ = ++last_id;
}

std::unique_ptr<ClientLocator> ClientLocator::create(std::vector<NetLocation> nets,
                                                     const std::string& database,
                                                     std::string* error) {
  std::unique_ptr<ClientLocator> locator(new ClientLocator());
  locator->nets_ = std::move(nets);
  // Entries that say the same place share a value (the first one's index), so the table merges
  // them into the widest networks it truthfully can (prefix_table.h).
  std::map<std::tuple<std::string, std::string, bool, double, double>, std::int32_t> places;
  for (std::size_t i = 0; i < locator->nets_.size(); ++i) {
    const NetLocation& entry = locator->nets_[i];
    auto [place, added] =
        places.try_emplace({entry.continent, entry.country, entry.point.has_value(),
                            entry.point ? entry.point->latitude : 0.0,
                            entry.point ? entry.point->longitude : 0.0},
                           static_cast<std::int32_t>(i));
    locator->table_.insert(entry.net, place->second);
  }
  locator->table_.compile();
  if (!database.empty()) {
    auto db = std::make_unique<Database>();
    int status = MMDB_open(database.c_str(), MMDB_MODE_MMAP, &db->mmdb);
    if (status != MMDB_SUCCESS) {
      int saved_errno = errno;
      if (error != nullptr) {
        *error = "cannot open GeoIP database \"" + database + "\": " + MMDB_strerror(status);
        if (status == MMDB_IO_ERROR) *error += std::string(" (") + std::strerror(saved_errno) + ")";
      }
      return nullptr;
    }
    db->open = true;
    locator->database_ = std::move(db);
  }
  return locator;
}

ClientLocator::~ClientLocator() = default;

bool ClientLocator::hasDatabase() const noexcept { return database_ != nullptr; }

// 1. [geo.nets], longest prefix first. 2. The MaxMind DB: the record's network decides, and the
// scope also stays inside any nets entry the address's neighbourhood holds (a /16 database
// network must not be cached for a /24 that a nets entry answers differently). 3. Unknown: the
// scope covers the database's empty network and, again, no nets entry.
Location ClientLocator::locate(const zones::IpAddress& address) const noexcept {
  Location location;
  if (address.family != 4 && address.family != 6) return location;
  const std::uint8_t bits = address.bitLength();
  const PrefixMatch net = table_.match(address);
  if (net.value >= 0) {
    const NetLocation& entry = nets_[static_cast<std::size_t>(net.value)];
    location.source = Location::Source::Nets;
    copyCode(location.continent, entry.continent.data(), entry.continent.size());
    copyCode(location.country, entry.country.data(), entry.country.size());
    if (entry.point) {
      location.has_point = true;
      location.point = *entry.point;
    }
    location.prefix = net.prefix;
    location.scope = net.scope;
    location.net_index = net.value;
    return location;
  }
  location.scope = net.scope;
  if (!database_) return location;

  // A stack sockaddr: MMDB_lookup_string would go through getaddrinfo, which allocates.
  sockaddr_in v4{};
  sockaddr_in6 v6{};
  const sockaddr* sa = nullptr;
  if (address.family == 4) {
    v4.sin_family = AF_INET;
    std::memcpy(&v4.sin_addr, address.bytes.data(), 4);
    sa = reinterpret_cast<const sockaddr*>(&v4);
  } else {
    v6.sin6_family = AF_INET6;
    std::memcpy(&v6.sin6_addr, address.bytes.data(), 16);
    sa = reinterpret_cast<const sockaddr*>(&v6);
  }
  int mmdb_error = MMDB_SUCCESS;
  MMDB_lookup_result_s result = MMDB_lookup_sockaddr(&database_->mmdb, sa, &mmdb_error);
  if (mmdb_error == MMDB_IPV6_LOOKUP_IN_IPV4_DATABASE_ERROR) return location;  // no data at all
  if (mmdb_error != MMDB_SUCCESS) {
    // A corrupt tree: nothing is known about the neighbourhood, so the only safe scope is the
    // address itself.
    location.scope = bits;
    return location;
  }
  // The netmask counts bits of the database's tree: an IPv4 lookup in an IPv6 database walks the
  // ::/96 subtree, so its netmask is 96 more than the IPv4 prefix length (libmaxminddb(3)).
  int netmask = result.netmask;
  if (address.family == 4 && database_->mmdb.metadata.ip_version == 6) netmask -= 96;
  const auto prefix = static_cast<std::uint8_t>(std::clamp<int>(netmask, 0, bits));
  location.scope = std::max(location.scope, prefix);
  if (!result.found_entry) return location;

  location.source = Location::Source::Database;
  location.prefix = prefix;
  MMDB_entry_s entry = result.entry;
  readString(entry, kContinentPath, location.continent);
  readString(entry, kCountryPath, location.country);
  double latitude = 0, longitude = 0;
  if (readDouble(entry, kLatitudePath, latitude) && readDouble(entry, kLongitudePath, longitude)) {
    location.has_point = true;
    location.point = zones::GeoPoint{latitude, longitude};
  }
  location.asn = readAsn(entry);
  return location;
}

}  // namespace nines::policy
