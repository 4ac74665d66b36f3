#include "country_continent.h"

#include <array>
#include <cstdint>

namespace nines::policy::detail {

namespace {

struct ContinentCountries {
  const char* continent;
  const char* countries;  // alpha-2 codes, one space apart
};

// Every ISO 3166-1 alpha-2 code (iso-codes' iso_3166-1.json, 249 of them) and XK, each once
// (country_continent_test.cc holds it to that).
constexpr ContinentCountries kContinents[] = {
    {"AF",
     "AO BF BI BJ BW CD CF CG CI CM CV DJ DZ EG EH ER ET GA GH GM GN GQ GW KE "
     "KM LR LS LY MA MG ML MR MU MW MZ NA NE NG RE RW SC SD SH SL SN SO SS ST "
     "SZ TD TG TN TZ UG YT ZA ZM ZW"},
    {"AN", "AQ BV GS HM TF"},
    {"AS",
     "AE AF AM AZ BD BH BN BT CC CN CX GE HK ID IL IN IO IQ IR JO JP KG KH KP "
     "KR KW KZ LA LB LK MM MN MO MV MY NP OM PH PK PS QA SA SG SY TH TJ TL TM "
     "TR TW UZ VN YE"},
    {"EU",
     "AD AL AT AX BA BE BG BY CH CY CZ DE DK EE ES FI FO FR GB GG GI GR HR HU "
     "IE IM IS IT JE LI LT LU LV MC MD ME MK MT NL NO PL PT RO RS RU SE SI SJ "
     "SK SM UA VA XK"},
    {"NA",
     "AG AI AW BB BL BM BQ BS BZ CA CR CU CW DM DO GD GL GP GT HN HT JM KN KY "
     "LC MF MQ MS MX NI PA PM PR SV SX TC TT US VC VG VI"},
    {"OC",
     "AS AU CK FJ FM GU KI MH MP NC NF NR NU NZ PF PG PN PW SB TK TO TV UM VU "
     "WF WS"},
    {"SA", "AR BO BR CL CO EC FK GF GY PE PY SR UY VE"},
};

constexpr std::size_t kLetters = 26;

// Index (into kContinents) + 1 of every two-letter code, 0 for none: one array read per lookup.
constexpr std::array<std::uint8_t, kLetters * kLetters> buildIndex() {
  std::array<std::uint8_t, kLetters * kLetters> index{};
  for (std::size_t c = 0; c < std::size(kContinents); ++c) {
    for (const char* p = kContinents[c].countries; p[0] != '\0'; p += p[2] == ' ' ? 3 : 2) {
      index[static_cast<std::size_t>(p[0] - 'A') * kLetters +
            static_cast<std::size_t>(p[1] - 'A')] = static_cast<std::uint8_t>(c + 1);
    }
  }
  return index;
}

constexpr std::array<std::uint8_t, kLetters* kLetters> kIndex = buildIndex();

}  // namespace

const char* continentOfCountry(std::string_view country) noexcept {
  if (country.size() != 2) return nullptr;
  const auto first = static_cast<unsigned char>(country[0] - 'A');
  const auto second = static_cast<unsigned char>(country[1] - 'A');
  if (first >= kLetters || second >= kLetters) return nullptr;
  const std::uint8_t entry = kIndex[first * kLetters + second];
  return entry == 0 ? nullptr : kContinents[entry - 1].continent;
}

}  // namespace nines::policy::detail
