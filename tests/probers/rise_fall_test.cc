#include "nines/probers/rise_fall.h"

#include <gtest/gtest.h>

#include <string>

namespace nines::probers {
namespace {

// One case a line: thresholds, results ('+' pass, '-' fail) and the state after each result
// ('U' up, 'D' down).
struct Case {
  std::uint32_t rise, fall;
  std::string results;
  std::string states;
};

const Case kCases[] = {
    // The header's scenario: the first result decides, then fall 3 and rise 2.
    {2, 3, "+---", "UUUD"},
    {2, 3, "+----++", "UUUDDDU"},
    {2, 3, "---+-++", "DDDDDDU"},  // a failure resets the success run
    {2, 3, "+--+--", "UUUUUU"},    // a success resets the failure run
    {1, 1, "+-+-", "UDUD"},
    {3, 1, "-++-+++", "DDDDDDU"},
    {1, 2, "-+-+", "DUUU"},
    {0, 0, "+-+", "UDU"},  // 0 means 1
    {2, 2, "-", "D"},      // a first failure takes it down at once too
};

TEST(RiseFallTest, SequencesGiveStates) {
  for (const auto& c : kCases) {
    SCOPED_TRACE("rise " + std::to_string(c.rise) + " fall " + std::to_string(c.fall) + " " +
                 c.results);
    RiseFall machine(c.rise, c.fall);
    EXPECT_EQ(machine.state(), TargetState::Unknown);
    std::string states;
    TargetState before = machine.state();
    for (char result : c.results) {
      bool changed = machine.observe(result == '+');
      EXPECT_EQ(changed, machine.state() != before) << "after " << states.size() + 1;
      before = machine.state();
      states.push_back(machine.state() == TargetState::Up ? 'U' : 'D');
    }
    EXPECT_EQ(states, c.states);
  }
}

TEST(RiseFallTest, ReconfigureKeepsStateAndRuns) {
  RiseFall machine(2, 5);
  machine.observe(true);
  machine.observe(false);
  machine.observe(false);
  machine.reconfigure(2, 3);
  EXPECT_EQ(machine.state(), TargetState::Up);
  EXPECT_TRUE(machine.observe(false));  // the third failure in a row, now that fall is 3
  EXPECT_EQ(machine.state(), TargetState::Down);
}

TEST(RiseFallTest, StateNames) {
  EXPECT_STREQ(stateName(TargetState::Unknown), "unknown");
  EXPECT_STREQ(stateName(TargetState::Up), "up");
  EXPECT_STREQ(stateName(TargetState::Down), "down");
}

}  // namespace
}  // namespace nines::probers
