// dnsd::HttpApi in-process on 127.0.0.1, port 0: POST /v1/reports hands the prober and signature
// headers and the exact body to its handler; a report body over probers::kMaxReportBody is
// refused with 413 before it is read (and counted through reportTooLarge); every other endpoint
// keeps a small body limit; GET /v1/checks serves the handler's JSON.
#include "nines/dnsd/control/http_api.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "http_client.h"
#include "nines/probers/report.h"

namespace nines::dnsd {
namespace {

using nines::testing::httpGet;
using nines::testing::httpPost;
using nines::testing::rawHttpExchange;

class HttpApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    HttpConfig config;
    config.listen.push_back(*SocketAddress::parse("127.0.0.1:0", nullptr));
    config.token = "token";
    ControlHandlers handlers;
    handlers.status = [this](const StatusFilter& filter) {
      std::lock_guard lock(mutex_);
      filter_ = filter;
      return std::string("{}");
    };
    handlers.drain = [](const HealthSelector&, bool, std::string& body) {
      body = "{}";
      return 200;
    };
    handlers.setHealth = [](const HealthSelector&, const std::string&, std::string& body) {
      body = "{}";
      return 200;
    };
    handlers.report = [this](const std::string& prober, const std::string& signature,
                             const std::string& body, std::string& reply) {
      std::lock_guard lock(mutex_);
      prober_ = prober;
      signature_ = signature;
      body_ = body;
      reply = R"({"applied":1,"ignored":0})";
      return 200;
    };
    handlers.reportTooLarge = [this](const std::string& prober, std::size_t, std::string& reply) {
      std::lock_guard lock(mutex_);
      too_large_prober_ = prober;
      ++too_large_;
      reply = R"({"error":"too large"})";
      return 413;
    };
    handlers.checks = [] { return std::string(R"([{"id":"z|web|127.0.0.1"}])"); };
    handlers.metrics = [] { return std::string("nines_build_info{version=\"x\"} 1\n"); };
    api_ = std::make_unique<HttpApi>(config, std::move(handlers));
    std::string error;
    ASSERT_TRUE(api_->open(&error)) << error;
    api_->start();
    port_ = api_->boundAddresses().at(0).port();
  }
  void TearDown() override {
    if (api_) api_->stop();
  }

  std::mutex mutex_;
  StatusFilter filter_;
  std::string prober_, signature_, body_, too_large_prober_;
  int too_large_ = 0;
  std::unique_ptr<HttpApi> api_;
  std::uint16_t port_ = 0;
};

TEST_F(HttpApiTest, ReportsReachTheirHandlerWithHeadersAndExactBody) {
  const std::string body = "{\"prober\":\"eu-1\",\n \"seq\": 1 }";
  auto reply =
      httpPost(port_, "/v1/reports", body, "",
               {{probers::kProberHeader, "eu-1"}, {probers::kSignatureHeader, "sha256=abcd"}});
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.body, R"({"applied":1,"ignored":0})");
  std::lock_guard lock(mutex_);
  EXPECT_EQ(prober_, "eu-1");
  EXPECT_EQ(signature_, "sha256=abcd");
  EXPECT_EQ(body_, body);
}

TEST_F(HttpApiTest, AReportOverTheLimitIsRefusedUnreadAndCounted) {
  // Exactly the limit is still read (and handed over); one byte more is not.
  const std::string at_limit(probers::kMaxReportBody, 'x');
  EXPECT_EQ(httpPost(port_, "/v1/reports", at_limit, "", {{probers::kProberHeader, "eu-1"}}).status,
            200);
  {
    std::lock_guard lock(mutex_);
    EXPECT_EQ(body_.size(), probers::kMaxReportBody);
  }
  // One byte more: the headers alone get the answer, the body is never waited for.
  const auto reply = rawHttpExchange(port_,
                                     "POST /v1/reports HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                     "X-Nines-Prober: eu-1\r\nContent-Type: application/json\r\n"
                                     "Content-Length: " +
                                         std::to_string(probers::kMaxReportBody + 1) + "\r\n\r\n");
  EXPECT_EQ(reply.status, 413) << reply.body;
  std::lock_guard lock(mutex_);
  EXPECT_EQ(too_large_, 1);
  EXPECT_EQ(too_large_prober_, "eu-1");
}

