// The HTTP API under abuse (issue 10): bodies over their route's limit are refused (413) unread,
// a flood from one address is answered 429 with Retry-After while a configured prober's reports
// (from that address or another) are still accepted and DNS queries still answered, a client
// trickling its headers is cut off at the header deadline, and one address holds only its share
// of connections.
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <memory>
#include <string>

#include "health_harness.h"
#include "nines/probers/report.h"

namespace nines::integration {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// Reads until the peer closes or `timeout` passes; whether it closed, and what came.
bool readUntilClosed(int fd, std::chrono::milliseconds timeout, std::string* received = nullptr) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    char buffer[4096];
    const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) return true;
    if (received) received->append(buffer, static_cast<std::size_t>(n));
  }
  return false;
}

// Sends `request` from `source` and returns the whole reply ("" when none came).
std::string exchangeFrom(const char* source, std::uint16_t port, const std::string& request) {
  const int fd = nines::testing::connectTcpFrom(source, port);
  if (fd < 0) return "";
  std::string reply;
  if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) ==
      static_cast<ssize_t>(request.size())) {
    readUntilClosed(fd, 10s, &reply);
  }
  ::close(fd);
  return reply;
}

int statusOf(const std::string& reply) {
  return reply.size() > 12 && reply.compare(0, 5, "HTTP/") == 0 ? std::atoi(reply.c_str() + 9) : 0;
}

std::string signedReportRequest(std::uint64_t seq) {
  const ProberSpec& p1 = testProbers()[0];
  const std::string body = reportBody(p1.id, seq, {{kHealthEndpoints[0], true}});
  return "POST /v1/reports HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
         std::string(nines::probers::kProberHeader) + ": " + p1.id + "\r\n" +
         nines::probers::kSignatureHeader + ": " + nines::probers::signBody(p1.key, body) +
         "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\n\r\n" + body;
}

// dnsd serving health.test with reports from p1..p3, and `http_limits` added to [http].
std::unique_ptr<DnsdServer> startDnsd(const std::string& http_limits) {
  std::string sections = healthSections(0, 30.0, testProbers());
  sections.replace(sections.find("[health]"), 0, http_limits + "token = \"api-token\"\n");
  auto server = std::make_unique<DnsdServer>(
      std::map<std::string, std::string>{{"health.test.toml", healthZone(9, {}, 0)},
                                         {"example.test.toml", nines::testing::exampleZone()}},
      DnsdServer::Options{}, sections);
  EXPECT_TRUE(server->ready());
  EXPECT_NE(server->httpPort(), 0) << server->process().log();
  return server;
}

std::string post(const std::string& path, const std::string& body,
                 const std::string& token = "api-token") {
  return "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token +
         "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\n\r\n" + body;
}

TEST(ApiLimits, EachRouteHasItsBodyLimit) {
  auto server = startDnsd("");
  const std::uint16_t port = server->httpPort();
  const std::string selector =
      R"({"service": "app", "region": "us-east", "zone": ")" + std::string(5000, 'x') + "\"}";
  struct Case {
    const char* what;
    std::string request;
    int status;
  };
  const Case cases[] = {
      {"drain: 5000 bytes of selector (limit 4 KiB)", post("/v1/drain", selector), 413},
      {"drain: a small selector passes the limit (and is refused for what it says)",
       post("/v1/drain", R"({"service": "nope"})"), 400},
      {"reload takes no body (limit 1 KiB)", post("/v1/reload", std::string(2000, ' ')), 413},
      {"a GET with a body", "GET /v1/status HTTP/1.1\r\nHost: x\r\nContent-Length: 2000\r\n\r\n",
       413},
      {"a report may be large", signedReportRequest(100), 200},
      {"a wrong token", post("/v1/drain", R"({"service": "app"})", "wrong"), 401},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    EXPECT_EQ(nines::testing::rawHttpExchange(port, c.request).status, c.status);
  }
  EXPECT_TRUE(server->ask("www.example.test.", "A").parsed);
}

