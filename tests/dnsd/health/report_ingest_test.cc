// dnsd::ReportIngest (POST /v1/reports): an unknown prober, a bad signature, a malformed body, a
// body naming another prober, a clock off by more than max_skew and a sequence number already seen
// are each refused with their HTTP status, counted per prober, logged at most once a minute per
// prober and outcome, and never change health. A good report's votes reach the table.
#include "nines/dnsd/health/report_ingest.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "nines/probers/report.h"
#include "process.h"

namespace nines::dnsd {
namespace {

using policy::EndpointState;

constexpr const char* kTarget = "gslb.test.|web|127.0.0.11";
const std::string kEuKey = "eu-1 secret key, 32 bytes long!!";
const std::string kUsKey = "us-1 secret key, 32 bytes long!!";
constexpr double kStart = 1764094000.0;

struct Fixture {
  double now = kStart;
  std::vector<std::string> logs;
  VoteTable table{{0.5, 10.0}, [this] { return now; }};
  ReportIngest ingest{{{"eu-1", kEuKey, ""}, {"us-1", kUsKey, ""}},
                      30.0,
                      table,
                      [this] { return now; },
                      [this](base::LogLevel, const std::string& line) { logs.push_back(line); }};
  Fixture() { table.setTargets({kTarget}); }

