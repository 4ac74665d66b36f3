// [services.X.geo] nets_file (zones/src/nets_file.cc): a service's geo nets in a file of their
// own, read with the zone, each problem at the nets file's line and column.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "nines/zones/loader.h"
#include "zone_test_files.h"

namespace nines::zones {
namespace {

using test_files::lines;
using test_files::TempDir;
using Regions = std::vector<std::string>;

// A geo service with pools in us-east and eu-west, its [services.www.geo] on line 20 and `rules`
// from line 21.
std::string zoneWithGeo(std::initializer_list<std::string> rules) {
  return lines({"origin = \"example.test.\"",
                "[soa]",
                "mname = \"ns1\"",
                "rname = \"hostmaster\"",
                "refresh = 1",
                "retry = 1",
                "expire = 1",
                "minimum = 1",
                "[records]",
                "\"@\" = [\"NS ns1\"]",
                "ns1 = [\"A 192.0.2.53\"]",
                "[regions.us-east]",
                "[regions.eu-west]",
                "[services.www]",
                "policy = \"geo\"",
                "[services.www.pools.us-east]",
                "endpoints = [\"192.0.2.1\"]",
                "[services.www.pools.eu-west]",
                "endpoints = [\"198.51.100.1\"]",
                "[services.www.geo]"}) +
         lines(rules);
}

TEST(NetsFile, ReadBesideTheZone) {
  TempDir dir;
  dir.write("www.nets",
            lines({"# CIDR  regions, most preferred first", "", "192.0.2.0/24 us-east eu-west",
                   "  2001:db8::/32\teu-west   # trailing comment",
                   "198.51.100.0/24,eu-west,us-east", "10.0.0.0/8 us-east\r"}));
  LoadResult result = loadZoneFile(dir.write(
      "zone.toml",
      zoneWithGeo({"nets = { \"203.0.113.0/24\" = [\"eu-west\"] }", "nets_file = \"www.nets\""})));
  ASSERT_EQ(dir.errors(result), std::vector<std::string>{});
  ASSERT_EQ(result.zones.size(), 1u);
  const GeoRules& geo = result.zones[0].services[0].geo;
  ASSERT_EQ(geo.nets.size(), 5u);  // the table's, then the file's in file order
  EXPECT_EQ(geo.nets[0].first.toString(), "203.0.113.0/24");
  EXPECT_EQ(geo.nets[1].first.toString(), "192.0.2.0/24");
  EXPECT_EQ(geo.nets[1].second, (Regions{"us-east", "eu-west"}));
  EXPECT_EQ(geo.nets[2].first.toString(), "2001:db8::/32");
  EXPECT_EQ(geo.nets[2].second, Regions{"eu-west"});
  EXPECT_EQ(geo.nets[3].second, (Regions{"eu-west", "us-east"}));
  EXPECT_EQ(geo.nets[4].first.toString(), "10.0.0.0/8");
  EXPECT_EQ(geo.nets_file, dir.path() + "/www.nets");

  // Read again from what was kept (a reload keeping the last good zone), the zone is the same
  // whatever the nets file on disk says now.
  dir.write("www.nets", "not a nets file\n");
  const Zone& zone = result.zones[0];
  LoadResult again = loadZoneText(zone.file, zone.text, zone.nets_texts);
  ASSERT_EQ(again.zones.size(), 1u) << dir.errors(again).front();
  EXPECT_EQ(again.zones[0].services[0].geo.nets.size(), 5u);
}

TEST(NetsFile, EveryProblemAtItsLine) {
  TempDir dir;
  dir.write("www.nets",
            lines({"192.0.2.0/24 us-east", "192.0.2.1/24 us-east", "not-a-net us-east",
                   "198.51.100.0/24", "203.0.113.0/24 ap-south us-east",
                   "2001:db8::/32 eu-west eu-west", "192.0.2.0/24 eu-west", "10.0.0.0/8 us-east"}));
  LoadResult result = loadZoneFile(dir.write(
      "zone.toml",
      zoneWithGeo({"nets = { \"10.0.0.0/8\" = [\"eu-west\"] }", "nets_file = \"www.nets\""})));
  EXPECT_EQ(
      dir.errors(result),
      (std::vector<std::string>{
          "www.nets:2:1: \"192.0.2.1/24\": host bits set beyond /24 (did you mean "
          "192.0.2.0/24?)",
          "www.nets:3:1: \"not-a-net\": expected ADDRESS/PREFIX",
          "www.nets:4:16: 198.51.100.0/24 names no region; write the regions after the "
          "network, most preferred first, e.g. \"198.51.100.0/24 us-east eu-west\"",
          "www.nets:5:16: 203.0.113.0/24 names \"ap-south\", which is not a pool of service "
          "\"www\" (pools: us-east, eu-west)",
          "www.nets:6:23: 2001:db8::/32 names \"eu-west\" twice",
          "www.nets:7:1: 192.0.2.0/24 is written twice (first at " + dir.path() + "/www.nets:1:1)",
          "www.nets:8:1: 10.0.0.0/8 is written twice (first at " + dir.path() + "/zone.toml:21:10)",
          "zone.toml:22:13: services.www.geo.nets_file \"www.nets\": 7 problems in the nets file",
      }));
  EXPECT_TRUE(result.zones.empty()) << "a zone with a bad nets file is not served";
}

TEST(NetsFile, Missing) {
  TempDir dir;
  LoadResult result =
      loadZoneFile(dir.write("zone.toml", zoneWithGeo({"nets_file = \"absent.nets\""})));
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_EQ(dir.errors(result)[0],
            "zone.toml:21:13: services.www.geo.nets_file \"absent.nets\": "
            "cannot read " +
                dir.path() + "/absent.nets: No such file or directory");
  EXPECT_TRUE(result.zones.empty());
}

}  // namespace
}  // namespace nines::zones
