// The continent of an ISO 3166-1 alpha-2 country code, for GeoIP databases that give a country
// but no continent (the flat `country_code` layouts of ip-location-db and others).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <string_view>

namespace nines::policy::detail {

// Copies up to two characters and a NUL into a Location's code field: ISO continent and country
// codes, from [geo.nets] or a database record.
inline void copyCode(char (&out)[3], const char* text, std::size_t size) noexcept {
  const std::size_t n = std::min<std::size_t>(size, 2);
  std::memcpy(out, text, n);
  out[n] = '\0';
}

// "EU" for "IE", "AS" for "IN": one of AF, AN, AS, EU, NA, OC, SA; null for a code that is not
// an assigned country (and for "XK", Kosovo's user-assigned code, "EU" as the databases use it).
// Countries on two continents take the one MaxMind's databases give them (RU: EU, TR: AS,
// EG: AF, CY: EU). Upper case only; allocates nothing.
const char* continentOfCountry(std::string_view country) noexcept;

}  // namespace nines::policy::detail