  const ProberReportStats& stats(const std::string& id) {
    static ProberReportStats none;
    snapshot = ingest.stats();
    for (const auto& s : snapshot) {
      if (s.id == id) return s;
    }
    return none;
  }
  std::vector<ProberReportStats> snapshot;
};

probers::Report report(const std::string& prober, std::uint64_t seq, double time, bool up = false) {
  probers::Report r;
  r.prober = prober;
  r.region = prober == "eu-1" ? "eu-west" : "us-east";
  r.seq = seq;
  r.time = time;
  r.results.push_back({kTarget, up, up ? 1.5 : -1, up ? "HTTP 200" : "connect: refused"});
  r.results.push_back({"gslb.test.|web|203.0.113.1", true, 1, "not one of ours"});
  return r;
}

enum class Sign { Right, WrongKey, Garbage, None };

struct RefusalCase {
  const char* what;
  std::string header;  // X-Nines-Prober
  Sign sign;
  std::string body;  // signed as `sign` says
  int status;
  ReportOutcome outcome;
  const char* counted_under;
};

// A good report of eu-1, seq 1, sent now.
std::string good() { return probers::encodeReport(report("eu-1", 1, kStart, true)); }

// Built when the test runs, not at static initialisation (the codec lives in another library).
std::vector<RefusalCase> refusals() {
  const std::string good_body = good();
  return {
      {"no prober header", "", Sign::Right, good_body, 401, ReportOutcome::UnknownProber,
       "(unknown)"},
      {"unknown prober", "mallory", Sign::Right, good_body, 403, ReportOutcome::UnknownProber,
       "(unknown)"},
      {"prober ids are exact", "EU-1", Sign::Right, good_body, 403, ReportOutcome::UnknownProber,
       "(unknown)"},
      {"no signature", "eu-1", Sign::None, good_body, 401, ReportOutcome::BadSignature, "eu-1"},
      {"another prober's key", "eu-1", Sign::WrongKey, good_body, 401, ReportOutcome::BadSignature,
       "eu-1"},
      {"garbage signature", "eu-1", Sign::Garbage, good_body, 401, ReportOutcome::BadSignature,
       "eu-1"},
      {"signed but not JSON", "eu-1", Sign::Right, "up, honest", 400, ReportOutcome::Malformed,
       "eu-1"},
      {"signed but not a report", "eu-1", Sign::Right, R"({"prober":"eu-1"})", 400,
       ReportOutcome::Malformed, "eu-1"},
      {"body names another prober", "eu-1", Sign::Right,
       probers::encodeReport(report("us-1", 1, kStart, true)), 400, ReportOutcome::ProberMismatch,
       "eu-1"},
      {"31 s ahead", "eu-1", Sign::Right,
       probers::encodeReport(report("eu-1", 1, kStart + 31, true)), 422, ReportOutcome::ClockSkew,
       "eu-1"},
      {"31 s behind", "eu-1", Sign::Right,
       probers::encodeReport(report("eu-1", 1, kStart - 31, true)), 422, ReportOutcome::ClockSkew,
       "eu-1"},
  };
}

std::string signatureFor(Sign sign, const std::string& body) {
  switch (sign) {
    case Sign::Right:
      return probers::signBody(kEuKey, body);
    case Sign::WrongKey:
      return probers::signBody(kUsKey, body);
    case Sign::Garbage:
      return "sha256=" + std::string(64, '0');
    case Sign::None:
      break;
  }
  return "";
}

TEST(ReportIngest, RefusalsHaveTheirStatusAreCountedAndChangeNothing) {
  for (const RefusalCase& c : refusals()) {
    SCOPED_TRACE(c.what);
    Fixture f;
    IngestReply reply = f.ingest.ingest(c.header, signatureFor(c.sign, c.body), c.body);
    EXPECT_EQ(reply.status, c.status) << reply.body;
    EXPECT_EQ(reply.outcome, c.outcome);
    EXPECT_NE(reply.body.find("\"error\""), std::string::npos) << reply.body;
    EXPECT_EQ(f.stats(c.counted_under).counts[static_cast<std::size_t>(c.outcome)], 1u);
    EXPECT_EQ(f.stats("eu-1").counts[static_cast<std::size_t>(ReportOutcome::Accepted)], 0u);
    EXPECT_FALSE(f.stats("eu-1").has_seq);
    EXPECT_EQ(f.table.verdict(kTarget, f.now).reason, "no votes yet");
    ASSERT_EQ(f.logs.size(), 1u);
    EXPECT_NE(f.logs[0].find(outcomeName(c.outcome)), std::string::npos) << f.logs[0];
    // Keys never reach the log.
    EXPECT_EQ(f.logs[0].find("secret"), std::string::npos) << f.logs[0];
  }
}

TEST(ReportIngest, AGoodReportAppliesItsVotes) {
  Fixture f;
  const std::string good_body = good();
  IngestReply reply = f.ingest.ingest("eu-1", probers::signBody(kEuKey, good_body), good_body);
  EXPECT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(reply.body, R"({"applied":1,"ignored":1})");
  Verdict verdict = f.table.verdict(kTarget, f.now);
  EXPECT_EQ(verdict.state, EndpointState::Up);
  EXPECT_EQ(verdict.reason, "1/1 fresh votes up (quorum > 0.5)");
  auto votes = f.table.votes(kTarget, f.now);
  ASSERT_EQ(votes.size(), 1u);
  EXPECT_EQ(votes[0].region, "eu-west");
  const auto& stats = f.stats("eu-1");
  EXPECT_TRUE(stats.has_seq);
  EXPECT_EQ(stats.last_seq, 1u);
  EXPECT_EQ(stats.region, "eu-west");
  EXPECT_DOUBLE_EQ(stats.last_report, kStart);
  // 30 s of skew is within max_skew.
  f.now += 30;
  std::string late = probers::encodeReport(report("eu-1", 2, kStart, false));
  EXPECT_EQ(f.ingest.ingest("eu-1", probers::signBody(kEuKey, late), late).status, 200);
  EXPECT_EQ(f.table.verdict(kTarget, f.now).state, EndpointState::Down);
}

TEST(ReportIngest, ReplaysAndOldSequenceNumbersAreRefused) {
  Fixture f;
  struct Step {
    std::uint64_t seq;
    bool up;
    int status;
  };
  const Step steps[] = {{5, true, 200},  {5, false, 409}, {4, false, 409},
                        {6, false, 200}, {6, true, 409},  {100, true, 200}};
  for (const Step& step : steps) {
    SCOPED_TRACE(step.seq);
    std::string body = probers::encodeReport(report("eu-1", step.seq, f.now, step.up));
    f.now += 1;
    IngestReply reply = f.ingest.ingest("eu-1", probers::signBody(kEuKey, body), body);
    EXPECT_EQ(reply.status, step.status) << reply.body;
  }
  // Only the accepted reports moved the vote: 5 up, 6 down, 100 up.
  EXPECT_EQ(f.table.verdict(kTarget, f.now).state, EndpointState::Up);
  const auto& stats = f.stats("eu-1");
  EXPECT_EQ(stats.last_seq, 100u);
  EXPECT_EQ(stats.counts[static_cast<std::size_t>(ReportOutcome::Accepted)], 3u);
  EXPECT_EQ(stats.counts[static_cast<std::size_t>(ReportOutcome::Replay)], 3u);
  // Sequences are per prober: us-1 starts its own.
  std::string us = probers::encodeReport(report("us-1", 1, f.now, true));
  EXPECT_EQ(f.ingest.ingest("us-1", probers::signBody(kUsKey, us), us).status, 200);
}

TEST(ReportIngest, EachOutcomeIsLoggedAtMostOncePerProberAMinute) {
  Fixture f;
  const std::string good_body = good();
  auto bad = [&](const std::string& prober) {
    return f.ingest.ingest(prober, "sha256=" + std::string(64, '0'), good_body).status;
  };
  for (int i = 0; i < 5; ++i) EXPECT_EQ(bad("eu-1"), 401);
  EXPECT_EQ(f.logs.size(), 1u);
  EXPECT_EQ(bad("us-1"), 401);  // another prober: its own line
  EXPECT_EQ(f.logs.size(), 2u);
  EXPECT_EQ(f.ingest.ingest("eu-1", "", good_body).status, 401);  // same outcome, same minute
  EXPECT_EQ(f.logs.size(), 2u);
  std::string skewed = probers::encodeReport(report("eu-1", 1, kStart + 100));
  EXPECT_EQ(f.ingest.ingest("eu-1", probers::signBody(kEuKey, skewed), skewed).status, 422);
  EXPECT_EQ(f.logs.size(), 3u);  // another outcome: its own line
  f.now += 59;
  EXPECT_EQ(bad("eu-1"), 401);
  EXPECT_EQ(f.logs.size(), 3u);
  f.now += 2;
  EXPECT_EQ(bad("eu-1"), 401);
  ASSERT_EQ(f.logs.size(), 4u);
  EXPECT_NE(f.logs[3].find("6 more like it not logged"), std::string::npos) << f.logs[3];
  EXPECT_EQ(f.stats("eu-1").counts[static_cast<std::size_t>(ReportOutcome::BadSignature)], 8u);
}

TEST(ReportIngest, ForgedProberNamesShareOneCounter) {
  Fixture f;
  for (int i = 0; i < 100; ++i) f.ingest.ingest("forged-" + std::to_string(i), "", good());
  auto stats = f.ingest.stats();
  ASSERT_EQ(stats.size(), 3u);  // eu-1, us-1, (unknown)
  EXPECT_EQ(stats[2].id, kUnknownProber);
  EXPECT_EQ(stats[2].counts[static_cast<std::size_t>(ReportOutcome::UnknownProber)], 100u);
}

TEST(ReportIngest, TooLargeIsCountedUnderItsProber) {
  Fixture f;
  IngestReply reply = f.ingest.tooLarge("eu-1", probers::kMaxReportBody + 1);
  EXPECT_EQ(reply.status, 413);
  EXPECT_EQ(f.stats("eu-1").counts[static_cast<std::size_t>(ReportOutcome::TooLarge)], 1u);
  f.ingest.tooLarge("", probers::kMaxReportBody + 1);
  EXPECT_EQ(f.stats(kUnknownProber).counts[static_cast<std::size_t>(ReportOutcome::TooLarge)], 1u);
}

TEST(ReportIngest, WithNoProbersConfiguredEveryReportIsRefused) {
  double now = kStart;
  VoteTable table({0.5, 10.0}, [&] { return now; });
  table.setTargets({kTarget});
  ReportIngest ingest(
      {}, 30.0, table, [&] { return now; }, [](base::LogLevel, const std::string&) {});
  IngestReply reply = ingest.ingest("eu-1", probers::signBody(kEuKey, good()), good());
  EXPECT_EQ(reply.status, 403);
  EXPECT_NE(reply.body.find("runs its checks itself"), std::string::npos) << reply.body;
  EXPECT_EQ(table.verdict(kTarget, now).reason, "no votes yet");
}

}  // namespace
}  // namespace nines::dnsd

