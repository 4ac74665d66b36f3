// The fixture the health tests share: a zone with a checked service (www, slow start 30 s) and an
// unchecked one (api) over the same endpoints, its services, a vote table and a view builder on
// one fake clock, and votes cast in one line.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "nines/dnsd/health/health_view_builder.h"
#include "nines/dnsd/health/vote_table.h"
#include "nines/probers/check_target.h"
#include "nines/zones/loader.h"
#include "process.h"
#include "zone_text.h"

namespace nines::dnsd::test {

using policy::EndpointState;
using States = std::vector<EndpointState>;
constexpr auto kUp = EndpointState::Up;
constexpr auto kDown = EndpointState::Down;
constexpr auto kUnknown = EndpointState::Unknown;
constexpr auto kDrained = EndpointState::Drained;

inline const std::string kZone = nines::testing::zoneHead("gslb.test.", 1) + R"(
"@" = ["NS ns1.gslb.test."]
ns1 = ["A 127.0.0.53"]
[checks.web]
type = "tcp"
port = 8080
[regions.us-east]
location = [38.9, -77.0]
[regions.eu-west]
location = [53.3, -6.3]
[services.www]
policy = "geo"
check = "web"
slow_start = 30.0
[services.www.pools.us-east]
endpoints = ["127.0.0.11", "127.0.0.12"]
[services.www.pools.eu-west]
endpoints = ["127.0.0.21"]
[services.api]
policy = "failover"
order = ["us-east", "eu-west"]
[services.api.pools.us-east]
endpoints = ["127.0.0.11"]
[services.api.pools.eu-west]
endpoints = ["127.0.0.21"]
)";

inline std::string target(const std::string& endpoint) {
  return probers::targetId("gslb.test.", "web", *zones::IpAddress::parse(endpoint));
}

class HealthFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    services_ = load(kZone);
    ASSERT_NE(services_, nullptr);
  }

  // `text` as the served zone: the vote table takes its check targets (in reverse order when
  // `renumber`, so that every index moves) and its services come back; null if it fails to load.
  std::shared_ptr<const policy::ServiceSet> load(const std::string& text, bool renumber = false) {
    nines::testing::TempDir dir;
    zones::LoadResult loaded = zones::loadZones(dir.write("gslb.test.toml", text));
    if (!loaded.errors.empty()) {
      ADD_FAILURE() << loaded.errors.front().toString();
      return nullptr;
    }
    base::Diagnostics refused;
    std::vector<std::string> ids;
    for (const auto& t : probers::buildTargets(loaded.zones, allow_nets_, &refused)) {
      ids.push_back(t.id);
    }
    if (renumber) std::reverse(ids.begin(), ids.end());
    refused_ = refused.size();
    votes_.setTargets(ids);
    return std::make_shared<policy::ServiceSet>(policy::ServiceSet::compile(loaded.zones));
  }

  void vote(const std::string& prober, const std::string& endpoint, bool up, double rtt = 1) {
    votes_.apply({prober, prober == "eu-1" ? "eu-west" : "us-east", std::nullopt},
                 {{target(endpoint), up, up ? rtt : -1, up ? "ok" : "refused"}});
  }
  std::size_t slot(const std::string& name) const {
    for (std::size_t s = 0; s < services_->size(); ++s) {
      if (services_->plans[s].name == name) return s;
    }
    ADD_FAILURE() << "no service " << name;
    return 0;
  }
  States endpoints(const policy::HealthView& view, const std::string& service, std::size_t region) {
    return view.services[slot(service)].regions[region].endpoints;
  }
  const policy::EndpointNote& note(const policy::HealthView& view, const std::string& service,
                                   std::size_t region, std::size_t endpoint) {
    return view.notes[slot(service)][region].endpoints[endpoint];
  }

  double now_ = 5000;
  std::vector<zones::Cidr> allow_nets_;
  std::size_t refused_ = 0;
  VoteTable votes_{{0.5, 1000.0}, [this] { return now_; }};
  HealthViewBuilder builder_{&votes_, [this] { return now_; }};
  std::shared_ptr<const policy::ServiceSet> services_;
};

}  // namespace nines::dnsd::test