// A bounded flood (at most 600 requests or 15 s) from 127.0.0.1 at many times the rate limit.
TEST(ApiLimits, AFloodIsAnswered429WhileProbersAndQueriesAreServed) {
  auto server = startDnsd("requests_per_second = 5\nburst = 10\n");
  const std::uint16_t port = server->httpPort();
  const std::string status = "GET /v1/status HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  int ok = 0, limited = 0, other = 0;
  std::string retry_after;
  std::uint64_t seq = 1000;
  int reports_from_flooder = 0, reports_from_other = 0, answers = 0;
  const auto start = Clock::now();
  for (int i = 0; i < 600 && Clock::now() - start < 15s; ++i) {
    const std::string reply = exchangeFrom("127.0.0.1", port, status);
    if (statusOf(reply) == 200) {
      ++ok;
    } else if (statusOf(reply) == 429) {
      ++limited;
      const std::size_t at = reply.find("\r\nRetry-After: ");
      if (at != std::string::npos) {
        retry_after = reply.substr(at + 15, reply.find('\r', at + 2) - (at + 15));
      }
    } else {
      ++other;
    }
    if (i % 100 == 50) {
      // Mid-flood: a report from the flooding address (its own bucket), one from another
      // address, and a DNS query.
      reports_from_flooder +=
          nines::testing::rawHttpExchange(port, signedReportRequest(++seq)).status == 200;
      reports_from_other +=
          statusOf(exchangeFrom("127.0.0.2", port, signedReportRequest(++seq))) == 200;
      answers += server->ask("www.example.test.", "A").rcode == "NOERROR";
    }
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  // At most the burst plus 5 a second (and a second of slack) got through; most were refused.
  EXPECT_LE(ok, 10 + static_cast<int>(5 * (seconds + 1))) << seconds << " s";
  EXPECT_GE(limited, 300) << "ok " << ok << ", other " << other;
  EXPECT_EQ(other, 0);
  EXPECT_GE(std::atoi(retry_after.c_str()), 1) << "Retry-After: " << retry_after;
  EXPECT_EQ(reports_from_flooder, 6);
  EXPECT_EQ(reports_from_other, 6);
  EXPECT_EQ(answers, 6);
  // Another address is not limited by the flooder.
  EXPECT_EQ(statusOf(exchangeFrom("127.0.0.2", port, status)), 200);
  const std::string metrics = exchangeFrom("127.0.0.3", port, "GET /metrics HTTP/1.1\r\n\r\n");
  EXPECT_NE(metrics.find("nines_http_rate_limited_total " + std::to_string(limited) + "\n"),
            std::string::npos)
      << metrics.substr(0, 2000);
}

TEST(ApiLimits, TricklingHeadersAreCutOffAtTheHeaderDeadline) {
  auto server = startDnsd("header_timeout = 1\n");
  const int fd = nines::testing::connectTcpFrom("127.0.0.1", server->httpPort());
  ASSERT_GE(fd, 0);
  const auto start = Clock::now();
  const std::string request = "GET /v1/status HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ";
  ASSERT_EQ(::send(fd, request.data(), request.size(), MSG_NOSIGNAL),
            static_cast<ssize_t>(request.size()));
  // One byte every 200 ms (cpp-httplib's own read timeout, 5 s, would never end this) until
  // dnsd closes, for at most 15 s.
  bool closed = false;
  while (!closed && Clock::now() - start < 15s) {
    if (::send(fd, "a", 1, MSG_NOSIGNAL) != 1) break;
    closed = readUntilClosed(fd, 200ms);
  }
  const auto elapsed = Clock::now() - start;
  ::close(fd);
  EXPECT_GE(elapsed, 1s);
  EXPECT_LE(elapsed, 8s);
  EXPECT_EQ(nines::testing::rawHttpExchange(server->httpPort(),
                                            "GET /v1/status HTTP/1.1\r\nHost: x\r\n\r\n")
                .status,
            200);
}

TEST(ApiLimits, OneAddressHoldsOnlyItsShareOfConnections) {
  auto server = startDnsd("max_connections_per_client = 2\nheader_timeout = 30\n");
  const std::uint16_t port = server->httpPort();
  // Two connections from 127.0.0.1 that trickle a header hold its share (each has an API thread
  // reading it; header_timeout is 30 s here).
  const int first = nines::testing::connectTcpFrom("127.0.0.1", port);
  const int second = nines::testing::connectTcpFrom("127.0.0.1", port);
  ASSERT_GE(first, 0);
  ASSERT_GE(second, 0);
  const std::string half = "GET /v1/status HTTP/1.1\r\nX-Slow: ";
  ASSERT_EQ(::send(first, half.data(), half.size(), MSG_NOSIGNAL), ssize_t(half.size()));
  ASSERT_EQ(::send(second, half.data(), half.size(), MSG_NOSIGNAL), ssize_t(half.size()));
  auto trickle = [&] {
    ::send(first, "a", 1, MSG_NOSIGNAL);
    ::send(second, "a", 1, MSG_NOSIGNAL);
  };
  const std::string status = "GET /v1/status HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  // A third is closed unanswered (once dnsd has taken the first two: retried until then).
  EXPECT_TRUE(nines::testing::waitUntil(
      [&] {
        trickle();
        return exchangeFrom("127.0.0.1", port, status).empty();
      },
      15s));
  // Another address is served.
  EXPECT_EQ(statusOf(exchangeFrom("127.0.0.2", port, status)), 200);
  ::close(first);
  ::close(second);
  // Their slots free again once dnsd sees them close.
  EXPECT_TRUE(nines::testing::waitUntil(
      [&] { return statusOf(exchangeFrom("127.0.0.1", port, status)) == 200; }, 10s));
}

}  // namespace
}  // namespace nines::integration
