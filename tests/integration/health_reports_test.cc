// Quorum, freshness and refusals over POST /v1/reports (DESIGN.md "One health report", "Health
// semantics"), with reports the test signs itself (probers::signBody under the keys dnsd.toml
// lists for p1, p2 and p3). No backends: with [[health.probers]] configured dnsd probes nothing
// itself, so every vote here is one the test sent, and each is seen in the DNS answers (decoded by
// ldns) and in /v1/status.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "health_harness.h"
#include "nines/probers/report.h"

namespace nines::integration {
namespace {

using namespace std::chrono_literals;

const std::string kPrimary = kHealthEndpoints[0], kSecondary = kHealthEndpoints[1];

class SignedReports : public ::testing::Test {
 protected:
  // dnsd taking reports from p1, p2 and p3, votes fresh for `report_ttl` seconds.
  void start(double report_ttl) {
    report_ttl_ = report_ttl;
    // The check's port is never probed (remote probers only): any will do.
    server_ = std::make_unique<DnsdServer>(
        std::map<std::string, std::string>{{"health.test.toml", healthZone(9, {}, 0)}},
        DnsdServer::Options{}, healthSections(0, report_ttl, testProbers()));
    ASSERT_TRUE(server_->ready());
    http_ = server_->httpPort();
    ASSERT_NE(http_, 0) << server_->process().log();
  }
  const ProberSpec& prober(std::size_t index) const { return testProbers()[index]; }
  // A report of prober `index` with its next seq; the HTTP status.
  int report(std::size_t index, const std::vector<std::pair<std::string, bool>>& results) {
    return postSigned(http_, prober(index), ++seq_[index], results);
  }
  // Waits until the primary's published state is `state` and the app answer is `answer`. The
  // publication loop publishes within 250 ms; the deadline leaves seconds for a loaded machine.
  bool reaches(const std::string& state, const std::string& answer,
               std::chrono::milliseconds timeout = 10s) {
    return nines::testing::waitUntil(
        [&] {
          return endpointState(http_, "app", kPrimary) == state &&
                 healthAnswer(*server_, "app") == Strings{answer};
        },
        timeout);
  }

