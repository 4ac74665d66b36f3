// The latency policy: RTT from the vantage nearest the client; without RTT data or a client
// point, exactly geo.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "nines/policy/select.h"
#include "policy_test_support.h"

namespace nines::policy {
namespace {

using testing::client;
using testing::kDublin;
using testing::kLondon;
using testing::kMumbai;
using testing::kNewYork;
using Strings = std::vector<std::string>;

// Vantage eu-1 in London, us-1 in New York; lab is not measured, nor is ap-south from eu-1.
RttMatrix rttMatrix() {
  RttMatrix rtt;
  rtt.vantages = {{"eu-1", kLondon}, {"us-1", kNewYork}};
  rtt.regions = {"eu-west", "us-east", "ap-south"};
  rtt.rtt_ms = {{5, 80, -1}, {75, 3, 210}};
  return rtt;
}

Client dublin() { return client("198.51.100.7", 24, "EU", "IE", kDublin, 24); }
Client india() { return client("192.0.2.1", 24, "AS", "IN", kMumbai, 24); }
Client newYork() { return client("192.0.2.1", 24, "NA", "US", kNewYork, 24); }
Client asiaNoPoint() { return client("192.0.2.1", 24, "AS", "", std::nullopt, 24); }
Client inNet() { return client("203.0.113.5", 32, "EU", "IE", kDublin, 28); }

struct Case {
  const char* what;
  Client who;
  std::string health;
  bool with_rtt;
  Strings order;  // every region, in the order considered
  Strings regions;
  int scope;
};

TEST(SelectLatency, Table) {
  zones::Zone zone = testing::exampleZone(zones::PolicyKind::Latency);
  const ServicePlan plan = ServicePlan::compile(zone, zone.services[0]);
  const RttMatrix rtt = rttMatrix();
  const Strings dublin_order = {"eu-west", "us-east", "ap-south", "lab"};
  const std::vector<Case> cases = {
      {"Dublin: eu-1", dublin(), "", true, dublin_order, {"eu-west"}, 24},
      {"Dublin, eu-west down", dublin(), "|d", true, dublin_order, {"us-east"}, 24},
      // RTT beats the geo rule (country IN = [ap-south]); unmeasured ap-south after, in geo
      // order.
      {"India: eu-1",
       india(),
       "",
       true,
       {"eu-west", "us-east", "ap-south", "lab"},
       {"eu-west"},
       24},
      {"India, measured down",
       india(),
       "ddd|d",
       true,
       {"eu-west", "us-east", "ap-south", "lab"},
       {"ap-south"},
       24},
      {"New York: us-1",
       newYork(),
       "",
       true,
       {"us-east", "eu-west", "ap-south", "lab"},
       {"us-east"},
       24},
      {"New York, us-east down",
       newYork(),
       "ddd",
       true,
       {"us-east", "eu-west", "ap-south", "lab"},
       {"eu-west"},
       24},
      {"New York, 210 ms",
       newYork(),
       "ddd|d",
       true,
       {"us-east", "eu-west", "ap-south", "lab"},
       {"ap-south"},
       24},
      // Without RTT: geo (country rule, then distance from Mumbai).
      {"no RTT: geo",
       india(),
       "",
       false,
       {"ap-south", "eu-west", "us-east", "lab"},
       {"ap-south"},
       24},
      // No client point: geo's continent rule AS = [ap-south, eu-west], then `order`.
      {"no point: geo",
       asiaNoPoint(),
       "",
       true,
       {"ap-south", "eu-west", "us-east", "lab"},
       {"ap-south"},
       24},
      // With RTT the location decided (nearest vantage): max(net /24, location /28).
      {"geo net, RTT",
       inNet(),
       "",
       true,
       {"eu-west", "us-east", "ap-south", "lab"},
       {"eu-west"},
       28},
      {"geo net, no RTT",
       inNet(),
       "",
       false,
       {"ap-south", "eu-west", "us-east", "lab"},
       {"ap-south"},
       24},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    Trace trace;
    testing::Answer a = testing::run(plan, testing::health(zone.services[0], c.health), c.who,
                                     Family::V4, c.with_rtt ? &rtt : nullptr, &trace);
    EXPECT_EQ(trace.order, c.order) << trace.rule;
    EXPECT_EQ(a.regions, c.regions);
    EXPECT_EQ(a.decision.scope, c.scope) << trace.scope_reason;
  }
}

// Without RTT data (none, or no vantage) or without a client point, latency is geo: the same
// picks, scope and order.
TEST(SelectLatency, FallsBackToGeoExactly) {
  zones::Zone geo_zone = testing::exampleZone(zones::PolicyKind::Geo);
  zones::Zone latency_zone = testing::exampleZone(zones::PolicyKind::Latency);
  const ServicePlan geo = ServicePlan::compile(geo_zone, geo_zone.services[0]);
  const ServicePlan latency = ServicePlan::compile(latency_zone, latency_zone.services[0]);
  const RttMatrix full = rttMatrix();
  const RttMatrix empty;
  const std::vector<Client> clients = {dublin(), india(), newYork(), inNet(),
                                       client("10.0.0.1", 24)};
  const std::vector<std::string> healths = {"", "|d", "ddd|d", "ddd|d|dd|d", "||dd"};
  for (const Client& who : clients) {
    for (const std::string& spec : healths) {
      const ServiceHealth state = testing::health(geo_zone.services[0], spec);
      Trace expected_trace;
      testing::Answer expected =
          testing::run(geo, state, who, Family::V4, nullptr, &expected_trace);
      std::vector<const RttMatrix*> no_data = {nullptr, &empty};
      Client pointless = who;
      pointless.location.has_point = false;
      for (const RttMatrix* rtt : no_data) {
        Trace trace;
        testing::Answer a = testing::run(latency, state, who, Family::V4, rtt, &trace);
        EXPECT_EQ(a.in_order, expected.in_order) << who.address.toString() << " " << spec;
        EXPECT_EQ(a.decision.scope, expected.decision.scope);
        EXPECT_EQ(trace.order, expected_trace.order);
      }
      Trace geo_trace, trace;
      testing::Answer g = testing::run(geo, state, pointless, Family::V4, nullptr, &geo_trace);
      testing::Answer a = testing::run(latency, state, pointless, Family::V4, &full, &trace);
      EXPECT_EQ(a.in_order, g.in_order) << who.address.toString() << " " << spec;
      EXPECT_EQ(trace.order, geo_trace.order);
    }
  }
}

TEST(SelectLatency, ShortRttRowsAreUnknown) {
  zones::Zone zone = testing::exampleZone(zones::PolicyKind::Latency);
  const ServicePlan plan = ServicePlan::compile(zone, zone.services[0]);
  RttMatrix rtt = rttMatrix();
  rtt.rtt_ms[0] = {5};  // eu-1 measured eu-west only
  Trace trace;
  testing::run(plan, testing::health(zone.services[0]), dublin(), Family::V4, &rtt, &trace);
  EXPECT_EQ(trace.order, (Strings{"eu-west", "us-east", "ap-south", "lab"}));
}

}  // namespace
}  // namespace nines::policy