TEST_F(HttpApiTest, OtherEndpointsKeepASmallBodyLimit) {
  const auto reply = rawHttpExchange(
      port_,
      "POST /v1/drain HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer token\r\n"
      "Content-Length: 65537\r\n\r\n");
  EXPECT_EQ(reply.status, 413) << reply.body;
  EXPECT_EQ(httpPost(port_, "/v1/drain", R"({"region": "eu-west"})", "token").status, 200);
  std::lock_guard lock(mutex_);
  EXPECT_EQ(too_large_, 0);  // not a report
}

TEST_F(HttpApiTest, ABodyWithoutContentLengthIsRefused) {
  // cpp-httplib would read such a body to its end, however long: refused before that.
  auto reply = rawHttpExchange(
      port_, "POST /v1/reports HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n");
  EXPECT_EQ(reply.status, 411) << reply.body;
  reply = rawHttpExchange(port_, "POST /v1/drain HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  EXPECT_EQ(reply.status, 411) << reply.body;
  std::lock_guard lock(mutex_);
  EXPECT_TRUE(body_.empty());  // the report handler never ran
}

// Probers report every second over connections their HTTP library keeps open. A connection kept
// open between requests must not hold one of the API's threads, or a dozen probers (or a dozen
// idle clients) would leave reports, drains and status waiting for seconds.
TEST_F(HttpApiTest, IdleKeptAliveConnectionsDoNotStallTheApi) {
  constexpr int kIdle = 24;  // more than cpp-httplib's default thread pool
  std::vector<std::unique_ptr<httplib::Client>> idle;
  for (int i = 0; i < kIdle; ++i) {
    auto http = std::make_unique<httplib::Client>("127.0.0.1", port_);
    http->set_keep_alive(true);
    http->set_connection_timeout(2, 0);
    http->set_read_timeout(10, 0);
    auto result = http->Get("/v1/status");
    ASSERT_TRUE(result) << "idle client " << i;
    idle.push_back(std::move(http));
  }
  // Each of them could send another request now; meanwhile a newcomer is answered at once: within
  // 3.5 s, which leaves a busy machine seconds and is still short of the 5 s an idle connection
  // may wait for its next request (what a stalled API would make the newcomer wait).
  httplib::Client fresh("127.0.0.1", port_);
  fresh.set_connection_timeout(3, 500000);
  fresh.set_read_timeout(3, 500000);
  auto result = fresh.Get("/v1/status");
  ASSERT_TRUE(result) << httplib::to_string(result.error());
  EXPECT_EQ(result->status, 200);
  // And the kept connections still work (the server closed them, the client reconnects).
  auto again = idle.front()->Get("/v1/status");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 200);
}

TEST_F(HttpApiTest, StatusFiltersComeFromTheQueryAndTyposAreRefused) {
  EXPECT_EQ(httpGet(port_, "/v1/status").status, 200);
  {
    std::lock_guard lock(mutex_);
    EXPECT_EQ(filter_.pools, HealthSelector{});
    EXPECT_TRUE(filter_.votes);
  }
  EXPECT_EQ(
      httpGet(port_, "/v1/status?zone=Example.Test&service=www&region=eu-west&votes=0").status,
      200);
  {
    std::lock_guard lock(mutex_);
    EXPECT_EQ(filter_.pools.zone, "Example.Test");
    EXPECT_EQ(filter_.pools.service, "www");
    EXPECT_EQ(filter_.pools.region, "eu-west");
    EXPECT_TRUE(filter_.pools.endpoint.empty());
    EXPECT_FALSE(filter_.votes);
    EXPECT_EQ(filter_.events, static_cast<std::size_t>(-1));  // all, unless asked
  }
  EXPECT_EQ(httpGet(port_, "/v1/status?events=5").status, 200);
  {
    std::lock_guard lock(mutex_);
    EXPECT_EQ(filter_.events, 5u);
  }
  for (const auto& [query, message] : std::vector<std::pair<std::string, std::string>>{
           {"?votes=maybe", "votes must be 0, 1, false or true"},
           {"?events=-1", "events must be a number"},
           {"?events=lots", "events must be a number"},
           {"?servce=www", "servce\\\" (zone, service, region, votes, events)"}}) {
    auto refused = httpGet(port_, "/v1/status" + query);
    EXPECT_EQ(refused.status, 400) << query;
    EXPECT_NE(refused.body.find(message), std::string::npos) << refused.body;
  }
}

