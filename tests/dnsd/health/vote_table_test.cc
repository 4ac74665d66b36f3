// dnsd::VoteTable (DESIGN.md "Health semantics"): per target the latest vote of each prober;
// fresh votes (age <= report_ttl) decide by quorum (up when MORE than `quorum` of them say up);
// none fresh: unknown. And the RTT matrix: the median of fresh RTTs per prober region and service
// region. A fake clock drives every case.
#include "nines/dnsd/health/vote_table.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

namespace nines::dnsd {
namespace {

using policy::EndpointState;

constexpr const char* kTarget = "gslb.test.|web|127.0.0.11";

struct FakeClock {
  double now = 1000;
  VoteTable::Clock clock() {
    return [this] { return now; };
  }
};

// One vote arriving at time `at` (seconds after the start).
struct VoteAt {
  double at;
  const char* prober;
  bool up;
  double rtt_ms = 1.0;
};

struct VerdictCase {
  const char* what;
  double quorum;
  std::vector<VoteAt> votes;
  double check_at;  // seconds after the start
  EndpointState state;
  std::size_t fresh, up;
  const char* reason;  // the whole reason text
};

using E = EndpointState;

// clang-format off: one line a case
const VerdictCase kVerdictCases[] = {
    {"no votes: unknown", 0.5, {}, 0, E::Unknown, 0, 0, "no votes yet"},
    {"one of one up",
     0.5,
     {{0, "eu-1", true}},
     1,
     E::Up,
     1,
     1,
     "1/1 fresh votes up (quorum > 0.5)"},
    {"one of one down",
     0.5,
     {{0, "eu-1", false}},
     1,
     E::Down,
     1,
     0,
     "0/1 fresh votes up (quorum > 0.5); eu-1: refused"},
    // 1 of 2 is exactly half: not MORE than half.
    {"1/2 is not a majority",
     0.5,
     {{0, "eu-1", true}, {0, "us-1", false}},
     1,
     E::Down,
     2,
     1,
     "1/2 fresh votes up (quorum > 0.5); us-1: refused"},
    {"2/3 up",
     0.5,
     {{0, "eu-1", true}, {0, "us-1", true}, {0, "ap-1", false}},
     1,
     E::Up,
     3,
     2,
     "2/3 fresh votes up (quorum > 0.5)"},
    {"1/3 down",
     0.5,
     {{0, "eu-1", true}, {0, "us-1", false}, {0, "ap-1", false}},
     1,
     E::Down,
     3,
     1,
     "1/3 fresh votes up (quorum > 0.5); us-1: refused"},
    {"quorum 0: one up vote is enough",
     0.0,
     {{0, "eu-1", true}, {0, "us-1", false}, {0, "ap-1", false}},
     1,
     E::Up,
     3,
     1,
     "1/3 fresh votes up (quorum > 0)"},
    {"quorum 0: no up vote",
     0.0,
     {{0, "eu-1", false}},
     1,
     E::Down,
     1,
     0,
     "0/1 fresh votes up (quorum > 0); eu-1: refused"},
    {"quorum 0.66: 2/3 is more",
     0.66,
     {{0, "eu-1", true}, {0, "us-1", true}, {0, "ap-1", false}},
     1,
     E::Up,
     3,
     2,
     "2/3 fresh votes up (quorum > 0.66)"},
    {"quorum 0.67: 2/3 is not",
     0.67,
     {{0, "eu-1", true}, {0, "us-1", true}, {0, "ap-1", false}},
     1,
     E::Down,
     3,
     2,
     "2/3 fresh votes up (quorum > 0.67); ap-1: refused"},
    // The latest vote of a prober replaces its earlier one.
    {"latest vote counts",
     0.5,
     {{0, "eu-1", false}, {2, "eu-1", true}},
     3,
     E::Up,
     1,
     1,
     "1/1 fresh votes up (quorum > 0.5)"},
    // A vote exactly report_ttl (10 s) old is still fresh; older is not.
    {"10 s old: fresh",
     0.5,
     {{0, "eu-1", true}},
     10,
     E::Up,
     1,
     1,
     "1/1 fresh votes up (quorum > 0.5)"},
    {"every vote expired: unknown",
     0.5,
     {{0, "eu-1", false}, {1, "us-1", false}},
     13.3,
     E::Unknown,
     0,
     0,
     "no fresh votes (last 12.3 s ago)"},
    // A prober that stops reporting (eu-1, up at 0) counts while its vote is fresh, then drops
    // out of the quorum and the probers that still report decide.
    {"silent prober still fresh",
     0.5,
     {{0, "eu-1", true},
      {0, "us-1", true},
      {0, "ap-1", false},
      {8, "us-1", false},
      {8, "ap-1", false}},
     9,
     E::Down,
     3,
     1,
     "1/3 fresh votes up (quorum > 0.5); us-1: refused"},
    {"silent prober expired",
     0.5,
     {{0, "eu-1", true},
      {0, "us-1", true},
      {0, "ap-1", false},
      {8, "us-1", true},
      {8, "ap-1", false}},
     11,
     E::Down,
     2,
     1,
     "1/2 fresh votes up (quorum > 0.5); ap-1: refused"},
    {"silent down prober expired",
     0.5,
     {{0, "eu-1", false}, {8, "us-1", true}, {8, "ap-1", true}},
     11,
     E::Up,
     2,
     2,
     "2/2 fresh votes up (quorum > 0.5)"},
};
// clang-format on

TEST(VoteTable, VerdictsFollowQuorumOverFreshVotes) {
  for (const VerdictCase& c : kVerdictCases) {
    SCOPED_TRACE(c.what);
    FakeClock clock;
    const double start = clock.now;
    VoteTable table({c.quorum, 10.0}, clock.clock());
    table.setTargets({kTarget, "other|web|127.0.0.12"});
    for (const VoteAt& vote : c.votes) {
      clock.now = start + vote.at;
      table.apply({vote.prober, "r", std::nullopt}, {{kTarget, vote.up, vote.up ? vote.rtt_ms : -1,
                                                      vote.up ? "HTTP 200" : "refused"}});
    }
    Verdict verdict = table.verdict(kTarget, start + c.check_at);
    EXPECT_EQ(verdict.state, c.state);
    std::uint64_t version = 0;
    ASSERT_EQ(table.indicesOf({kTarget}, &version), std::vector<std::int32_t>{0});
    std::vector<EndpointState> states;
    ASSERT_TRUE(table.states(start + c.check_at, version, states));
    EXPECT_EQ(states, (std::vector<EndpointState>{c.state, EndpointState::Unknown}));
    EXPECT_EQ(verdict.fresh, c.fresh);
    EXPECT_EQ(verdict.up, c.up);
    EXPECT_EQ(verdict.reason, c.reason);
    // Nothing spills over to another target.
    EXPECT_EQ(table.verdict("other|web|127.0.0.12", start + c.check_at).state,
              EndpointState::Unknown);
  }
}

TEST(VoteTable, VotesForUnknownTargetsAreIgnoredAndDroppedTargetsForgotten) {
  FakeClock clock;
  VoteTable table({0.5, 10.0}, clock.clock());
  table.setTargets({kTarget});
  EXPECT_EQ(table.apply({"eu-1", "eu-west", std::nullopt},
                        {{kTarget, true, 1, "ok"}, {"nobody|web|127.0.0.99", true, 1, "ok"}}),
            1u);
  EXPECT_FALSE(table.knows("nobody|web|127.0.0.99"));
  EXPECT_EQ(table.verdict("nobody|web|127.0.0.99", clock.now).state, EndpointState::Unknown);
  EXPECT_EQ(table.verdict(kTarget, clock.now).state, EndpointState::Up);
  // A reload that keeps the target keeps its votes; one that drops it forgets them.
  table.setTargets({kTarget, "new|web|127.0.0.13"});
  EXPECT_EQ(table.verdict(kTarget, clock.now).state, EndpointState::Up);
  table.setTargets({"new|web|127.0.0.13"});
  table.setTargets({kTarget});
  EXPECT_EQ(table.verdict(kTarget, clock.now).reason, "no votes yet");
}

// states() keeps its answers between calls and recounts only what changed, or everything when a
// vote may have gone stale. Whatever happens in between (partial reports, shuffled result order,
// targets we do not know, minds changed, time passing in steps around report_ttl, the clock
// stepping back, the targets renumbered by a reload), it must say what verdict() says.
TEST(VoteTable, KeptStatesAgreeWithVerdictsThroughAnySequence) {
  FakeClock clock;
  VoteTable table({0.5, 5.0}, clock.clock());
  std::mt19937 random(20261125);
  auto chance = [&](int percent) { return static_cast<int>(random() % 100) < percent; };
  std::vector<std::string> all;
  for (int i = 0; i < 24; ++i) all.push_back("gslb.test.|web|127.0.1." + std::to_string(i + 1));
  std::vector<std::string> targets(all.begin(), all.begin() + 20);
  table.setTargets(targets);
  const char* probers[] = {"eu-1", "us-1", "ap-1", "sa-1"};
  std::size_t stale_seen = 0, recounts = 0;
  for (int step = 0; step < 3000; ++step) {
    const int what = static_cast<int>(random() % 100);
    if (what < 55) {
      std::vector<probers::ReportResult> results;
      for (const auto& id : all) {
        if (chance(80)) results.push_back({id, chance(70), 1.0, "r"});
      }
      if (chance(20)) std::shuffle(results.begin(), results.end(), random);
      table.apply({probers[random() % 4], "r", std::nullopt}, results);
    } else if (what < 90) {
      clock.now += static_cast<double>(random() % 3000) / 1000.0;
    } else if (what < 95) {
      clock.now -= static_cast<double>(random() % 2000) / 1000.0;
    } else {
      std::shuffle(all.begin(), all.end(), random);
      targets.assign(all.begin(), all.begin() + 18 + static_cast<long>(random() % 6));
      table.setTargets(targets);
      ++recounts;
    }
    std::uint64_t version = 0;
    table.indicesOf({}, &version);
    std::vector<EndpointState> states;
    ASSERT_TRUE(table.states(clock.now, version, states));
    ASSERT_EQ(states.size(), targets.size());
    for (std::size_t t = 0; t < targets.size(); ++t) {
      const Verdict verdict = table.verdict(targets[t], clock.now);
      ASSERT_EQ(states[t], verdict.state)
          << "step " << step << ", " << targets[t] << ": " << verdict.reason;
      if (verdict.reason.rfind("no fresh", 0) == 0) ++stale_seen;
    }
  }
  // The sequence did go through votes going stale and reloads, or it proved little.
  EXPECT_GT(stale_seen, 100u);
  EXPECT_GT(recounts, 20u);
}

// A report lists its targets in the order of the last one, usually: when it does not, each vote
// still lands on the target it names.
TEST(VoteTable, VotesLandOnTheirTargetsWhateverTheOrder) {
  FakeClock clock;
  VoteTable table({0.5, 10.0}, clock.clock());
  table.setTargets({"a|web|127.0.0.1", "b|web|127.0.0.2", "c|web|127.0.0.3"});
  const ProberInfo eu{"eu-1", "eu-west", std::nullopt};
  table.apply(eu, {{"a|web|127.0.0.1", true, 1, "ok"},
                   {"b|web|127.0.0.2", false, -1, "refused"},
                   {"c|web|127.0.0.3", true, 1, "ok"}});
  // Reversed, one target dropped and one we do not know in its place.
  EXPECT_EQ(table.apply(eu, {{"c|web|127.0.0.3", false, -1, "timeout"},
                             {"x|web|127.0.0.9", true, 1, "ok"},
                             {"a|web|127.0.0.1", false, -1, "HTTP 503"}}),
            2u);
  EXPECT_EQ(table.verdict("a|web|127.0.0.1", clock.now).state, EndpointState::Down);
  EXPECT_EQ(table.verdict("b|web|127.0.0.2", clock.now).state, EndpointState::Down);
  EXPECT_EQ(table.verdict("c|web|127.0.0.3", clock.now).state, EndpointState::Down);
  EXPECT_EQ(table.votes("a|web|127.0.0.1", clock.now).at(0).reason, "HTTP 503");
  EXPECT_EQ(table.votes("c|web|127.0.0.3", clock.now).at(0).reason, "timeout");
  EXPECT_EQ(table.votes("b|web|127.0.0.2", clock.now).at(0).reason, "refused");
}

TEST(VoteTable, VotesShowEachProbersLatestWithItsAge) {
  FakeClock clock;
  VoteTable table({0.5, 10.0}, clock.clock());
  table.setTargets({kTarget});
  table.apply({"us-1", "us-east", std::nullopt}, {{kTarget, false, -1, "timeout after 1.0 s"}});
  clock.now += 4;
  table.apply({"eu-1", "eu-west", std::nullopt}, {{kTarget, true, 2.5, "HTTP 200"}});
  clock.now += 7.5;
  auto votes = table.votes(kTarget, clock.now);
  ASSERT_EQ(votes.size(), 2u);
  EXPECT_EQ(votes[0].prober, "eu-1");
  EXPECT_EQ(votes[0].region, "eu-west");
  EXPECT_TRUE(votes[0].up);
  EXPECT_DOUBLE_EQ(votes[0].rtt_ms, 2.5);
  EXPECT_DOUBLE_EQ(votes[0].age, 7.5);
  EXPECT_TRUE(votes[0].fresh);
  EXPECT_EQ(votes[1].prober, "us-1");
  EXPECT_EQ(votes[1].reason, "timeout after 1.0 s");
  EXPECT_DOUBLE_EQ(votes[1].age, 11.5);
  EXPECT_FALSE(votes[1].fresh);
}

// One RTT sample: prober `prober` in `region` (at `location`, if any) measured `rtt_ms` to
// endpoint target `target`, `age` seconds ago.
struct Sample {
  const char* prober;
  const char* region;
  const char* target;
  double rtt_ms;
  double age = 0;
};

struct RttCase {
  const char* what;
  std::vector<Sample> samples;
  // Expected: vantage region -> one value per column (us-east, eu-west); -1 unknown.
  std::vector<std::pair<std::string, std::vector<double>>> rows;
};

// Targets a..c serve in us-east, d..e in eu-west.
const std::vector<std::pair<std::string, std::string>> kMembers = {{"z|web|a", "us-east"},
                                                                   {"z|web|b", "us-east"},
                                                                   {"z|web|c", "us-east"},
                                                                   {"z|web|d", "eu-west"},
                                                                   {"z|web|e", "eu-west"}};

const RttCase kRttCases[] = {
    {"nothing measured", {}, {}},
    {"one prober, odd count: the middle one",
     {{"eu-1", "eu-west", "z|web|a", 80},
      {"eu-1", "eu-west", "z|web|b", 90},
      {"eu-1", "eu-west", "z|web|c", 300},
      {"eu-1", "eu-west", "z|web|d", 2}},
     {{"eu-west", {90, 2}}}},
    {"two probers of one region pool their samples; even count: the mean of the middle two",
     {{"eu-1", "eu-west", "z|web|a", 80},
      {"eu-2", "eu-west", "z|web|a", 100},
      {"eu-1", "eu-west", "z|web|d", 3},
      {"eu-2", "eu-west", "z|web|e", 5}},
     {{"eu-west", {90, 4}}}},
    {"stale and failed votes are left out",
     {{"us-1", "us-east", "z|web|a", 1},
      {"us-1", "us-east", "z|web|b", 500, 11},
      {"us-1", "us-east", "z|web|d", -1}},
     {{"us-east", {1, -1}}}},
    {"one row per prober region",
     {{"us-1", "us-east", "z|web|a", 1},
      {"eu-1", "eu-west", "z|web|a", 80},
      {"us-1", "us-east", "z|web|d", 75},
      {"eu-1", "eu-west", "z|web|d", 2}},
     {{"eu-west", {80, 2}}, {"us-east", {1, 75}}}},
};

TEST(VoteTable, RttMatrixIsTheMedianOfFreshRttsPerRegionPair) {
  const std::vector<std::pair<std::string, zones::GeoPoint>> locations = {
      {"us-east", {38.9, -77.0}}, {"eu-west", {53.3, -6.3}}};
  for (const RttCase& c : kRttCases) {
    SCOPED_TRACE(c.what);
    FakeClock clock;
    VoteTable table({0.5, 10.0}, clock.clock());
    std::vector<std::string> ids;
    for (const auto& [id, region] : kMembers) ids.push_back(id);
    table.setTargets(ids);
    const double now = clock.now + 20;
    for (const Sample& s : c.samples) {
      clock.now = now - s.age;
      table.apply({s.prober, s.region, std::nullopt}, {{s.target, s.rtt_ms >= 0, s.rtt_ms, ""}});
    }
    policy::RttMatrix matrix = table.rttMatrix(kMembers, locations, now);
    ASSERT_EQ(matrix.vantages.size(), c.rows.size());
    if (c.rows.empty()) continue;
    ASSERT_EQ(matrix.regions, (std::vector<std::string>{"eu-west", "us-east"}));
    for (std::size_t v = 0; v < c.rows.size(); ++v) {
      EXPECT_EQ(matrix.vantages[v].region, c.rows[v].first);
      // Columns are sorted by name: eu-west, us-east; the expectation is written us-east first.
      EXPECT_EQ(matrix.rtt_ms[v], (std::vector<double>{c.rows[v].second[1], c.rows[v].second[0]}));
    }
  }
}

TEST(VoteTable, VantageLocationsComeFromReportsThenRegionNames) {
  FakeClock clock;
  VoteTable table({0.5, 10.0}, clock.clock());
  table.setTargets({"z|web|a"});
  const std::vector<std::pair<std::string, std::string>> members = {{"z|web|a", "us-east"}};
  const std::vector<std::pair<std::string, zones::GeoPoint>> locations = {
      {"eu-west", {53.3, -6.3}}};
  // A lone vantage with no location at all is kept: it is the nearest to everyone.
  table.apply({"embedded", "local", std::nullopt}, {{"z|web|a", true, 1, ""}});
  auto matrix = table.rttMatrix(members, locations, clock.now);
  ASSERT_EQ(matrix.vantages.size(), 1u);
  EXPECT_EQ(matrix.vantages[0].region, "local");
  // With others, it is left out; eu-west gets its zone region's location, ap-1 its own.
  table.apply({"eu-1", "eu-west", std::nullopt}, {{"z|web|a", true, 80, ""}});
  table.apply({"ap-1", "ap-south", zones::GeoPoint{19.1, 72.9}}, {{"z|web|a", true, 200, ""}});
  matrix = table.rttMatrix(members, locations, clock.now);
  ASSERT_EQ(matrix.vantages.size(), 2u);
  EXPECT_EQ(matrix.vantages[0].region, "ap-south");
  EXPECT_DOUBLE_EQ(matrix.vantages[0].location.latitude, 19.1);
  EXPECT_EQ(matrix.vantages[1].region, "eu-west");
  EXPECT_DOUBLE_EQ(matrix.vantages[1].location.latitude, 53.3);
  EXPECT_EQ(matrix.rtt_ms, (std::vector<std::vector<double>>{{200}, {80}}));
}

}  // namespace
}  // namespace nines::dnsd
