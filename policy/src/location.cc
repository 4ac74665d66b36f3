#include "nines/policy/location.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <map>
#include <tuple>

#include "country_continent.h"

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

ClientLocator::ClientLocator() {
  static std::atomic<std::uint64_t> last_id{0};
  id_ = ++last_id;
}

std::unique_ptr<ClientLocator> ClientLocator::create(std::vector<NetLocation> nets,
                                                     const std::string& database,
                                                     std::string* error) {
  GeoDatabaseOptions databases;
  if (!database.empty()) databases.files.push_back(database);
  return create(std::move(nets), databases, error);
}

std::unique_ptr<ClientLocator> ClientLocator::create(std::vector<NetLocation> nets,
                                                     const GeoDatabaseOptions& databases,
                                                     std::string* error, std::size_t* failed_file) {
  std::unique_ptr<ClientLocator> locator(new ClientLocator());
  locator->nets_ = std::move(nets);
  // Entries that say the same place share a value (the first one's index), so the table merges
  // them into the widest networks it truthfully can (prefix_table.h).
  std::map<std::tuple<std::string, std::string, bool, double, double>, std::int32_t> places;
  for (std::size_t i = 0; i < locator->nets_.size(); ++i) {
    const NetLocation& entry = locator->nets_[i];
    auto [place, added] = places.try_emplace(
        {entry.continent, entry.country, entry.point.has_value(),
         entry.point ? entry.point->latitude : 0.0, entry.point ? entry.point->longitude : 0.0},
        static_cast<std::int32_t>(i));
    locator->table_.insert(entry.net, place->second);
  }
  locator->table_.compile();
  if (!databases.files.empty()) {
    locator->database_ = GeoDatabase::open(databases, error, failed_file);
    if (!locator->database_) return nullptr;
  }
  return locator;
}

ClientLocator::~ClientLocator() = default;

bool ClientLocator::hasDatabase() const noexcept { return database_ != nullptr; }

// 1. [geo.nets], longest prefix first. 2. The GeoIP databases (geo_database.h): the record's
// network decides, and the scope also stays inside any nets entry the address's neighbourhood
// holds (a /16 database network must not be cached for a /24 that a nets entry answers
// differently). 3. Unknown: the scope covers the databases' empty network and, again, no nets
// entry.
Location ClientLocator::locate(const zones::IpAddress& address) const noexcept {
  Location location;
  if (address.family != 4 && address.family != 6) return location;
  const PrefixMatch net = table_.match(address);
  if (net.value >= 0) {
    const NetLocation& entry = nets_[static_cast<std::size_t>(net.value)];
    location.source = Location::Source::Nets;
    detail::copyCode(location.continent, entry.continent.data(), entry.continent.size());
    detail::copyCode(location.country, entry.country.data(), entry.country.size());
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

  const GeoRecord record = database_->locate(address);
  location.scope = std::max(location.scope, record.prefix);
  if (!record.found) return location;

  location.source = Location::Source::Database;
  location.prefix = record.prefix;
  std::memcpy(location.continent, record.continent, sizeof location.continent);
  std::memcpy(location.country, record.country, sizeof location.country);
  if (record.has_point) {
    location.has_point = true;
    location.point = zones::GeoPoint{record.latitude, record.longitude};
  }
  location.asn = record.asn;
  return location;
}

}  // namespace nines::policy
