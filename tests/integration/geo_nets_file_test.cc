// A service's geo nets from a nets file (zones/README.md) on the real dnsd: answers and ECS scopes
// from the compiled, merged table, a changed nets file taken by a reload, and a broken one leaving
// the last good table serving. Every response decoded by ldns.
#include <gtest/gtest.h>

#include <csignal>
#include <string>

#include "integration_harness.h"

namespace nines::integration {
namespace {

using nines::testing::zoneHead;

const std::string kZone = zoneHead("geo.test.", 1) + R"("@" = ["NS ns1.geo.test."]
ns1 = ["A 192.0.2.53"]
[regions.us-east]
[regions.eu-west]
[services.www]
policy = "geo"
ttl = 60
[services.www.pools.us-east]
endpoints = ["192.0.2.1"]
[services.www.pools.eu-west]
endpoints = ["198.51.100.1"]
[services.www.geo]
nets_file = "www.nets"
)";

// 10.1.7.0/24 names what its /16 names: it merges away, and only 10.1.9.0/24 narrows the /16.
const std::string kNets =
    "# CIDR regions\n10.1.0.0/16 eu-west us-east\n10.1.7.0/24 eu-west us-east\n"
    "10.1.9.0/24 us-east eu-west\n";

struct Seen {
  std::string first;  // the first address of the answer
  std::string ecs;    // address/source/scope
};

Seen ask(const DnsdServer& server, const std::string& ecs) {
  const Response r = server.askEcs("www.geo.test.", "A", ecs);
  if (!r.parsed || r.answer.empty()) return {"none", r.ecs_option};
  const std::string& record = r.answer.front();
  return {record.substr(record.rfind(' ') + 1), r.ecs_option};
}

TEST(GeoNetsFile, AnswersScopesAndReloads) {
  DnsdServer server({{"geo.test.toml", kZone}, {"www.nets", kNets}});
  ASSERT_TRUE(server.ready());

  Seen wide = ask(server, "10.1.200.0/24");
  EXPECT_EQ(wide.first, "198.51.100.1");
  EXPECT_EQ(wide.ecs, "10.1.200.0/24/17") << "10.1.128.0/17 holds no other answer";
  Seen merged = ask(server, "10.1.7.0/24");
  EXPECT_EQ(merged.first, "198.51.100.1");
  EXPECT_EQ(merged.ecs, "10.1.7.0/24/21")
      << "the /24 written with its /16's regions is merged: only 10.1.9.0/24 narrows it";
  Seen own = ask(server, "10.1.9.0/24");
  EXPECT_EQ(own.first, "192.0.2.1");
  EXPECT_EQ(own.ecs, "10.1.9.0/24/24");

  // A changed nets file is read by a reload.
  server.writeZone("www.nets", "10.1.0.0/16 us-east\n");
  server.process().signal(SIGHUP);
  EXPECT_TRUE(waitUntil([&] { return ask(server, "10.1.200.0/24").first == "192.0.2.1"; }))
      << server.process().log();
  EXPECT_EQ(ask(server, "10.1.7.0/24").ecs, "10.1.7.0/24/16");

  // A broken one is reported at its line and leaves the last good table serving.
  server.writeZone("www.nets", "10.1.0.0/16 eu-west\n10.2.0.0/16 nowhere\n");
  server.process().signal(SIGHUP);
  EXPECT_TRUE(waitUntil([&] {
    return server.process().log().find("www.nets:2:13") != std::string::npos;
  })) << server.process().log();
  EXPECT_EQ(ask(server, "10.1.200.0/24").first, "192.0.2.1");
}

}  // namespace
}  // namespace nines::integration
