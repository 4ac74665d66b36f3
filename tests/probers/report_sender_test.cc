#include "nines/probers/report_sender.h"

#include <gtest/gtest.h>

#include <string>

#include "local_servers.h"
#include "loopback.h"
#include "nines/probers/report.h"
#include "process.h"

namespace nines::probers {
namespace {

using testing::FakeDnsd;

// Sends one report per tick of a fake clock (one interval apart) and lets each finish: a dnsd
// that refuses connections is tried at ticks 0, 1, 3, 7, 15 (the wait doubling from one
// interval), then every 10 ticks (max_backoff); a working one gets every report.
TEST(ReportSenderTest, BackoffPerDnsdDoublesUpToTheMaximum) {
  FakeDnsd good;
  std::string dead = "http://127.0.0.1:" + std::to_string(nines::testing::closedPort());
  double now = 0;
  SenderOptions options;
  options.dnsd = {dead, good.url()};
  options.prober_id = "p";
  options.interval = 1;
  options.timeout = 2;
  options.max_backoff = 10;
  options.clock = [&] { return now; };
  ReportSender sender(options);
  std::vector<int> attempts;
  std::uint64_t failed = 0;
  for (int tick = 0; tick <= 40; ++tick) {
    now = tick;
    std::string body = "{\"tick\":" + std::to_string(tick) + "}";
    sender.send(body, signBody("0123456789abcdef", body));
    ASSERT_TRUE(nines::testing::waitUntil([&] {
      sender.poll(20);
      auto deliveries = sender.deliveries();
      return !deliveries[0].busy && !deliveries[1].busy;
    }));
    auto deliveries = sender.deliveries();
    if (deliveries[0].failed > failed) attempts.push_back(tick);
    failed = deliveries[0].failed;
  }
  EXPECT_EQ(attempts, (std::vector<int>{0, 1, 3, 7, 15, 25, 35}));
  auto deliveries = sender.deliveries();
  EXPECT_EQ(deliveries[0].url, dead);
  EXPECT_EQ(deliveries[0].sent, 0u);
  EXPECT_EQ(deliveries[0].skipped, 41u - attempts.size());
  EXPECT_EQ(deliveries[0].consecutive_failures, attempts.size());
  EXPECT_NE(deliveries[0].last_error.find("onnect"), std::string::npos) << deliveries[0].last_error;
  EXPECT_EQ(deliveries[1].sent, 41u);
  EXPECT_EQ(deliveries[1].failed, 0u);

  // Every report arrived whole, with its headers.
  auto reports = good.reports();
  ASSERT_EQ(reports.size(), 41u);
  EXPECT_EQ(reports[5].body, "{\"tick\":5}");
  EXPECT_EQ(reports[5].prober, "p");
  EXPECT_TRUE(verifySignature("0123456789abcdef", reports[5].body, reports[5].signature));
}

// A dnsd still busy with the previous report is skipped, not queued behind.
TEST(ReportSenderTest, ABusyDnsdIsSkipped) {
  testing::SilentListener silent;
  FakeDnsd good;
  double now = 0;
  SenderOptions options;
  options.dnsd = {"http://127.0.0.1:" + std::to_string(silent.port()), good.url()};
  options.prober_id = "p";
  options.timeout = 30;  // longer than the test: the first POST never ends
  options.clock = [&] { return now; };
  ReportSender sender(options);
  for (int tick = 0; tick < 3; ++tick) {
    now = tick;
    sender.send("{}", signBody("0123456789abcdef", "{}"));
    ASSERT_TRUE(nines::testing::waitUntil([&] {
      sender.poll(20);
      return !sender.deliveries()[1].busy;
    }));
  }
  auto deliveries = sender.deliveries();
  EXPECT_TRUE(deliveries[0].busy);
  EXPECT_EQ(deliveries[0].skipped, 2u);
  EXPECT_EQ(deliveries[1].sent, 3u);
}

// A report in parts: every dnsd gets them one after the other, in order; a part a dnsd refuses
// ends that dnsd's round (the next parts would only be refused after it, or applied out of turn).
TEST(ReportSenderTest, PartsGoInOrderAndARefusedPartEndsTheRound) {
  FakeDnsd good, refusing;
  refusing.refuseReportsContaining("\"part\":2");
  SenderOptions options;
  options.dnsd = {good.url(), refusing.url()};
  options.prober_id = "p";
  options.timeout = 5;
  ReportSender sender(options);
  std::vector<ReportSender::SignedBody> parts;
  for (int part = 1; part <= 3; ++part) {
    std::string body = "{\"part\":" + std::to_string(part) + "}";
    parts.push_back({body, signBody("0123456789abcdef", body)});
  }
  sender.send(parts);
  ASSERT_TRUE(nines::testing::waitUntil([&] {
    sender.poll(20);
    auto deliveries = sender.deliveries();
    return !deliveries[0].busy && !deliveries[1].busy && good.reports().size() == 3;
  }));
  auto bodies = [](const FakeDnsd& dnsd) {
    std::vector<std::string> out;
    for (const auto& report : dnsd.reports()) out.push_back(report.body);
    return out;
  };
  EXPECT_EQ(bodies(good),
            (std::vector<std::string>{"{\"part\":1}", "{\"part\":2}", "{\"part\":3}"}));
  EXPECT_EQ(bodies(refusing), (std::vector<std::string>{"{\"part\":1}", "{\"part\":2}"}));
  auto deliveries = sender.deliveries();
  EXPECT_EQ(deliveries[0].sent, 3u);
  EXPECT_EQ(deliveries[1].sent, 1u);
  EXPECT_EQ(deliveries[1].failed, 1u);
  EXPECT_NE(deliveries[1].last_error.find("503"), std::string::npos) << deliveries[1].last_error;
}

}  // namespace
}  // namespace nines::probers