namespace nines::dnsd {
namespace {

// A key rotation over two reloads: key = new, previous_key = old; then the old key dropped.
TEST(ReportIngestRotation, PreviousKeyIsAcceptedUntilDroppedAndTheSequenceCarriesOver) {
  const std::string new_key = "eu-1 new secret key, 32 bytes!!!";
  Fixture f;
  auto post = [&](const std::string& key, std::uint64_t seq) {
    const std::string body = probers::encodeReport(report("eu-1", seq, f.now, true));
    return f.ingest.ingest("eu-1", probers::signBody(key, body), body).status;
  };
  ASSERT_EQ(post(kEuKey, 1), 200);
  f.ingest.setProbers({{"eu-1", new_key, kEuKey}, {"us-1", kUsKey, ""}}, 30.0);
  EXPECT_EQ(post(kEuKey, 2), 200);   // not switched yet
  EXPECT_EQ(post(new_key, 3), 200);  // switched
  EXPECT_EQ(post(new_key, 3), 409);  // the sequence number survived the reload
  EXPECT_EQ(f.stats("eu-1").counts[0], 3u);
  EXPECT_EQ(f.table.verdict(kTarget, f.now).state, policy::EndpointState::Up);
  f.ingest.setProbers({{"eu-1", new_key, ""}, {"us-1", kUsKey, ""}}, 30.0);
  EXPECT_EQ(post(kEuKey, 4), 401);  // the old key, no longer accepted
  EXPECT_EQ(post(new_key, 5), 200);
}

TEST(ReportIngestRotation, RemovedProberLosesItsVotesAndANewOneStartsClean) {
  Fixture f;
  const std::string body = probers::encodeReport(report("eu-1", 7, f.now, true));
  ASSERT_EQ(f.ingest.ingest("eu-1", probers::signBody(kEuKey, body), body).status, 200);
  ASSERT_EQ(f.table.votes(kTarget, f.now).size(), 1u);
  f.ingest.setProbers({{"us-1", kUsKey, ""}}, 30.0);
  EXPECT_TRUE(f.table.votes(kTarget, f.now).empty());
  EXPECT_EQ(f.ingest.ingest("eu-1", probers::signBody(kEuKey, body), body).status, 403);
  // Back again: it starts clean, so seq 7 is taken.
  f.ingest.setProbers({{"us-1", kUsKey, ""}, {"eu-1", kEuKey, ""}}, 30.0);
  EXPECT_FALSE(f.stats("eu-1").has_seq);
  EXPECT_EQ(f.ingest.ingest("eu-1", probers::signBody(kEuKey, body), body).status, 200);
}

// A restart is a new ReportIngest. Until a prober has a report accepted, one made before the start
// is a replay (the start-time rule); after that, the sequence number alone decides.
TEST(ReportIngest, AReportFromBeforeTheStartIsAReplay) {
  Fixture f;  // started at kStart
  auto send = [&](std::uint64_t seq, double time) {
    std::string body = probers::encodeReport(report("eu-1", seq, time, true));
    return f.ingest.ingest("eu-1", probers::signBody(kEuKey, body), body);
  };
  IngestReply before = send(10, kStart - 5);
  EXPECT_EQ(before.status, 409) << before.body;
  EXPECT_EQ(before.outcome, ReportOutcome::Replay);
  EXPECT_NE(before.body.find("before dnsd started"), std::string::npos) << before.body;
  EXPECT_EQ(send(11, kStart).status, 200);
  // Once one is in, a prober clock a few seconds behind ours is within max_skew as before.
  EXPECT_EQ(send(12, kStart - 5).status, 200);
  // us-1 has had none accepted yet: the rule still holds for it.
  std::string us = probers::encodeReport(report("us-1", 1, kStart - 1, true));
  EXPECT_EQ(f.ingest.ingest("us-1", probers::signBody(kUsKey, us), us).status, 409);
}

// With a state file, the last accepted seq outlives the process: a report captured before a
// restart is refused after it even when its time is after the new start (a prober clock ahead of
// ours, within max_skew), which the start-time rule alone would let through.
TEST(ReportIngest, TheStateFileKeepsSequenceNumbersAcrossARestart) {
  nines::testing::TempDir dir;
  const std::string path = dir.path() + "/prober-sequences.json";
  const std::string captured = probers::encodeReport(report("eu-1", 500, kStart + 20, false));
  {
    Fixture before;
    std::string error;
    ASSERT_TRUE(before.ingest.useStateFile(path, &error)) << error;  // not there yet: no error
    EXPECT_EQ(before.ingest.ingest("eu-1", probers::signBody(kEuKey, captured), captured).status,
              200);
    before.ingest.flushState(true);
  }
  EXPECT_NE(nines::testing::readFile(path).find("\"eu-1\":500"), std::string::npos)
      << nines::testing::readFile(path);

  Fixture after;
  after.now = kStart + 10;  // 10 s later: the captured report's time is after this start
  {
    Fixture without_file;  // what the start-time rule alone does with it
    without_file.now = kStart + 10;
    EXPECT_EQ(
        without_file.ingest.ingest("eu-1", probers::signBody(kEuKey, captured), captured).status,
        200);
  }
  std::string error;
  ASSERT_TRUE(after.ingest.useStateFile(path, &error)) << error;
  EXPECT_EQ(after.stats("eu-1").last_seq, 500u);
  IngestReply replay = after.ingest.ingest("eu-1", probers::signBody(kEuKey, captured), captured);
  EXPECT_EQ(replay.status, 409) << replay.body;
  EXPECT_EQ(after.table.verdict(kTarget, after.now).reason, "no votes yet");
  std::string next = probers::encodeReport(report("eu-1", 501, kStart + 10, true));
  EXPECT_EQ(after.ingest.ingest("eu-1", probers::signBody(kEuKey, next), next).status, 200);
}

TEST(ReportIngest, AStateFileThatCannotBeReadIsAnErrorAndIsWrittenAnew) {
  nines::testing::TempDir dir;
  const std::string path = dir.write("prober-sequences.json", "{\"version\": 1, \"probers\": [1]}");
  Fixture f;
  std::string error;
  EXPECT_FALSE(f.ingest.useStateFile(path, &error));
  EXPECT_NE(error.find(path), std::string::npos) << error;
  std::string body = probers::encodeReport(report("eu-1", 7, kStart, true));
  EXPECT_EQ(f.ingest.ingest("eu-1", probers::signBody(kEuKey, body), body).status, 200);
  f.ingest.flushState(true);
  EXPECT_EQ(nines::testing::readFile(path), "{\"probers\":{\"eu-1\":7},\"version\":1}\n");
}

TEST(ReportIngest, TheStateFileIsWrittenAtMostOnceASecond) {
  nines::testing::TempDir dir;
  const std::string path = dir.path() + "/prober-sequences.json";
  Fixture f;
  std::string error;
  ASSERT_TRUE(f.ingest.useStateFile(path, &error)) << error;
  auto send = [&](std::uint64_t seq) {
    std::string body = probers::encodeReport(report("eu-1", seq, f.now, true));
    return f.ingest.ingest("eu-1", probers::signBody(kEuKey, body), body).status;
  };
  auto onFile = [&] { return nines::testing::readFile(path); };
  ASSERT_EQ(send(1), 200);  // the first is written at once
  EXPECT_NE(onFile().find("\"eu-1\":1}"), std::string::npos) << onFile();
  f.now += 0.5;
  ASSERT_EQ(send(2), 200);
  f.ingest.flushState();
  EXPECT_NE(onFile().find("\"eu-1\":1}"), std::string::npos) << "written twice in 0.5 s";
  f.now += 0.5;
  f.ingest.flushState();
  EXPECT_NE(onFile().find("\"eu-1\":2}"), std::string::npos) << onFile();
}

}  // namespace
}  // namespace nines::dnsd
