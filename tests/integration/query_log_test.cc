// The dnstap query log of the real dnsd, read back by an independent decoder (Debian's
// dnstap-ldns) and by ninesctl replay: every response is there with its transport and client (and
// its query with query_message = true); the policy outcome rides in `extra`; sampling logs one
// response in N; and replaying a logged run against a changed weight shows the share that moves,
// whether the log has the queries or replay rebuilds them from the responses.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>

#include "integration_harness.h"
#include "nines/dnsd/querylog/dnstap_codec.h"
#include "policy_harness.h"

namespace nines::integration {
namespace {

using nines::testing::binaryPath;
using nines::testing::CommandResult;
using nines::testing::runCommand;

const char* const kDnstapLdns = "/usr/bin/dnstap-ldns";

std::string queryLogSection(const std::string& extra = "") {
  return "[query_log]\npath = \"queries.dnstap\"\nidentity = \"ns-test\"\n" + extra;
}

// Stops dnsd (which writes out what is queued) and returns the path of its log.
std::string stopAndGetLog(DnsdServer& server) {
  EXPECT_EQ(server.process().stop(), 0) << server.process().log();
  return server.dir().path() + "/queries.dnstap";
}

Strings linesOf(const std::string& text) {
  Strings lines;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    if (end > start) lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

std::size_t countOf(const std::string& text, const std::string& needle) {
  std::size_t count = 0;
  for (std::size_t at = text.find(needle); at != std::string::npos;
       at = text.find(needle, at + needle.size())) {
    ++count;
  }
  return count;
}

TEST(DnsdQueryLog, DnstapLdnsReadsEveryResponseDnsdWrote) {
  DnsdServer server({{"gslb.test.toml", gslbZone()}}, DnsdServer::Options{},
                    gslbSections() + queryLogSection());
  ASSERT_TRUE(server.ready());
  EXPECT_EQ(server.ask("static.gslb.test.", "A").rcode, "NOERROR");
  EXPECT_EQ(server.askEcs("www.gslb.test.", "A", "198.51.100.0/24").rcode, "NOERROR");
  EXPECT_EQ(server.ask("nothing.gslb.test.", "A").rcode, "NXDOMAIN");
  EXPECT_EQ(server.ask("db.gslb.test.", "A", Transport::Tcp).rcode, "NOERROR");
  const std::string log = stopAndGetLog(server);

  // One line a frame: "DATE TIME AR 127.0.0.1 UDP 66b "static.gslb.test." IN A".
  CommandResult text = runCommand({kDnstapLdns, "-r", log});
  ASSERT_EQ(text.status, 0) << text.err;
  const Strings lines = linesOf(text.out);
  ASSERT_EQ(lines.size(), 4u) << text.out;
  // UDP and TCP frames come from two queues, so only each queue's own order is kept.
  const std::vector<std::pair<std::string, std::string>> expected = {
      {" AR 127.0.0.1 UDP ", "\"static.gslb.test.\" IN A"},
      {" AR 127.0.0.1 UDP ", "\"www.gslb.test.\" IN A"},
      {" AR 127.0.0.1 UDP ", "\"nothing.gslb.test.\" IN A"},
      {" AR 127.0.0.1 TCP ", "\"db.gslb.test.\" IN A"}};
  for (const auto& pair : expected) {
    // Named copies, not structured bindings: clang 14 cannot capture those in a lambda.
    const std::string& transport = pair.first;
    const std::string& question = pair.second;
    auto matches = [&](const std::string& line) {
      return line.find(transport) != std::string::npos && line.find(question) != std::string::npos;
    };
    EXPECT_EQ(std::count_if(lines.begin(), lines.end(), matches), 1) << question << "\n"
                                                                     << text.out;
  }

  // The YAML form has the response, decoded by ldns (the query only with query_message = true).
  CommandResult yaml = runCommand({kDnstapLdns, "-y", "-r", log});
  ASSERT_EQ(yaml.status, 0) << yaml.err;
  EXPECT_EQ(countOf(yaml.out, "type: AUTH_RESPONSE"), 4u) << yaml.out;
  EXPECT_EQ(countOf(yaml.out, "query_message: |"), 0u);
  EXPECT_EQ(countOf(yaml.out, "response_message: |"), 4u);
  EXPECT_EQ(countOf(yaml.out, "identity: \"ns-test\""), 4u);
  EXPECT_NE(yaml.out.find("rcode: NXDOMAIN"), std::string::npos);
  EXPECT_NE(yaml.out.find("static.gslb.test.\t3600\tIN\tA\t192.0.2.99"), std::string::npos)
      << yaml.out;
  EXPECT_NE(yaml.out.find("response_port: " + std::to_string(server.port())), std::string::npos);

  // `extra`, which dnstap-ldns does not print: the policy outcome of the service answers.
  std::string error;
  auto records = dnsd::querylog::readDnstapFile(log, &error);
  ASSERT_TRUE(records) << error;
  ASSERT_EQ(records->size(), 4u);
  std::map<std::string, std::string> extra_by_name;  // by the first label of the question
  for (const auto& record : *records) {
    ASSERT_GT(record.response.size(), 13u);
    const auto label = record.response.begin() + 13;
    extra_by_name[std::string(label, label + record.response[12])] = record.extra;
  }
  EXPECT_EQ(extra_by_name["static"], "");
  EXPECT_EQ(extra_by_name["www"], "service=www.gslb.test. regions=eu-west outcome=primary");
  EXPECT_EQ(extra_by_name["nothing"], "");
  EXPECT_EQ(extra_by_name["db"], "service=db.gslb.test. regions=us-east outcome=primary");
}

TEST(DnsdQueryLog, SamplingLogsOneResponseInN) {
  DnsdServer server({{"gslb.test.toml", gslbZone()}}, DnsdServer::Options{},
                    gslbSections() + queryLogSection("sample = 4\n"));
  ASSERT_TRUE(server.ready());
  constexpr int kQueries = 40;
  for (int i = 0; i < kQueries; ++i) {
    ASSERT_EQ(
        server.ask("static.gslb.test.", "A", Transport::Udp, withId(static_cast<std::uint16_t>(i)))
            .rcode,
        "NOERROR");
  }
  const std::string log = stopAndGetLog(server);
  std::string error;
  auto records = dnsd::querylog::readDnstapFile(log, &error);
  ASSERT_TRUE(records) << error;
  // One worker counts every response: exactly the 4th, 8th, ... of them.
  ASSERT_EQ(records->size(), static_cast<std::size_t>(kQueries / 4));
  for (std::size_t i = 0; i < records->size(); ++i) {
    const auto& response = (*records)[i].response;
    ASSERT_GE(response.size(), 2u);
    EXPECT_EQ(response[0] << 8 | response[1], static_cast<int>(4 * i + 3));
  }
}

TEST(DnsdQueryLog, QueryMessageTrueLogsTheQueryBesideTheResponse) {
  DnsdServer server({{"gslb.test.toml", gslbZone()}}, DnsdServer::Options{},
                    gslbSections() + queryLogSection("query_message = true\n"));
  ASSERT_TRUE(server.ready());
  EXPECT_EQ(server.askEcs("www.gslb.test.", "A", "198.51.100.0/24").rcode, "NOERROR");
  EXPECT_EQ(server.ask("static.gslb.test.", "A", Transport::Tcp).rcode, "NOERROR");
  const std::string log = stopAndGetLog(server);
  CommandResult yaml = runCommand({kDnstapLdns, "-y", "-r", log});
  ASSERT_EQ(yaml.status, 0) << yaml.err;
  EXPECT_EQ(countOf(yaml.out, "type: AUTH_RESPONSE"), 2u) << yaml.out;
  EXPECT_EQ(countOf(yaml.out, "query_message: |"), 2u) << yaml.out;
  EXPECT_EQ(countOf(yaml.out, "response_message: |"), 2u);
}

// w.test: one weighted service, api, over us-east and eu-west; `records` adds static names.
std::string weightedZone(int us_east, int eu_west, const std::string& records = "") {
  return nines::testing::zoneHead("w.test.", 1) +
         "\"@\" = [\"NS ns1.w.test.\"]\nns1 = [\"A 192.0.2.53\"]\n" + records +
         "\n"
         "[regions.us-east]\nlocation = [38.9, -77.0]\n"
         "[regions.eu-west]\nlocation = [53.3, -6.3]\n\n"
         "[services.api]\npolicy = \"weighted\"\n"
         "[services.api.pools.us-east]\nweight = " +
         std::to_string(us_east) +
         "\nendpoints = [\"192.0.2.20\"]\n"
         "[services.api.pools.eu-west]\nweight = " +
         std::to_string(eu_west) + "\nendpoints = [\"198.51.100.20\"]\n";
}

constexpr int kNetworks = 10;
constexpr int kPerNetwork = 3;

// Runs dnsd with w.test weighted `before`, asks api.w.test from kNetworks ECS /24s, and replays
// the log (written with the [query_log] keys `log_keys`) against the weights `after`; ninesctl's
// JSON. Without query_message = true the log has responses only, and replay rebuilds each query,
// its ECS subnet included, from the response.
nlohmann::json replayWeights(std::pair<int, int> before, std::pair<int, int> after,
                             const std::string& log_keys = "") {
  DnsdServer server({{"w.test.toml", weightedZone(before.first, before.second)}},
                    DnsdServer::Options{}, queryLogSection(log_keys));
  EXPECT_TRUE(server.ready());
  for (int n = 0; n < kNetworks; ++n) {
    for (int i = 0; i < kPerNetwork; ++i) {
      EXPECT_EQ(server.askEcs("api.w.test.", "A", "198.18." + std::to_string(n) + ".0/24").rcode,
                "NOERROR");
    }
  }
  const std::string log = stopAndGetLog(server);
  const std::string config = server.dir().write(
      "new/dnsd.toml", "[server]\nlisten = [\"127.0.0.1:0\"]\nzones = \"zones\"\n");
  server.dir().write("new/zones/w.test.toml", weightedZone(after.first, after.second));
  CommandResult result =
      runCommand({binaryPath("ninesctl"), "replay", log, "--config", config, "--json"});
  EXPECT_EQ(result.status, 0) << result.err;
  auto json = nlohmann::json::parse(result.out, nullptr, false);
  EXPECT_FALSE(json.is_discarded()) << result.out;
  return json;
}

// (before, after) answers of `region` in the replay's shares.
std::pair<int, int> shareOf(const nlohmann::json& replay, const std::string& region) {
  for (const auto& share : replay["shares"]) {
    if (share["region"] == region) return {share["before"], share["after"]};
  }
  return {0, 0};
}

TEST(QueryLogReplay, EveryAnswerMovesWhenTheWeightsSwap) {
  const nlohmann::json replay = replayWeights({100, 0}, {0, 100});
  constexpr int kTotal = kNetworks * kPerNetwork;
  EXPECT_EQ(replay["replayed"], kTotal);
  EXPECT_EQ(replay["policy_answers"], kTotal);
  EXPECT_EQ(replay["moved"], kTotal);
  EXPECT_EQ(replay["rcode_changed"], 0);
  ASSERT_EQ(replay["moves"].size(), 1u) << replay.dump(2);
  EXPECT_EQ(replay["moves"][0]["service"], "api.w.test.");
  EXPECT_EQ(replay["moves"][0]["from"], "us-east");
  EXPECT_EQ(replay["moves"][0]["to"], "eu-west");
  EXPECT_EQ(replay["moves"][0]["count"], kTotal);
  EXPECT_EQ(shareOf(replay, "us-east"), std::make_pair(kTotal, 0));
  EXPECT_EQ(shareOf(replay, "eu-west"), std::make_pair(0, kTotal));
  // Grouped by the client's ECS subnet: every network moves, each with all its answers.
  ASSERT_EQ(replay["networks"].size(), static_cast<std::size_t>(kNetworks));
  for (const auto& network : replay["networks"]) {
    EXPECT_EQ(network["network"].get<std::string>().rfind("198.18.", 0), 0u) << network.dump();
    EXPECT_EQ(network["count"], kPerNetwork);
  }
}

TEST(QueryLogReplay, ALogWithQueriesReplaysAsOneWithout) {
  const nlohmann::json replay = replayWeights({100, 0}, {0, 100}, "query_message = true\n");
  constexpr int kTotal = kNetworks * kPerNetwork;
  EXPECT_EQ(replay["replayed"], kTotal);
  EXPECT_EQ(replay["moved"], kTotal);
  EXPECT_EQ(replay["networks"].size(), static_cast<std::size_t>(kNetworks)) << replay.dump(2);
}

TEST(QueryLogReplay, OnlyTheDroppedRegionsShareMovesWhenHalfBecomesAll) {
  const nlohmann::json replay = replayWeights({50, 50}, {100, 0});
  constexpr int kTotal = kNetworks * kPerNetwork;
  const auto [eu_before, eu_after] = shareOf(replay, "eu-west");
  const auto [us_before, us_after] = shareOf(replay, "us-east");
  EXPECT_EQ(eu_before + us_before, kTotal);
  EXPECT_GT(eu_before, 0) << "a 50/50 split over 10 networks answers from both";
  EXPECT_GT(us_before, 0);
  EXPECT_EQ(eu_after, 0);
  EXPECT_EQ(us_after, kTotal);
  EXPECT_EQ(replay["moved"], eu_before) << "exactly eu-west's answers move, nothing else";
  ASSERT_EQ(replay["moves"].size(), 1u) << replay.dump(2);
  EXPECT_EQ(replay["moves"][0]["from"], "eu-west");
  EXPECT_EQ(replay["moves"][0]["to"], "us-east");
}

TEST(QueryLogReplay, TheTextReportNamesTheMove) {
  DnsdServer server({{"w.test.toml", weightedZone(100, 0)}}, DnsdServer::Options{},
                    queryLogSection());
  ASSERT_TRUE(server.ready());
  ASSERT_EQ(server.ask("api.w.test.", "A").rcode, "NOERROR");
  ASSERT_EQ(server.ask("gone.w.test.", "A").rcode, "NXDOMAIN");
  const std::string log = stopAndGetLog(server);
  const std::string config = server.dir().write(
      "new/dnsd.toml", "[server]\nlisten = [\"127.0.0.1:0\"]\nzones = \"zones\"\n");
  server.dir().write("new/zones/w.test.toml", weightedZone(0, 100, "gone = [\"A 192.0.2.77\"]\n"));
  CommandResult result = runCommand({binaryPath("ninesctl"), "replay", log, "--config", config});
  ASSERT_EQ(result.status, 0) << result.err;
  EXPECT_NE(result.out.find("moved:    1 of 1 policy answers (100.0%)"), std::string::npos)
      << result.out;
  EXPECT_NE(result.out.find("api.w.test.: us-east -> eu-west"), std::string::npos);
  EXPECT_NE(result.out.find("127.0.0.0/24"), std::string::npos);
  EXPECT_NE(result.out.find("NXDOMAIN -> NOERROR"), std::string::npos);
}

TEST(QueryLogReplay, ALogThatIsNotDnstapIsAnError) {
  DnsdServer server({{"w.test.toml", weightedZone(100, 0)}});
  const std::string bogus = server.dir().write("bogus.dnstap", "not frame streams");
  CommandResult result =
      runCommand({binaryPath("ninesctl"), "replay", bogus, "--config", server.configPath()});
  EXPECT_EQ(result.status, 1);
  EXPECT_NE(result.err.find("bogus.dnstap"), std::string::npos) << result.err;
}

}  // namespace
}  // namespace nines::integration
