// describeHealthChanges(): the operator log's lines when health changes, from the changes
// between two real views built by the view builder. One line per region in or out of answers, one
// per check target, the reason in each, nothing when nothing changed, and a bounded number of lines
// in a mass event.
#include "nines/dnsd/health/health_change_log.h"

#include <gtest/gtest.h>

#include "health_fixture.h"

namespace nines::dnsd {
namespace {

using namespace test;

class HealthChangeLogTest : public HealthFixture {
 protected:
  std::vector<std::string> linesFor(const policy::HealthView& before,
                                    const policy::HealthView& after) {
    return describeHealthChanges(viewChanges(*services_, before, *services_, after, now_));
  }
};

TEST_F(HealthChangeLogTest, NothingChangedNothingSaid) {
  vote("us-1", "127.0.0.11", true);
  auto before = builder_.build(*services_);
  now_ += 1;
  auto after = builder_.build(*services_);
  EXPECT_TRUE(linesFor(*before, *after).empty());
}

TEST_F(HealthChangeLogTest, ARegionLeavingAndComingBackSaysWhy) {
  vote("eu-1", "127.0.0.21", true);
  auto up = builder_.build(*services_);
  vote("eu-1", "127.0.0.21", false);
  auto down = builder_.build(*services_);
  // api is not checked: its eu-west stays in answers.
  EXPECT_EQ(linesFor(*up, *down),
            (std::vector<std::string>{
                "health: www.gslb.test. region eu-west out of answers (0/1 endpoints up or "
                "unknown, min_up 1)",
                "health: gslb.test.|web|127.0.0.21 up -> down (0/1 fresh votes up (quorum > "
                "0.5); eu-1: refused)",
            }));
  vote("eu-1", "127.0.0.21", true);
  auto back = builder_.build(*services_);
  auto lines = linesFor(*down, *back);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0].rfind("health: www.gslb.test. region eu-west back in answers (", 0), 0u)
      << lines[0];
  EXPECT_EQ(lines[1].rfind("health: gslb.test.|web|127.0.0.21 down -> up (", 0), 0u) << lines[1];
}

TEST_F(HealthChangeLogTest, AnEndpointThatKeepsItsRegionUpIsOneLine) {
  vote("us-1", "127.0.0.11", true);
  vote("us-1", "127.0.0.12", true);
  auto before = builder_.build(*services_);
  vote("us-1", "127.0.0.12", false);
  auto after = builder_.build(*services_);
  EXPECT_EQ(
      linesFor(*before, *after),
      std::vector<std::string>{"health: gslb.test.|web|127.0.0.12 up -> down (0/1 fresh votes "
                               "up (quorum > 0.5); us-1: refused)"});
}

TEST_F(HealthChangeLogTest, AMassEventIsBounded) {
  std::string zone = nines::testing::zoneHead("gslb.test.", 1) +
                     "\"@\" = [\"NS ns1.gslb.test.\"]\nns1 = [\"A 127.0.0.53\"]\n"
                     "[checks.web]\ntype = \"tcp\"\nport = 8080\n"
                     "[regions.us-east]\nlocation = [38.9, -77.0]\n"
                     "[services.www]\npolicy = \"geo\"\ncheck = \"web\"\n"
                     "[services.www.pools.us-east]\nendpoints = [";
  for (int i = 1; i <= 200; ++i) {
    zone += (i > 1 ? ", \"127.0.1." : "\"127.0.1.") + std::to_string(i) + "\"";
  }
  zone += "]\n";
  services_ = load(zone);
  ASSERT_NE(services_, nullptr);
  auto vote_all = [&](bool up) {
    for (int i = 1; i <= 200; ++i) {
      votes_.apply({"us-1", "us-east", std::nullopt},
                   {{probers::targetId("gslb.test.", "web",
                                       *zones::IpAddress::parse("127.0.1." + std::to_string(i))),
                     up, up ? 1.0 : -1.0, up ? "ok" : "refused"}});
    }
  };
  vote_all(true);
  auto before = builder_.build(*services_);
  vote_all(false);
  auto after = builder_.build(*services_);
  auto lines = linesFor(*before, *after);
  ASSERT_EQ(lines.size(), kMaxHealthChangeLines + 1);
  // 201 changes (the region and 200 endpoints), 50 told one by one.
  EXPECT_EQ(lines.back(), "health: 151 more change(s) in this publication");
}

}  // namespace
}  // namespace nines::dnsd
