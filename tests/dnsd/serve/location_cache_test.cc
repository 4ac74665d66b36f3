// LocationCache: a location is reused only inside the network it is valid for, and only for the
// locator it came from — a reloaded locator (a new geo database) is never answered from the old
// one's entries, even when it is allocated where the old one was.
#include "nines/dnsd/serve/location_cache.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

namespace nines::dnsd {
namespace {

zones::IpAddress ip(const char* text) { return *zones::IpAddress::parse(text); }

std::unique_ptr<policy::ClientLocator> locatorWith(const char* cidr, const char* country) {
  std::string error;
  policy::NetLocation net;
  net.net = *zones::Cidr::parse(cidr, &error);
  net.continent = "EU";
  net.country = country;
  return policy::ClientLocator::create({net}, "", &error);
}

TEST(LocationCache, HitsOnlyInsideTheNetworkTheLocationHoldsFor) {
  auto locator = locatorWith("198.51.100.0/25", "IE");
  LocationCache cache;
  EXPECT_STREQ(cache.locate(*locator, ip("198.51.100.7")).country, "IE");
  EXPECT_STREQ(cache.locate(*locator, ip("198.51.100.9")).country, "IE");  // same /25
  EXPECT_STREQ(cache.locate(*locator, ip("198.51.100.200")).country, "");  // same /24, not /25
  EXPECT_STREQ(cache.locate(*locator, ip("198.51.100.7")).country, "IE");
}

TEST(LocationCache, AnotherLocatorIsNeverAnsweredFromTheFirstsEntries) {
  LocationCache cache;
  auto first = locatorWith("198.51.100.0/24", "IE");
  EXPECT_STREQ(cache.locate(*first, ip("198.51.100.7")).country, "IE");
  const std::uint64_t first_id = first->id();
  first.reset();
  // A reload: the new locator may well take the freed one's address; its id is new.
  auto second = locatorWith("198.51.100.0/24", "FR");
  EXPECT_NE(second->id(), first_id);
  EXPECT_STREQ(cache.locate(*second, ip("198.51.100.7")).country, "FR");
}

}  // namespace
}  // namespace nines::dnsd
