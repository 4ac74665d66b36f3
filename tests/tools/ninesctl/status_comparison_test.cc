// `ninesctl consistency`'s comparison on /v1/status documents written here: what each aspect
// reads from a document, what counts as a difference, and what a person is shown.
#include "status_comparison.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace nines::ctl {
namespace {

using nlohmann::json;

// A status document as dnsd writes it (the fields compared, and some that are not).
json status(const std::string& config, const std::string& health, const std::string& us_east,
            const std::string& endpoint, json drains, json heard) {
  return {{"config_digest", config},
          {"zones", {{{"origin", "gslb.test."}, {"serial", 7}, {"records", 3}}}},
          {"health_digest", health},
          {"drains", drains},
          {"probers_heard", heard},
          {"now", 1234.5},
          {"services",
           {{{"zone", "gslb.test."},
             {"name", "www"},
             {"regions",
              {{{"name", "us-east"},
                {"state", us_east},
                {"reason", "whatever the prose says"},
                {"endpoints", {{{"address", "192.0.2.10"}, {"state", endpoint}}}}},
               {{"name", "eu-west"},
                {"state", "up"},
                {"endpoints", {{{"address", "198.51.100.10"}, {"state", "up"}}}}}}}}}}};
}

json agreeing() { return status("c1", "h1", "up", "up", json::array(), {"eu-1", "us-1"}); }

TEST(StatusComparisonTest, ReadsEveryComparedFieldOfADocument) {
  const NameserverView view = viewOfStatus(
      "http://ns1", status("c1", "h1", "drained", "drained", {"zone b.", "zone a."}, {"us-1"}));
  EXPECT_EQ(view.url, "http://ns1");
  EXPECT_EQ(view.config_digest, "c1");
  EXPECT_EQ(view.health_digest, "h1");
  EXPECT_EQ(view.zone_serials, (std::map<std::string, std::string>{{"gslb.test.", "7"}}));
  EXPECT_EQ(view.regions, (std::map<std::string, std::string>{{"www.gslb.test. us-east", "drained"},
                                                              {"www.gslb.test. eu-west", "up"}}));
  EXPECT_EQ(view.endpoints.at("www.gslb.test. us-east 192.0.2.10"), "drained");
  EXPECT_EQ(view.drains, (std::vector<std::string>{"zone a.", "zone b."})) << "sorted";
  EXPECT_EQ(view.probers_heard, std::vector<std::string>{"us-1"});
}

// One row a case: the second nameserver's document, and the aspects that then differ.
struct Case {
  const char* what;
  json second;
  std::vector<std::string> aspects;
};

TEST(StatusComparisonTest, EachAspectDiffersOnItsOwn) {
  const std::vector<Case> cases = {
      {"the same", agreeing(), {}},
      {"the same, prose and times aside",
       [] {
         json other = agreeing();
         other["now"] = 99.0;
         other["services"][0]["regions"][0]["reason"] = "other words";
         return other;
       }(),
       {}},
      {"probers heard in another order",
       status("c1", "h1", "up", "up", json::array(), {"us-1", "eu-1"}),
       {}},
      {"config",
       status("c2", "h1", "up", "up", json::array(), {"eu-1", "us-1"}),
       {"config digest"}},
      {"a region drained by the API on one",
       status("c1", "h2", "drained", "up", {"zone gslb.test., service www, region us-east"},
              {"eu-1", "us-1"}),
       {"health digest", "region verdicts", "drains"}},
      {"an endpoint down, its region still up",
       status("c1", "h2", "up", "down", json::array(), {"eu-1", "us-1"}),
       {"health digest", "endpoint states"}},
      {"another zone serial (dnsd.toml differing by design: the config digest too)",
       [] {
         json other = status("c2", "h1", "up", "up", json::array(), {"eu-1", "us-1"});
         other["zones"][0]["serial"] = 8;
         return other;
       }(),
       {"config digest", "zone serials"}},
      {"a zone only one serves",
       [] {
         json other = agreeing();
         other["zones"].push_back({{"origin", "more.test."}, {"serial", 1}});
         return other;
       }(),
       {"zone serials"}},
      {"a prober heard by one only",
       status("c1", "h1", "up", "up", json::array(), {"eu-1"}),
       {"probers heard"}},
      {"an older dnsd without the new fields",
       [] {
         json other = agreeing();
         other.erase("health_digest");
         other.erase("probers_heard");
         return other;
       }(),
       {"health digest", "probers heard"}},
  };
  for (const Case& c : cases) {
    const Comparison comparison = compareViews(
        {viewOfStatus("http://ns1", agreeing()), viewOfStatus("http://ns2", c.second)});
    std::vector<std::string> aspects;
    for (const auto& difference : comparison.differences) aspects.push_back(difference.aspect);
    EXPECT_EQ(aspects, c.aspects) << c.what;
    EXPECT_EQ(comparison.agree(), c.aspects.empty()) << c.what;
  }
}

TEST(StatusComparisonTest, ARegionOnlyOneNameserverHasIsADifference) {
  json fewer = agreeing();
  fewer["services"][0]["regions"].erase(1);
  const Comparison comparison =
      compareViews({viewOfStatus("http://ns1", agreeing()), viewOfStatus("http://ns2", fewer)});
  ASSERT_EQ(comparison.differences.size(), 2u);
  const Difference& regions = comparison.differences[0];
  EXPECT_EQ(regions.aspect, "region verdicts");
  EXPECT_EQ(regions.compared, 2u);
  ASSERT_EQ(regions.items.size(), 1u);
  EXPECT_EQ(regions.items[0].key, "www.gslb.test. eu-west");
  EXPECT_EQ(regions.items[0].values, (std::vector<std::string>{"up", "-"}));
}

TEST(StatusComparisonTest, ThreeNameserversDifferWhenAnyOneDoes) {
  const std::vector<NameserverView> views = {
      viewOfStatus("http://ns1", agreeing()), viewOfStatus("http://ns2", agreeing()),
      viewOfStatus("http://ns3", status("c1", "h1", "up", "up", json::array(), {"eu-1"}))};
  const Comparison comparison = compareViews(views);
  ASSERT_EQ(comparison.differences.size(), 1u);
  EXPECT_EQ(comparison.differences[0].items[0].values,
            (std::vector<std::string>{"eu-1, us-1", "eu-1, us-1", "eu-1"}));
}

TEST(StatusComparisonTest, APersonReadsWhatAgreesAndWhatDiffers) {
  const std::vector<NameserverView> same = {viewOfStatus("http://ns1", agreeing()),
                                            viewOfStatus("http://ns2", agreeing())};
  EXPECT_EQ(describeComparison(same, compareViews(same)),
            "2 nameservers agree: http://ns1 http://ns2\n"
            "  config digest  c1\n"
            "  zones          1\n"
            "  health digest  h1\n"
            "  regions        2 (2 up)\n"
            "  drains         (none)\n"
            "  probers heard  eu-1, us-1\n");

  const std::vector<NameserverView> parted = {
      viewOfStatus("http://ns1", agreeing()),
      viewOfStatus("http://ns2",
                   status("c1", "h2", "drained", "up", {"region us-east"}, {"eu-1"}))};
  EXPECT_EQ(describeComparison(parted, compareViews(parted)),
            "different health digest:\n"
            "  http://ns1  h1\n"
            "  http://ns2  h2\n"
            "different region verdicts (1 of 2):\n"
            "                          http://ns1  http://ns2\n"
            "  www.gslb.test. us-east  up          drained\n"
            "different drains:\n"
            "  http://ns1  (none)\n"
            "  http://ns2  region us-east\n"
            "different probers heard:\n"
            "  http://ns1  eu-1, us-1\n"
            "  http://ns2  eu-1\n"
            "DISAGREE: 2 nameservers differ on health digest, region verdicts, drains, probers "
            "heard\n");
}

TEST(StatusComparisonTest, ManyDifferingEndpointsAreCountedNotAllListed) {
  json many = agreeing();
  json other = agreeing();
  json& endpoints = many["services"][0]["regions"][0]["endpoints"];
  json& others = other["services"][0]["regions"][0]["endpoints"];
  for (int i = 0; i < 50; ++i) {
    endpoints.push_back({{"address", "192.0.2." + std::to_string(100 + i)}, {"state", "up"}});
    others.push_back({{"address", "192.0.2." + std::to_string(100 + i)}, {"state", "down"}});
  }
  const std::vector<NameserverView> views = {viewOfStatus("http://ns1", many),
                                             viewOfStatus("http://ns2", other)};
  const std::string text = describeComparison(views, compareViews(views));
  EXPECT_NE(text.find("different endpoint states (50 of 52):"), std::string::npos) << text;
  EXPECT_NE(text.find("  ... and 30 more\n"), std::string::npos) << text;
}

}  // namespace
}  // namespace nines::ctl
