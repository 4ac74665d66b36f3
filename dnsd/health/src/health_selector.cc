#include "nines/dnsd/health/health_selector.h"

#include <algorithm>
#include <cctype>

namespace nines::dnsd {

namespace {

bool matches(const std::string& wanted, const std::string& value) {
  return wanted.empty() || wanted == value;
}

}  // namespace

std::string canonicalOrigin(std::string zone) {
  std::transform(zone.begin(), zone.end(), zone.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (zone.empty() || zone.back() != '.') zone += '.';
  return zone;
}

bool HealthSelector::matchesZone(const std::string& origin) const {
  return zone.empty() || canonicalOrigin(zone) == canonicalOrigin(origin);
}

bool HealthSelector::matchesService(const std::string& origin, const std::string& name) const {
  return matchesZone(origin) && matches(service, name);
}

bool HealthSelector::matchesRegion(const std::string& name) const { return matches(region, name); }

std::string describe(const HealthSelector& selector) {
  std::string out;
  auto add = [&](const char* what, const std::string& value) {
    if (value.empty()) return;
    if (!out.empty()) out += ' ';
    out += what;
    out += ' ';
    out += value;
  };
  add("zone", selector.zone);
  add("service", selector.service);
  add("region", selector.region);
  add("endpoint", selector.endpoint);
  return out.empty() ? "everything" : out;
}

}  // namespace nines::dnsd
