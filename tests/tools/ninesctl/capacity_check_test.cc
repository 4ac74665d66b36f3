// `ninesctl check`'s capacity warnings on zone files written here: one line a service short of
// its expected_load (N-1 or now), located at the service's table, saying by how much; nothing for
// a service that carries it or says no expected_load.
#include "capacity_check.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "nines/zones/loader.h"
#include "process.h"
#include "zone_text.h"

namespace nines::ctl {
namespace {

// cap.test. with regions us-east, eu-west, ap-south and one service "svc" of `policy` with
// `service_keys` (e.g. "expected_load = 20000"), and a pool per entry of `pools`
// ("us-east", "capacity = 15000").
std::string zone(const std::string& policy, const std::string& service_keys,
                 const std::vector<std::pair<std::string, std::string>>& pools) {
  std::string text = nines::testing::zoneHead("cap.test.", 1) +
                     "\"@\" = [\"NS ns1.cap.test.\"]\nns1 = [\"A 192.0.2.53\"]\n"
                     "[regions.us-east]\n[regions.eu-west]\n[regions.ap-south]\n"
                     "[services.svc]\npolicy = \"" +
                     policy + "\"\n" + service_keys + "\n";
  int host = 10;
  for (const auto& [region, keys] : pools) {
    text += "[services.svc.pools." + region + "]\n" + keys + "\nendpoints = [\"192.0.2." +
            std::to_string(host++) + "\"]\n";
  }
  return text;
}

struct Case {
  const char* what;
  std::string text;
  std::vector<std::string> warnings;  // "" in place of the "FILE:LINE:COL: " prefix
};

TEST(CapacityCheckTest, WarnsWhenTheRegionsLeftCannotCarryTheExpectedLoad) {
  const std::vector<Case> cases = {
      {"geo, N-1 holds: 25000 left for 20000",
       zone("geo", "expected_load = 20000",
            {{"us-east", "capacity = 15000"},
             {"eu-west", "capacity = 15000"},
             {"ap-south", "capacity = 10000"}}),
       {}},
      {"geo, one pool drained by the zone file: 15000 left for 20000",
       zone("geo", "expected_load = 20000",
            {{"us-east", "capacity = 15000"},
             {"eu-west", "capacity = 15000"},
             {"ap-south", "capacity = 10000\ndrain = true"}}),
       {"warning: service svc.cap.test. expects 20000/s, but without us-east (the largest, "
        "15000/s) the others carry 15000/s: 5000/s short (the N-1 rule); drained by the zone "
        "file: ap-south"}},
      {"weighted, a pool without capacity",
       zone("weighted", "expected_load = 20000",
            {{"us-east", "capacity = 30000"}, {"eu-west", ""}}),
       {"warning: service svc.cap.test. expects 20000/s, but without us-east (the largest, "
        "30000/s) the others carry 0/s: 20000/s short (the N-1 rule); no capacity (counted as "
        "0): eu-west"}},
      {"failover, the passive too small",
       zone("failover", "expected_load = 20000\norder = [\"us-east\", \"eu-west\"]",
            {{"us-east", "capacity = 30000"}, {"eu-west", "capacity = 12500"}}),
       {"warning: service svc.cap.test. expects 20000/s, but without us-east (the active region, "
        "30000/s) the next region carries 12500/s: 7500/s short (the N-1 rule)"}},
      {"latency, short before any region fails",
       zone("latency", "expected_load = 20000.5",
            {{"us-east", "capacity = 10000"}, {"eu-west", "capacity = 10000"}}),
       {"warning: service svc.cap.test. expects 20000.5/s, but its regions in service carry "
        "20000/s: 0.5/s short before any region fails"}},
      {"no expected_load: nothing to check", zone("geo", "", {{"us-east", "capacity = 10"}}), {}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    nines::testing::TempDir dir;
    const std::string path = dir.write("cap.test.toml", c.text);
    zones::LoadResult loaded = zones::loadZones(path);
    ASSERT_TRUE(loaded.errors.empty()) << loaded.errors.front().toString();
    std::vector<std::string> expected;
    const std::string where =
        path + ":" + std::to_string(nines::testing::lineOf(c.text, "[services.svc]")) + ":";
    for (const auto& warning : c.warnings) expected.push_back(warning);
    std::vector<std::string> got = capacityWarnings(loaded.zones);
    for (auto& line : got) {
      ASSERT_EQ(line.rfind(where, 0), 0u) << line;
      line.erase(0, line.find(": ") + 2);
    }
    EXPECT_EQ(got, expected);
  }
}

// The example zones are what operators copy: they keep to the N-1 rule.
TEST(CapacityCheckTest, TheExampleZonesKeepToTheRule) {
  zones::LoadResult loaded = zones::loadZones(std::string(NINES_SOURCE_DIR) + "/zones/examples");
  ASSERT_TRUE(loaded.errors.empty());
  EXPECT_EQ(capacityWarnings(loaded.zones), std::vector<std::string>{});
}

}  // namespace
}  // namespace nines::ctl
