#include "status_comparison.h"

#include <algorithm>
#include <set>
#include <sstream>

namespace nines::ctl {

namespace {

using nlohmann::json;

// Differing items listed per aspect before the rest is only counted: a region's worth of
// endpoints tells the story, ten thousand lines hide it.
constexpr std::size_t kItemsShown = 20;

std::string text(const json& object, const char* key) {
  if (!object.is_object()) return "";
  auto found = object.find(key);
  return found != object.end() && found->is_string() ? found->get<std::string>() : "";
}

std::vector<std::string> sortedStrings(const json& object, const char* key) {
  std::vector<std::string> out;
  if (!object.is_object() || !object.contains(key) || !object[key].is_array()) return out;
  for (const auto& entry : object[key]) {
    if (entry.is_string()) out.push_back(entry.get<std::string>());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string joined(const std::vector<std::string>& values) {
  if (values.empty()) return "(none)";
  std::string out;
  for (const auto& value : values) out += (out.empty() ? "" : ", ") + value;
  return out;
}

// One value per view; a difference when they are not all the same.
void compareValues(const std::string& aspect, std::vector<std::string> values,
                   std::vector<Difference>& out) {
  if (std::adjacent_find(values.begin(), values.end(), std::not_equal_to<>()) == values.end()) {
    return;
  }
  out.push_back({aspect, {{"", std::move(values)}}, 0});
}

// A map per view; a difference item for each key whose values are not all the same (a key a view
// lacks reads as "-").
void compareMaps(const std::string& aspect, const std::vector<NameserverView>& views,
                 std::map<std::string, std::string> NameserverView::*field,
                 std::vector<Difference>& out) {
  std::set<std::string> keys;
  for (const auto& view : views) {
    for (const auto& [key, value] : view.*field) keys.insert(key);
  }
  Difference difference{aspect, {}, keys.size()};
  for (const auto& key : keys) {
    std::vector<std::string> values;
    for (const auto& view : views) {
      auto found = (view.*field).find(key);
      values.push_back(found != (view.*field).end() ? found->second : "-");
    }
    if (std::adjacent_find(values.begin(), values.end(), std::not_equal_to<>()) != values.end()) {
      difference.items.push_back({key, std::move(values)});
    }
  }
  if (!difference.items.empty()) out.push_back(std::move(difference));
}

std::size_t widest(const std::vector<std::string>& values, std::size_t at_least) {
  std::size_t width = at_least;
  for (const auto& value : values) width = std::max(width, value.size());
  return width;
}

void padded(std::string& line, const std::string& value, std::size_t width) {
  line += value + std::string(width - std::min(width, value.size()) + 2, ' ');
}

void endLine(std::ostringstream& out, std::string line) {
  line.erase(line.find_last_not_of(' ') + 1);
  out << line << '\n';
}

void describeDifference(const std::vector<NameserverView>& views, const Difference& difference,
                        std::ostringstream& out) {
  std::vector<std::string> urls;
  for (const auto& view : views) urls.push_back(view.url);
  if (difference.compared == 0) {
    // A single value per nameserver (a digest, a list): one line each.
    out << "different " << difference.aspect << ":\n";
    const std::size_t width = widest(urls, 0);
    for (std::size_t i = 0; i < views.size(); ++i) {
      std::string line = "  ";
      padded(line, urls[i], width);
      endLine(out, line + difference.items.front().values[i]);
    }
    return;
  }
  // Items per nameserver: a table, one row per item, one column per nameserver.
  out << "different " << difference.aspect << " (" << difference.items.size() << " of "
      << difference.compared << "):\n";
  std::vector<std::string> keys;
  for (const auto& item : difference.items) keys.push_back(item.key);
  const std::size_t key_width = widest(keys, 0);
  std::vector<std::size_t> widths;
  for (std::size_t i = 0; i < views.size(); ++i) {
    std::vector<std::string> column = {urls[i]};
    for (const auto& item : difference.items) column.push_back(item.values[i]);
    widths.push_back(widest(column, 0));
  }
  std::string header = "  ";
  padded(header, "", key_width);
  for (std::size_t i = 0; i < views.size(); ++i) padded(header, urls[i], widths[i]);
  endLine(out, header);
  const std::size_t shown = std::min(kItemsShown, difference.items.size());
  for (std::size_t row = 0; row < shown; ++row) {
    std::string line = "  ";
    padded(line, difference.items[row].key, key_width);
    for (std::size_t i = 0; i < views.size(); ++i) {
      padded(line, difference.items[row].values[i], widths[i]);
    }
    endLine(out, line);
  }
  if (shown < difference.items.size()) {
    out << "  ... and " << difference.items.size() - shown << " more\n";
  }
}

}  // namespace

NameserverView viewOfStatus(const std::string& url, const json& status) {
  NameserverView view;
  view.url = url;
  view.config_digest = text(status, "config_digest");
  view.health_digest = text(status, "health_digest");
  view.drains = sortedStrings(status, "drains");
  view.probers_heard = sortedStrings(status, "probers_heard");
  if (status.is_object() && status.contains("zones") && status["zones"].is_array()) {
    for (const auto& zone : status["zones"]) {
      if (!zone.is_object()) continue;
      const auto serial = zone.find("serial");
      view.zone_serials[text(zone, "origin")] =
          serial != zone.end() && serial->is_number() ? serial->dump() : "";
    }
  }
  if (!status.is_object() || !status.contains("services") || !status["services"].is_array()) {
    return view;
  }
  for (const auto& service : status["services"]) {
    if (!service.is_object() || !service.contains("regions")) continue;
    const std::string name = text(service, "name") + '.' + text(service, "zone");
    for (const auto& region : service["regions"]) {
      const std::string key = name + ' ' + text(region, "name");
      view.regions[key] = text(region, "state");
      if (!region.contains("endpoints") || !region["endpoints"].is_array()) continue;
      for (const auto& endpoint : region["endpoints"]) {
        view.endpoints[key + ' ' + text(endpoint, "address")] = text(endpoint, "state");
      }
    }
  }
  return view;
}

Comparison compareViews(const std::vector<NameserverView>& views) {
  Comparison comparison;
  auto values = [&](auto get) {
    std::vector<std::string> out;
    for (const auto& view : views) out.push_back(get(view));
    return out;
  };
  auto& out = comparison.differences;
  compareValues("config digest", values([](const auto& v) { return v.config_digest; }), out);
  compareMaps("zone serials", views, &NameserverView::zone_serials, out);
  compareValues("health digest", values([](const auto& v) { return v.health_digest; }), out);
  compareMaps("region verdicts", views, &NameserverView::regions, out);
  compareMaps("endpoint states", views, &NameserverView::endpoints, out);
  compareValues("drains", values([](const auto& v) { return joined(v.drains); }), out);
  compareValues("probers heard", values([](const auto& v) { return joined(v.probers_heard); }),
                out);
  return comparison;
}

std::string describeComparison(const std::vector<NameserverView>& views,
                               const Comparison& comparison) {
  std::ostringstream out;
  if (views.empty()) return "no nameserver to compare\n";
  if (comparison.agree()) {
    const NameserverView& first = views.front();
    std::map<std::string, std::size_t> states;
    for (const auto& [region, state] : first.regions) ++states[state];
    std::string counts;
    for (const auto& [state, count] : states) {
      counts += (counts.empty() ? "" : ", ") + std::to_string(count) + ' ' + state;
    }
    out << views.size() << " nameserver" << (views.size() == 1 ? "" : "s") << " agree:";
    for (const auto& view : views) out << ' ' << view.url;
    out << "\n  config digest  " << first.config_digest << "\n  zones          "
        << first.zone_serials.size() << "\n  health digest  " << first.health_digest
        << "\n  regions        " << first.regions.size()
        << (counts.empty() ? "" : " (" + counts + ")") << "\n  drains         "
        << joined(first.drains) << "\n  probers heard  " << joined(first.probers_heard) << '\n';
    return out.str();
  }
  std::string aspects;
  for (const auto& difference : comparison.differences) {
    aspects += (aspects.empty() ? "" : ", ") + difference.aspect;
    describeDifference(views, difference, out);
  }
  out << "DISAGREE: " << views.size() << " nameservers differ on " << aspects << '\n';
  return out.str();
}

}  // namespace nines::ctl
