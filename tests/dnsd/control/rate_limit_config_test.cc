// [rate_limit] of dnsd.toml: off unless responses_per_second is set, every key read, and each
// mistake reported as file:line:col at its value; a reload applies it (no restart needed).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "nines/dnsd/control/config.h"
#include "nines/dnsd/control/configuration.h"
#include "process.h"

namespace nines::dnsd {
namespace {

using nines::testing::TempDir;

const std::string kServer = "[server]\nlisten = [\"127.0.0.1:0\"]\nzones = \"zones\"\n";

ConfigResult load(const TempDir& dir, const std::string& snippet) {
  return loadServerConfig(dir.write("dnsd.toml", kServer + snippet));
}

TEST(RateLimitConfig, OffUnlessARateIsSet) {
  TempDir dir;
  for (const std::string snippet :
       {"", "[rate_limit]\n", "[rate_limit]\nresponses_per_second = 0\n"}) {
    ConfigResult result = load(dir, snippet);
    ASSERT_TRUE(result.errors.empty()) << snippet;
    EXPECT_FALSE(result.config.rate_limit.enabled()) << snippet;
  }
}

TEST(RateLimitConfig, DefaultsAreThoseOfTheDocumentation) {
  TempDir dir;
  ConfigResult result = load(dir, "[rate_limit]\nresponses_per_second = 20\n");
  ASSERT_TRUE(result.errors.empty());
  const RateLimitSettings& s = result.config.rate_limit;
  EXPECT_TRUE(s.enabled());
  EXPECT_EQ(s.responses_per_second, 20u);
  EXPECT_EQ(s.window, 5u);
  EXPECT_EQ(s.slip, 2u);
  EXPECT_EQ(s.ipv4_prefix, 24);
  EXPECT_EQ(s.ipv6_prefix, 56);
  EXPECT_TRUE(s.exempt.empty());
  EXPECT_FALSE(s.log_only);
  EXPECT_EQ(s.table_size, 65536u);
}

TEST(RateLimitConfig, ReadsEveryKey) {
  TempDir dir;
  ConfigResult result = load(dir,
                             "[rate_limit]\nresponses_per_second = 7\nwindow = 15\nslip = 0\n"
                             "ipv4_prefix = 32\nipv6_prefix = 64\n"
                             "exempt = [\"192.0.2.0/24\", \"2001:db8::/32\"]\n"
                             "log_only = true\ntable_size = 1024\n");
  ASSERT_TRUE(result.errors.empty()) << result.errors[0].toString();
  const RateLimitSettings& s = result.config.rate_limit;
  EXPECT_EQ(s.responses_per_second, 7u);
  EXPECT_EQ(s.window, 15u);
  EXPECT_EQ(s.slip, 0u);
  EXPECT_EQ(s.ipv4_prefix, 32);
  EXPECT_EQ(s.ipv6_prefix, 64);
  ASSERT_EQ(s.exempt.size(), 2u);
  EXPECT_EQ(s.exempt[0].toString(), "192.0.2.0/24");
  EXPECT_EQ(s.exempt[1].toString(), "2001:db8::/32");
  EXPECT_TRUE(s.log_only);
  EXPECT_EQ(s.table_size, 1024u);
}

struct Bad {
  std::string snippet;  // its second line is line 5 of the file
  std::string at;       // where the error points: line:col
  std::string message;
};

TEST(RateLimitConfig, ReportsEachProblemAtItsPlace) {
  const std::vector<Bad> cases = {
      {"[rate_limit]\nresponses_per_second = -1\n", "5:24",
       "responses_per_second must be an integer from 0 to 1000000"},
      {"[rate_limit]\nresponses_per_second = 2.5\n", "5:24",
       "responses_per_second must be an integer from 0 to 1000000"},
      {"[rate_limit]\nwindow = 0\n", "5:10", "window must be an integer from 1 to 3600"},
      {"[rate_limit]\nslip = 11\n", "5:8", "slip must be an integer from 0 to 10"},
      {"[rate_limit]\nipv4_prefix = 33\n", "5:15", "ipv4_prefix must be an integer from 0 to 32"},
      {"[rate_limit]\nipv6_prefix = \"56\"\n", "5:15",
       "ipv6_prefix must be an integer from 0 to 128"},
      {"[rate_limit]\nlog_only = 1\n", "5:12", "log_only must be true or false"},
      {"[rate_limit]\ntable_size = 1000\n", "5:14",
       "table_size must be a power of two from 1024 to 16777216"},
      {"[rate_limit]\ntable_size = 33554432\n", "5:14",
       "table_size must be a power of two from 1024 to 16777216"},
      {"[rate_limit]\nexempt = \"192.0.2.0/24\"\n", "5:10",
       "exempt must be an array of networks like \"192.0.2.0/24\""},
      {"[rate_limit]\nexempt = [\"192.0.2.1/24\"]\n", "5:11",
       "exempt \"192.0.2.1/24\": host bits set beyond /24 (did you mean 192.0.2.0/24?)"},
      {"[rate_limit]\nexempt = [24]\n", "5:11",
       "exempt entries must be strings like \"192.0.2.0/24\""},
      {"[rate_limit]\nrate = 5\n", "5:1", "unknown key \"rate\" in [rate_limit]"},
  };
  for (const Bad& c : cases) {
    SCOPED_TRACE(c.snippet);
    TempDir dir;
    ConfigResult result = load(dir, c.snippet);
    ASSERT_EQ(result.errors.size(), 1u);
    EXPECT_EQ(result.errors[0].toString(), dir.path() + "/dnsd.toml:" + c.at + ": " + c.message);
  }
}

TEST(RateLimitConfig, AReloadAppliesItWithoutARestart) {
  TempDir dir;
  ConfigResult running = load(dir, "[rate_limit]\nresponses_per_second = 5\n");
  ConfigResult next = load(dir,
                           "[rate_limit]\nresponses_per_second = 50\nslip = 1\nlog_only = true\n"
                           "exempt = [\"192.0.2.0/24\"]\ntable_size = 2048\n");
  ASSERT_TRUE(running.errors.empty() && next.errors.empty());
  EXPECT_TRUE(restartRequired(running.config, next.config).empty());
  EXPECT_EQ(applicableConfig(running.config, next.config).rate_limit, next.config.rate_limit);
}

}  // namespace
}  // namespace nines::dnsd