// The page is three files from the binary; the policy lets it load nothing from anywhere else and
// run no inline script, and none of the three names another origin.
TEST_F(HttpApiTest, TheStatusPageComesFromThisServerOnly) {
  const std::vector<std::pair<std::string, std::string>> files = {
      {"/", "text/html"}, {"/status.css", "text/css"}, {"/status.js", "text/javascript"}};
  for (const auto& [path, type] : files) {
    auto reply = httpGet(port_, path);
    EXPECT_EQ(reply.status, 200) << path;
    EXPECT_EQ(reply.content_type.rfind(type, 0), 0u) << path << ": " << reply.content_type;
    const std::string policy = nines::testing::headerOf(reply, "Content-Security-Policy");
    EXPECT_NE(policy.find("default-src 'none'"), std::string::npos) << path << ": " << policy;
    EXPECT_NE(policy.find("script-src 'self'"), std::string::npos) << policy;
    EXPECT_NE(policy.find("connect-src 'self'"), std::string::npos) << policy;
    for (const char* loose : {"unsafe-inline", "unsafe-eval", "*", "http:", "https:", "data:"}) {
      EXPECT_EQ(policy.find(loose), std::string::npos) << path << " allows " << loose;
    }
    for (const char* elsewhere : {"http://", "https://", "src=\"//", "href=\"//", "@import"}) {
      EXPECT_EQ(reply.body.find(elsewhere), std::string::npos) << path << " names " << elsewhere;
    }
  }
  EXPECT_NE(httpGet(port_, "/").body.find("src=\"/status.js\""), std::string::npos);
  EXPECT_NE(httpGet(port_, "/status.js").body.find("/v1/status?"), std::string::npos);
}

// Brotli at cpp-httplib's quality costs seconds of CPU for a large status; gzip is offered instead.
TEST_F(HttpApiTest, ResponsesAreNeverBrotliCompressed) {
  httplib::Client client("127.0.0.1", port_);
  client.set_decompress(false);
  for (const char* accepted : {"gzip, deflate, br, zstd", "br"}) {
    auto reply = client.Get("/status.js", {{"Accept-Encoding", accepted}});
    ASSERT_TRUE(reply) << accepted;
    EXPECT_EQ(reply->status, 200);
    EXPECT_NE(reply->get_header_value("Content-Encoding"), "br") << accepted;
  }
  auto reply = client.Get("/status.js", {{"Accept-Encoding", "gzip, br"}});
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->get_header_value("Content-Encoding"), "gzip");
}

TEST_F(HttpApiTest, ChecksAreServed) {
  auto reply = httpGet(port_, "/v1/checks");
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.content_type, "application/json");
  EXPECT_EQ(reply.body, R"([{"id":"z|web|127.0.0.1"}])");
}

TEST_F(HttpApiTest, MetricsAreServedAsPrometheusText) {
  auto reply = httpGet(port_, "/metrics");
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.content_type, "text/plain; version=0.0.4");
  EXPECT_EQ(reply.body, "nines_build_info{version=\"x\"} 1\n");
}

}  // namespace
}  // namespace nines::dnsd
