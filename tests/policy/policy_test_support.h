// Builders shared by the policy tests: a zone like DESIGN.md's example, health written as a short
// string, clients with a location, and the answer of select() as strings.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "nines/policy/select.h"
#include "nines/zones/zone.h"

namespace nines::policy::testing {

inline zones::IpAddress ip(const std::string& text) {
  auto address = zones::IpAddress::parse(text);
  EXPECT_TRUE(address.has_value()) << text;
  return address.value_or(zones::IpAddress{});
}

inline zones::Cidr cidr(const std::string& text) {
  std::string error;
  auto parsed = zones::Cidr::parse(text, &error);
  EXPECT_TRUE(parsed.has_value()) << text << ": " << error;
  return parsed.value_or(zones::Cidr{});
}

inline constexpr zones::GeoPoint kWashington{38.9, -77.0};
inline constexpr zones::GeoPoint kDublin{53.3, -6.3};
inline constexpr zones::GeoPoint kMumbai{19.1, 72.9};
inline constexpr zones::GeoPoint kLondon{51.5, -0.1};
inline constexpr zones::GeoPoint kNewYork{40.7, -74.0};
inline constexpr zones::GeoPoint kSaoPaulo{-23.5, -46.6};
inline constexpr zones::GeoPoint kSydney{-33.9, 151.2};

// Regions us-east, eu-west, ap-south (DESIGN.md's locations) and "lab" (no location), and one
// service "www" with a pool in each:
//   us-east  192.0.2.10, 192.0.2.11, 2001:db8:1::10
//   eu-west  198.51.100.10                      (no IPv6)
//   ap-south 203.0.113.10, 2001:db8:3::10
//   lab      192.0.2.99
inline zones::Zone exampleZone(zones::PolicyKind policy) {
  zones::Zone zone;
  std::string error;
  zone.origin = *zones::Name::fromText("example.test.", nullptr, &error);
  zone.regions = {{"us-east", kWashington, false, {}},
                  {"eu-west", kDublin, false, {}},
                  {"ap-south", kMumbai, false, {}},
                  {"lab", std::nullopt, false, {}}};
  zones::Service www;
  www.name = "www";
  www.owner = *zones::Name::fromText("www", &zone.origin, &error);
  www.policy = policy;
  www.answers = 1;
  auto pool = [](std::string region, std::vector<std::string> endpoints, std::uint32_t weight) {
    zones::Pool p;
    p.region = std::move(region);
    p.weight = weight;
    for (const auto& e : endpoints) p.endpoints.push_back(ip(e));
    return p;
  };
  www.pools = {pool("us-east", {"192.0.2.10", "192.0.2.11", "2001:db8:1::10"}, 100),
               pool("eu-west", {"198.51.100.10"}, 100),
               pool("ap-south", {"203.0.113.10", "2001:db8:3::10"}, 50),
               pool("lab", {"192.0.2.99"}, 0)};
  www.order = {"us-east", "eu-west", "ap-south"};
  www.geo.continent = {{"EU", {"eu-west", "us-east"}}, {"AS", {"ap-south", "eu-west"}}};
  www.geo.country = {{"IN", {"ap-south"}}};
  www.geo.nets = {{cidr("203.0.113.0/24"), {"ap-south"}}};
  zone.services.push_back(www);
  return zone;
}

// Health, one region per '|'-separated field in pool order, one character per endpoint:
// 'u' Up, '?' Unknown, 'd' Down, 'x' Drained; a leading '!' drains the region (API). An empty
// field is a region with all-unknown endpoints.
inline ServiceHealth health(const zones::Service& service, const std::string& spec = "") {
  ServiceHealth out;
  std::vector<std::string> fields(1);
  for (char c : spec) {
    if (c == '|') {
      fields.emplace_back();
    } else {
      fields.back() += c;
    }
  }
  for (std::size_t r = 0; r < service.pools.size(); ++r) {
    RegionHealth region;
    region.endpoints.assign(service.pools[r].endpoints.size(), EndpointState::Unknown);
    std::string field = r < fields.size() ? fields[r] : "";
    if (!field.empty() && field[0] == '!') {
      region.drained = true;
      field.erase(0, 1);
    }
    for (std::size_t e = 0; e < field.size() && e < region.endpoints.size(); ++e) {
      switch (field[e]) {
        case 'u':
          region.endpoints[e] = EndpointState::Up;
          break;
        case 'd':
          region.endpoints[e] = EndpointState::Down;
          break;
        case 'x':
          region.endpoints[e] = EndpointState::Drained;
          break;
        default:
          region.endpoints[e] = EndpointState::Unknown;
      }
    }
    out.regions.push_back(std::move(region));
  }
  return out;
}

// A client at `address`; `ecs` < 0: no ECS option (source prefix = full length).
inline Client client(const std::string& address, int ecs = -1, const std::string& continent = "",
                     const std::string& country = "",
                     std::optional<zones::GeoPoint> point = std::nullopt,
                     std::uint8_t location_scope = 0) {
  Client c;
  c.address = ip(address);
  c.has_ecs = ecs >= 0;
  c.source_prefix = ecs >= 0 ? static_cast<std::uint8_t>(ecs) : c.address.bitLength();
  Location& where = c.location;
  if (!continent.empty() || !country.empty() || point) where.source = Location::Source::Nets;
  for (std::size_t i = 0; i < 2 && i < continent.size(); ++i) where.continent[i] = continent[i];
  for (std::size_t i = 0; i < 2 && i < country.size(); ++i) where.country[i] = country[i];
  if (point) {
    where.has_point = true;
    where.point = *point;
  }
  where.prefix = location_scope;
  where.scope = location_scope;
  return c;
}

// Runs make_test_mmdb.pl to write the test GeoIP database to `out`. Perl and
// MaxMind::DB::Writer come from tools/setup.sh: a failure is a broken set-up, not a skip.
inline void writeTestDatabase(const std::string& out) {
  const std::string command =
      "perl '" + std::string(NINES_SOURCE_DIR) + "/tests/policy/make_test_mmdb.pl' '" + out + "'";
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
}

// make_flat_mmdb.pl's IPv4 and IPv6 files (ip-location-db's flat layout).
inline void writeFlatDatabases(const std::string& v4, const std::string& v6) {
  const std::string command = "perl '" + std::string(NINES_SOURCE_DIR) +
                              "/tests/policy/make_flat_mmdb.pl' '" + v4 + "' '" + v6 + "'";
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
}

struct Answer {
  std::vector<std::string> regions;   // regions of the picks, in order, consecutive repeats once
  std::set<std::string> addresses;    // the picked addresses
  std::vector<std::string> in_order;  // the picked addresses, in answer order
  Decision decision;
};

inline Answer answer(const ServicePlan& plan, const Decision& decision) {
  Answer out;
  out.decision = decision;
  for (std::size_t i = 0; i < decision.count; ++i) {
    const RegionPlan& region = plan.regions[decision.picks[i].region];
    if (out.regions.empty() || out.regions.back() != region.name) {
      out.regions.push_back(region.name);
    }
    std::string address = region.endpoints[decision.picks[i].endpoint].toString();
    out.addresses.insert(address);
    out.in_order.push_back(address);
  }
  return out;
}

inline Answer run(const ServicePlan& plan, const ServiceHealth& state, const Client& who,
                  Family family = Family::V4, const RttMatrix* rtt = nullptr,
                  Trace* trace = nullptr) {
  Decision decision;
  select(plan, state, rtt, who, family, decision, trace);
  return answer(plan, decision);
}

}  // namespace nines::policy::testing
