// [query_log] of dnsd.toml: off unless a path or socket is set, paths relative to the file,
// sample as one in N or a share, and each mistake reported as file:line:col at its value.
#include <gtest/gtest.h>

#include <string>

#include "nines/dnsd/control/config.h"
#include "process.h"

namespace nines::dnsd {
namespace {

using nines::testing::TempDir;

const std::string kServer = "[server]\nlisten = [\"127.0.0.1:0\"]\nzones = \"zones\"\n";

ConfigResult load(const TempDir& dir, const std::string& snippet) {
  return loadServerConfig(dir.write("dnsd.toml", kServer + snippet));
}

TEST(QueryLogConfig, OffUnlessAPathOrSocketIsSet) {
  TempDir dir;
  ConfigResult result = load(dir, "");
  ASSERT_TRUE(result.errors.empty());
  EXPECT_FALSE(result.config.query_log.enabled);
}

TEST(QueryLogConfig, ReadsEveryKey) {
  TempDir dir;
  ConfigResult result = load(dir,
                             "[query_log]\npath = \"logs/q.dnstap\"\nsample = 10\nqueries = true\n"
                             "identity = \"ns1\"\nversion = \"nines\"\nqueue_entries = 1024\n"
                             "query_message = true\n");
  ASSERT_TRUE(result.errors.empty()) << result.errors[0].toString();
  const auto& log = result.config.query_log;
  EXPECT_TRUE(log.enabled);
  EXPECT_EQ(log.path, dir.path() + "/logs/q.dnstap");
  EXPECT_EQ(log.sample, 10u);
  EXPECT_TRUE(log.queries);
  EXPECT_TRUE(log.query_message);
  EXPECT_EQ(log.identity, "ns1");
  EXPECT_EQ(log.version, "nines");
  EXPECT_EQ(log.queue_entries, 1024u);
}

TEST(QueryLogConfig, ASampleShareIsOneInItsInverse) {
  const std::vector<std::pair<std::string, std::uint32_t>> cases = {
      {"1", 1}, {"1.0", 1}, {"0.5", 2}, {"0.1", 10}, {"0.01", 100}, {"250", 250}};
  for (const auto& [text, expected] : cases) {
    TempDir dir;
    ConfigResult result =
        load(dir, "[query_log]\nsocket = \"/run/x.sock\"\nsample = " + text + "\n");
    ASSERT_TRUE(result.errors.empty()) << text;
    EXPECT_EQ(result.config.query_log.sample, expected) << text;
    EXPECT_EQ(result.config.query_log.socket, "/run/x.sock");
    EXPECT_FALSE(result.config.query_log.query_message) << "the response alone by default";
  }
}

struct Bad {
  std::string snippet;  // its second line is line 5 of the file
  std::string at;       // where the error points: line:col
  std::string message;
};

TEST(QueryLogConfig, ReportsEachProblemAtItsPlace) {
  const std::string kSample =
      "sample must be an integer N >= 1 (one response in N) or a share in (0, 1]";
  const std::vector<Bad> cases = {
      {"[query_log]\npath = \"q\"\nsample = 0\n", "6:10", kSample},
      {"[query_log]\npath = \"q\"\nsample = 1.5\n", "6:10", kSample},
      {"[query_log]\npath = \"q\"\nsample = \"all\"\n", "6:10", kSample},
      {"[query_log]\npath = \"q\"\nqueries = 1\n", "6:11", "queries must be true or false"},
      {"[query_log]\npath = \"q\"\nquery_message = \"yes\"\n", "6:17",
       "query_message must be true or false"},
      {"[query_log]\npath = \"q\"\nqueue_entries = 1000\n", "6:17",
       "queue_entries must be a power of two from 2 to 16384"},
      {"[query_log]\npath = \"q\"\nfile = \"x\"\n", "6:1", "unknown key \"file\" in [query_log]"},
      {"[query_log]\npath = 5\n", "5:8", "path must be a string"},
      {"[query_log]\npath = \"q\"\nsocket = \"s\"\n", "4:1",
       "[query_log] takes path or socket, not both"},
      {"[query_log]\nsample = 2\n", "4:1",
       "[query_log] needs path = \"FILE\" or socket = \"UNIX SOCKET\""},
  };
  for (const Bad& c : cases) {
    SCOPED_TRACE(c.snippet);
    TempDir dir;
    ConfigResult result = load(dir, c.snippet);
    ASSERT_EQ(result.errors.size(), 1u);
    EXPECT_EQ(result.errors[0].toString(), dir.path() + "/dnsd.toml:" + c.at + ": " + c.message);
  }
}

}  // namespace
}  // namespace nines::dnsd