  std::unique_ptr<DnsdServer> server_;
  std::uint16_t http_ = 0;
  double report_ttl_ = 0;
  std::uint64_t seq_[3] = {1000, 1000, 1000};
};

TEST_F(SignedReports, AnEndpointIsUpWhenMoreThanHalfOfItsFreshVotesSayUp) {
  start(2.0);
  struct Step {
    const char* what;
    std::vector<bool> votes;  // p1, p2, p3 on the primary; empty: none sent
    const char* state;
    std::string answer;
    const char* reason;  // the start of the endpoint's reason in /v1/status
  };
  const std::vector<Step> steps = {
      {"no votes yet: unknown, treated as up", {}, "unknown", kPrimary, "no votes yet"},
      {"two of three say down", {false, false, true}, "down", kSecondary, "1/3 fresh votes up"},
      {"one of three says down", {false, true, true}, "up", kPrimary, "2/3 fresh votes up"},
      {"all three say down", {false, false, false}, "down", kSecondary, "0/3 fresh votes up"},
      {"all three say up", {true, true, true}, "up", kPrimary, "3/3 fresh votes up"},
  };
  for (const Step& step : steps) {
    SCOPED_TRACE(step.what);
    for (std::size_t i = 0; i < step.votes.size(); ++i) {
      ASSERT_EQ(report(i, {{kPrimary, step.votes[i]}}), 200);
    }
    EXPECT_TRUE(reaches(step.state, step.answer)) << statusJson(http_).dump(2);
    nlohmann::json endpoint = endpointStatus(statusJson(http_), "app", kPrimary);
    EXPECT_EQ(endpoint.value("reason", "").rfind(step.reason, 0), 0u) << endpoint.dump(2);
    if (step.votes.empty()) continue;
    if (std::string(step.state) == "down") {
      // The verdict names a prober that says down, and why.
      EXPECT_NE(endpoint.value("reason", "").find("(quorum > 0.5); p1: connect: refused"),
                std::string::npos)
          << endpoint.dump(2);
    }
    // One vote per prober, by id, fresh, with its age.
    ASSERT_EQ(endpoint["votes"].size(), 3u) << endpoint.dump(2);
    for (std::size_t i = 0; i < 3; ++i) {
      nlohmann::json vote = voteOf(endpoint, prober(i).id);
      ASSERT_TRUE(vote.is_object()) << endpoint.dump(2);
      EXPECT_EQ(vote["up"], step.votes[i]);
      EXPECT_EQ(vote["fresh"], true);
      EXPECT_EQ(vote["region"], "test");
      EXPECT_GE(vote["age"].get<double>(), 0.0);
      EXPECT_LT(vote["age"].get<double>(), report_ttl_);
    }
  }
  // The other endpoints were never voted on.
  EXPECT_EQ(endpointState(http_, "app", kSecondary), "unknown");
  // Filtered: one service's one region, the same states and reasons without the votes (what a
  // script polling thousands of endpoints asks for).
  const nlohmann::json full = statusJson(http_);
  const nlohmann::json lean = statusJson(http_, "?zone=HEALTH.TEST&service=app&votes=0");
  ASSERT_TRUE(lean.is_object());
  ASSERT_EQ(lean["services"].size(), 1u) << lean.dump(2);
  EXPECT_EQ(lean["services"][0]["name"], "app");
  std::size_t endpoints_seen = 0;
  for (const auto& region : lean["services"][0]["regions"]) {
    for (const auto& endpoint : region["endpoints"]) {
      ++endpoints_seen;
      EXPECT_FALSE(endpoint.contains("votes")) << endpoint.dump(2);
      const nlohmann::json same =
          endpointStatus(full, "app", endpoint["address"].get<std::string>());
      EXPECT_EQ(endpoint["state"], same["state"]);
      EXPECT_EQ(endpoint["reason"], same["reason"]);
    }
  }
  EXPECT_EQ(endpoints_seen, kHealthEndpoints.size()) << lean.dump(2);
  const std::string first_region = full["services"][0]["regions"][0]["name"];
  const nlohmann::json one = statusJson(http_, "?region=" + first_region);
  ASSERT_EQ(one["services"].size(), 2u) << "app and ramp, each with one region\n" << one.dump(2);
  for (const auto& service : one["services"]) {
    ASSERT_EQ(service["regions"].size(), 1u) << one.dump(2);
    EXPECT_EQ(service["regions"][0]["name"], first_region);
  }
  const nlohmann::json none = statusJson(http_, "?zone=nowhere.test");
  ASSERT_TRUE(none.is_object());
  EXPECT_TRUE(none["services"].is_array() && none["services"].empty()) << none.dump(2);
  nlohmann::json status = statusJson(http_);
  EXPECT_EQ(status["health"]["mode"], "probers");
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(reportCount(status, prober(i).id, "accepted"), 4) << status.dump(2);
  }
}

TEST_F(SignedReports, AProberThatStopsReportingStopsCountingAfterReportTtl) {
  start(2.0);
  // p1 up, p2 down: 1 of 2 is not more than half.
  ASSERT_EQ(report(0, {{kPrimary, true}}), 200);
  ASSERT_EQ(report(1, {{kPrimary, false}}), 200);
  ASSERT_TRUE(reaches("down", kSecondary)) << statusJson(http_).dump(2);

  // p1 keeps reporting (every 200 ms), p2 is heard from no more: once its vote is older than
  // report_ttl only p1's counts.
  auto last_post = std::chrono::steady_clock::now();
  bool posting_ok = true;
  auto keep_p1_fresh = [&] {
    if (std::chrono::steady_clock::now() - last_post >= 200ms) {
      posting_ok = posting_ok && report(0, {{kPrimary, true}}) == 200;
      last_post = std::chrono::steady_clock::now();
    }
  };
  ASSERT_TRUE(nines::testing::waitUntil(
      [&] {
        keep_p1_fresh();
        return endpointState(http_, "app", kPrimary) == "up" &&
               healthAnswer(*server_, "app") == Strings{kPrimary};
      },
      std::chrono::milliseconds(static_cast<int>(report_ttl_ * 1000) + 10000)))
      << statusJson(http_).dump(2);
  EXPECT_TRUE(posting_ok);

  // When, by dnsd's own clock: the primary turned up `since_age` seconds before this status was
  // made, and p2's vote was then `age - since_age` old. Timed on the test's side instead, the
  // test's own scheduling delays would count as dnsd's.
  nlohmann::json endpoint = endpointStatus(statusJson(http_), "app", kPrimary);
  ASSERT_TRUE(endpoint["since_age"].is_number()) << endpoint.dump(2);
  ASSERT_TRUE(voteOf(endpoint, "p2")["age"].is_number()) << endpoint.dump(2);
  const double expired =
      voteOf(endpoint, "p2")["age"].get<double>() - endpoint["since_age"].get<double>();
  std::printf(
      "[ measured ] a silent prober's vote stopped counting %.3f s after its report (report_ttl "
      "%.1f s, by dnsd's clock)\n",
      expired, report_ttl_);
  EXPECT_GE(expired, report_ttl_ - 0.002);  // not before it is stale (ages are rounded to 1 ms)
  // The publication loop publishes the change at its next tick (every 250 ms); the rest is slack
  // for a publication loop kept waiting by a loaded machine.
  EXPECT_LE(expired, report_ttl_ + 2.0);
  EXPECT_NE(endpoint.value("reason", "").find("1/1 fresh votes up"), std::string::npos)
      << endpoint.dump(2);
  nlohmann::json stale = voteOf(endpoint, "p2");
  ASSERT_TRUE(stale.is_object()) << endpoint.dump(2);
  EXPECT_EQ(stale["fresh"], false);
  EXPECT_EQ(stale["up"], false);
  EXPECT_GT(stale["age"].get<double>(), report_ttl_);
  EXPECT_EQ(voteOf(endpoint, "p1")["fresh"], true);
  EXPECT_TRUE(voteOf(endpoint, "p3").is_null()) << "p3 never reported";

  // p1 goes silent too: no fresh votes at all is unknown, still answered.
  ASSERT_TRUE(reaches("unknown", kPrimary,
                      std::chrono::milliseconds(static_cast<int>(report_ttl_ * 1000) + 10000)))
      << statusJson(http_).dump(2);
  endpoint = endpointStatus(statusJson(http_), "app", kPrimary);
  EXPECT_NE(endpoint.value("reason", "").find("no fresh votes"), std::string::npos)
      << endpoint.dump(2);
}

TEST_F(SignedReports, RefusedReportsAreCountedAndChangeNothing) {
  // Votes stay fresh for the whole test, so "unchanged" means up, not unknown.
  start(30.0);
  const ProberSpec& p1 = prober(0);
  // p1 says down, then up; the "down" report is kept for a replay.
  const std::string old_body = reportBody(p1.id, ++seq_[0], {{kPrimary, false}});
  const std::string old_signature = nines::probers::signBody(p1.key, old_body);
  ASSERT_EQ(postReport(http_, p1.id, old_signature, old_body).status, 200);
  ASSERT_TRUE(reaches("down", kSecondary));
  ASSERT_EQ(report(0, {{kPrimary, true}}), 200);
  ASSERT_TRUE(reaches("up", kPrimary));
  const std::uint64_t accepted_seq = seq_[0];

  // Each would take the primary down if it were believed.
  const std::vector<std::pair<std::string, bool>> down = {{kPrimary, false}};
  const double now =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  const std::string wrong_key = "not-the-key-of-any-prober-00000";
  struct Refusal {
    const char* what;
    std::string prober;  // X-Nines-Prober
    std::string signature;
    std::string body;
    int status;
    const char* counted_under;  // a probers[] id of /v1/status
    const char* outcome;
  };
  auto body = [&](const std::string& id, double time = 0) {
    return reportBody(id, ++seq_[0], down, time);
  };
  auto signedBy = [](const std::string& key, const std::string& text) {
    return nines::probers::signBody(key, text);
  };
  const std::string forged = body("p1"), unsigned_body = body("p1"), stranger = body("p9"),
                    skewed = body("p1", now - 120), mismatched = body("p2"), headless = body("p1");
  const std::vector<Refusal> refusals = {
      {"forged: signed with another key", "p1", signedBy(wrong_key, forged), forged, 401, "p1",
       "bad_signature"},
      {"signed by another prober's key", "p1", signedBy(prober(1).key, forged), forged, 401, "p1",
       "bad_signature"},
      {"no signature", "p1", "", unsigned_body, 401, "p1", "bad_signature"},
      {"replayed: an old report, same seq", "p1", old_signature, old_body, 409, "p1", "replay"},
      {"unknown prober", "p9", signedBy(p1.key, stranger), stranger, 403, "(unknown)",
       "unknown_prober"},
      {"no X-Nines-Prober header", "", signedBy(p1.key, headless), headless, 401, "(unknown)",
       "unknown_prober"},
      {"time two minutes off (max_skew 30 s)", "p1", signedBy(p1.key, skewed), skewed, 422, "p1",
       "clock_skew"},
      {"body names another prober", "p1", signedBy(p1.key, mismatched), mismatched, 400, "p1",
       "prober_mismatch"},
      {"not a report", "p1", signedBy(p1.key, "{\"prober\": \"p1\"}"), "{\"prober\": \"p1\"}", 400,
       "p1", "malformed"},
  };
  for (const Refusal& refusal : refusals) {
    SCOPED_TRACE(refusal.what);
    const long long before = reportCount(statusJson(http_), refusal.counted_under, refusal.outcome);
    HttpReply reply = postReport(http_, refusal.prober, refusal.signature, refusal.body);
    EXPECT_EQ(reply.status, refusal.status) << reply.body;
    EXPECT_NE(reply.body.find("\"error\""), std::string::npos) << reply.body;
    EXPECT_EQ(reportCount(statusJson(http_), refusal.counted_under, refusal.outcome),
              std::max(before, 0LL) + 1)
        << statusJson(http_)["probers"].dump(2);
  }
  // Over the size limit: refused from the headers, before any body is read.
  EXPECT_EQ(postOversized(http_, "p1", nines::probers::kMaxReportBody + 1), 413);
  EXPECT_EQ(reportCount(statusJson(http_), "p1", "too_large"), 1);

  // A barrier: p2's report on the secondary is applied and published; by then anything the
  // refused reports had changed would be published too.
  ASSERT_EQ(report(1, {{kSecondary, false}}), 200);
  ASSERT_TRUE(nines::testing::waitUntil(
      [&] { return endpointState(http_, "app", kSecondary) == "down"; }, 10s));
  nlohmann::json status = statusJson(http_);
  nlohmann::json primary = endpointStatus(status, "app", kPrimary);
  EXPECT_EQ(primary["state"], "up") << primary.dump(2);
  ASSERT_EQ(primary["votes"].size(), 1u) << "only p1's accepted vote, no other\n"
                                         << primary.dump(2);
  EXPECT_EQ(voteOf(primary, "p1")["up"], true);
  EXPECT_EQ(healthAnswer(*server_, "app"), Strings{kPrimary});
  nlohmann::json p1_status = proberStatus(status, "p1");
  EXPECT_EQ(p1_status["last_seq"], accepted_seq) << p1_status.dump(2);
  EXPECT_EQ(reportCount(status, "p1", "accepted"), 2);
  // Refusals are logged (rate-limited), and no key is ever written.
  const std::string log = server_->process().log();
  EXPECT_NE(log.find("report from prober p1 refused (401 bad_signature)"), std::string::npos)
      << log;
  for (const auto& spec : testProbers()) {
    for (const std::string& secret : {spec.key, spec.key_base64}) {
      EXPECT_EQ(log.find(secret), std::string::npos) << secret;
      EXPECT_EQ(status.dump().find(secret), std::string::npos) << secret;
    }
  }
  EXPECT_EQ(log.find(wrong_key), std::string::npos);
}

}  // namespace
}  // namespace nines::integration
