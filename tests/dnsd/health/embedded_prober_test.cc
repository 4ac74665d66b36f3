// dnsd::EmbeddedProber: the engine's target states become the votes of prober "embedded" in the
// vote table (Unknown casts none), fed on change and at least every second; end to end against
// a TCP listener on 127.0.0.1 that the test opens and closes.
#include "nines/dnsd/health/embedded_prober.h"

#include <gtest/gtest.h>
#include <sys/socket.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "loopback.h"
#include "process.h"

namespace nines::dnsd {
namespace {

using policy::EndpointState;

double wallNow() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

TEST(EmbeddedProber, EngineStatesBecomeVotes) {
  using probers::TargetState;
  struct Case {
    TargetState state;
    bool votes;
    bool up;
  };
  const Case cases[] = {{TargetState::Unknown, false, false},
                        {TargetState::Up, true, true},
                        {TargetState::Down, true, false}};
  for (const Case& c : cases) {
    probers::TargetStatus status;
    status.id = "z|web|127.0.0.1";
    status.state = c.state;
    status.rtt_ms = 0.5;
    status.reason = "connected";
    auto votes = EmbeddedProber::votesOf({status});
    ASSERT_EQ(votes.size(), c.votes ? 1u : 0u);
    if (!c.votes) continue;
    EXPECT_EQ(votes[0].target, status.id);
    EXPECT_EQ(votes[0].up, c.up);
    EXPECT_DOUBLE_EQ(votes[0].rtt_ms, 0.5);
    EXPECT_EQ(votes[0].reason, "connected");
  }
}

TEST(EmbeddedProber, ChecksFeedTheVoteTable) {
  auto listener = std::make_unique<nines::testing::BoundSocket>(SOCK_STREAM);
  ASSERT_TRUE(listener->bound() && listener->listen(64));
  probers::CheckTarget target;
  target.zone = "gslb.test.";
  target.check.name = "web";
  target.check.type = "tcp";
  target.check.port = listener->port();
  target.check.interval = 0.2;
  target.check.timeout = 0.5;
  target.check.rise = 1;
  target.check.fall = 1;
  target.endpoint = *zones::IpAddress::parse("127.0.0.1");
  target.address = target.endpoint;
  target.port = listener->port();
  target.id = probers::targetId(target.zone, target.check.name, target.endpoint);
  const std::string id = target.id;

  VoteTable table({0.5, 10.0}, wallNow);
  table.setTargets({id});
  EmbeddedProber prober(table);
  prober.setTargets({target});
  prober.start();
  auto stateIs = [&](EndpointState state) {
    prober.feedVotes(wallNow());
    return table.verdict(id, wallNow()).state == state;
  };
  ASSERT_TRUE(nines::testing::waitUntil([&] { return stateIs(EndpointState::Up); }))
      << table.verdict(id, wallNow()).reason;
  auto votes = table.votes(id, wallNow());
  ASSERT_EQ(votes.size(), 1u);
  EXPECT_EQ(votes[0].prober, kEmbeddedProber);
  EXPECT_EQ(votes[0].region, kEmbeddedRegion);
  EXPECT_GE(votes[0].rtt_ms, 0);
  EXPECT_GT(prober.lastFeed(), 0);

  listener.reset();  // connections now refused
  ASSERT_TRUE(nines::testing::waitUntil([&] { return stateIs(EndpointState::Down); }))
      << table.verdict(id, wallNow()).reason;
  prober.stop();
}

TEST(EmbeddedProber, FeedsVotesOnChangeOrEverySecond) {
  double now = 100;
  VoteTable table({0.5, 10.0}, [&] { return now; });
  table.setTargets({"z|web|127.0.0.1"});
  EmbeddedProber prober(table);        // never started: nothing changes after the first feed
  EXPECT_TRUE(prober.feedVotes(now));  // the first feed
  EXPECT_FALSE(prober.feedVotes(now + 0.5));
  EXPECT_TRUE(prober.feedVotes(now + 1.0));
  prober.setTargets({});  // a change
  EXPECT_TRUE(prober.feedVotes(now + 1.1));
}

}  // namespace
}  // namespace nines::dnsd
