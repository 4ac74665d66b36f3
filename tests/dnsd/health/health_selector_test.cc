// HealthSelector: how an operator's zone, service and region names match what is served (zones
// without case and with or without the final dot; an empty field matches everything), and how a
// selector is described in logs and /v1/status.
#include "nines/dnsd/health/health_selector.h"

#include <gtest/gtest.h>

#include <string>

namespace nines::dnsd {
namespace {

struct MatchCase {
  HealthSelector selector;
  std::string zone, service, region;
  bool zone_matches, service_matches, region_matches;
};

TEST(HealthSelector, MatchesByField) {
  const MatchCase cases[] = {
      {{}, "gslb.test.", "www", "eu-west", true, true, true},
      {{"GSLB.Test", "", "", ""}, "gslb.test.", "www", "eu-west", true, true, true},
      {{"gslb.test.", "", "", ""}, "other.test.", "www", "eu-west", false, false, true},
      {{"", "www", "", ""}, "gslb.test.", "api", "eu-west", true, false, true},
      {{"", "", "eu-west", ""}, "gslb.test.", "www", "us-east", true, true, false},
      {{"gslb.test", "www", "eu-west", ""}, "gslb.test.", "www", "eu-west", true, true, true},
  };
  for (const MatchCase& c : cases) {
    SCOPED_TRACE(describe(c.selector));
    EXPECT_EQ(c.selector.matchesZone(c.zone), c.zone_matches);
    EXPECT_EQ(c.selector.matchesService(c.zone, c.service), c.service_matches);
    EXPECT_EQ(c.selector.matchesRegion(c.region), c.region_matches);
  }
}

TEST(HealthSelector, DescribesTheFieldsItSets) {
  EXPECT_EQ(describe({}), "everything");
  EXPECT_EQ(describe({"", "www", "eu-west", ""}), "service www region eu-west");
  EXPECT_EQ(describe({"gslb.test.", "", "", "192.0.2.1"}), "zone gslb.test. endpoint 192.0.2.1");
}

TEST(HealthSelector, CanonicalOriginsAreLowercaseWithTheFinalDot) {
  EXPECT_EQ(canonicalOrigin("Example.TEST"), "example.test.");
  EXPECT_EQ(canonicalOrigin("example.test."), "example.test.");
  EXPECT_EQ(canonicalOrigin(""), ".");
}

}  // namespace
}  // namespace nines::dnsd
