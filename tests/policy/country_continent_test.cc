// continentOfCountry(): every assigned ISO 3166-1 alpha-2 code has a continent, the ones on two
// continents have MaxMind's, and anything else has none.
#include "country_continent.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

namespace nines::policy::detail {
namespace {

TEST(CountryContinent, Table) {
  const struct {
    const char* country;
    const char* continent;
  } cases[] = {
      {"IE", "EU"}, {"GB", "EU"}, {"RU", "EU"}, {"CY", "EU"}, {"XK", "EU"}, {"US", "NA"},
      {"PA", "NA"}, {"GL", "NA"}, {"BR", "SA"}, {"GF", "SA"}, {"FK", "SA"}, {"IN", "AS"},
      {"TR", "AS"}, {"KZ", "AS"}, {"GE", "AS"}, {"AU", "OC"}, {"PG", "OC"}, {"UM", "OC"},
      {"EG", "AF"}, {"ZA", "AF"}, {"RE", "AF"}, {"AQ", "AN"}, {"TF", "AN"}, {"GS", "AN"},
  };
  for (const auto& c : cases) {
    const char* continent = continentOfCountry(c.country);
    ASSERT_NE(continent, nullptr) << c.country;
    EXPECT_STREQ(continent, c.continent) << c.country;
  }
}

TEST(CountryContinent, NotACountry) {
  for (const char* text : {"", "I", "IEE", "ie", "Ie", "ZZ", "AA", "EU", "UK", "[[", "@@", "{A"}) {
    EXPECT_EQ(continentOfCountry(text), nullptr) << '"' << text << '"';
  }
}

// Every code of iso-codes' ISO 3166-1 list (Debian's iso-codes package) has a continent.
TEST(CountryContinent, EveryIsoCountryHasOne) {
  std::ifstream in("/usr/share/iso-codes/json/iso_3166-1.json");
  if (!in) GTEST_SKIP() << "iso-codes is not installed (/usr/share/iso-codes/json/iso_3166-1.json)";
  const auto list = nlohmann::json::parse(in);
  std::size_t count = 0;
  for (const auto& country : list.at("3166-1")) {
    const std::string code = country.at("alpha_2").get<std::string>();
    const char* continent = continentOfCountry(code);
    EXPECT_NE(continent, nullptr) << code;
    ++count;
  }
  EXPECT_GE(count, 249u);
}

}  // namespace
}  // namespace nines::policy::detail
