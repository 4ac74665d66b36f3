// Response rate limiting on the real dnsd: a bounded flood from 127.0.0.1 at many times the limit
// gets about the limit, a share of the rest as empty truncated responses, while a client on
// 127.0.0.2 (another network with ipv4_prefix = 32) gets every answer; an exempt network is never
// limited; TCP is never limited; log_only limits nothing and counts what it would have; a reload
// turns it on and off. And without rate limiting, a flood that overflows the receive queue of its
// address leaves another address's queries untouched ([server] udp_queues). Clients send from
// other loopback addresses (any of 127/8 works on Linux).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "integration_harness.h"
#include "metrics_text.h"
#include "nines/dnsd/net/source_queues.h"

namespace nines::integration {
namespace {

using Clock = std::chrono::steady_clock;

const std::string kHttp = "[http]\nlisten = \"127.0.0.1:0\"\n";

// A UDP socket bound to `source`:0 and connected to dnsd on 127.0.0.1:`port`.
class UdpClient {
 public:
  UdpClient(const char* source, std::uint16_t port)
      : fd_(nines::testing::connectFrom(SOCK_DGRAM | SOCK_NONBLOCK, source, port)) {}
  ~UdpClient() {
    if (fd_ >= 0) close(fd_);
  }
  UdpClient(const UdpClient&) = delete;
  UdpClient& operator=(const UdpClient&) = delete;

  bool ok() const { return fd_ >= 0; }
  void send(const Bytes& wire) const { (void)::send(fd_, wire.data(), wire.size(), 0); }
  // The next response, waiting at most `timeout_ms`.
  std::optional<Bytes> receive(int timeout_ms) const {
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, timeout_ms) <= 0) return std::nullopt;
    Bytes buffer(65535);
    const ssize_t n = recv(fd_, buffer.data(), buffer.size(), 0);
    if (n <= 0) return std::nullopt;
    buffer.resize(static_cast<std::size_t>(n));
    return buffer;
  }
  // A query and its response (matched by ID; stale responses are skipped).
  Response ask(const std::string& name, std::uint16_t id) const {
    send(buildQuery(name, "A", withId(id)));
    const auto deadline =
        Clock::now() + std::chrono::milliseconds(nines::testing::kAnswerTimeoutMs);
    while (Clock::now() < deadline) {
      auto wire = receive(100);
      if (!wire) continue;
      Response r = decodeResponse(*wire);
      if (r.parsed && r.id == id) return r;
    }
    return Response{};
  }

 private:
  int fd_ = -1;
};

// A full answer to www.example.test A (exampleZone: two addresses), not an empty truncated one.
bool fullAnswer(const Response& r) { return r.parsed && !r.tc && r.answer.size() == 2; }
bool emptyTruncated(const Response& r) {
  return r.parsed && r.tc && r.answer.empty() && r.authority.empty() && r.question.size() == 1;
}

double metric(std::uint16_t http, const std::string& series) {
  return nines::testing::metricSample(httpGet(http, "/metrics").body, series);
}
double rateLimited(std::uint16_t http, const std::string& response_class,
                   const std::string& action) {
  return metric(http, "nines_dns_rate_limited_total{class=\"" + response_class + "\",action=\"" +
                          action + "\"}");
}

class RateLimit : public ::testing::Test {
 protected:
  void start(const std::string& rate_limit) {
    server_ = std::make_unique<DnsdServer>(nines::testing::answerZones(), DnsdServer::Options{},
                                           kHttp + rate_limit);
    ASSERT_TRUE(server_->ready());
    http_ = server_->httpPort();
    ASSERT_NE(http_, 0);
  }
  std::unique_ptr<DnsdServer> server_;
  std::uint16_t http_ = 0;
};

TEST_F(RateLimit, FloodGetsAboutTheLimitWhileAnotherNetworkGetsEveryAnswer) {
  constexpr int kRate = 20;
  start("[rate_limit]\nresponses_per_second = 20\nwindow = 1\nslip = 2\nipv4_prefix = 32\n");
  UdpClient flood("127.0.0.1", server_->port());
  UdpClient other("127.0.0.2", server_->port());
  ASSERT_TRUE(flood.ok() && other.ok());
  // 40 bursts of 50 queries, one burst every 25 ms or so: 2000 queries at ~100x the limit,
  // bounded in count and (with the drain at the end) to a few seconds even on a slow machine.
  constexpr int kBursts = 40, kBurst = 50;
  const Bytes query = buildQuery("www.example.test.", "A");
  int answered = 0, truncated = 0, other_asked = 0, other_answered = 0;
  auto drain = [&](int timeout_ms) {
    const auto until = Clock::now() + std::chrono::milliseconds(timeout_ms);
    while (Clock::now() < until) {
      auto wire = flood.receive(5);
      if (!wire) continue;
      Response r = decodeResponse(*wire);
      answered += fullAnswer(r);
      truncated += emptyTruncated(r);
    }
  };
  const auto began = Clock::now();
  for (int burst = 0; burst < kBursts; ++burst) {
    for (int i = 0; i < kBurst; ++i) flood.send(query);
    ++other_asked;
    other_answered += fullAnswer(other.ask("www.example.test.", std::uint16_t(burst)));
    drain(25);
  }
  drain(300);
  const double seconds = std::chrono::duration<double>(Clock::now() - began).count();
  const int sent = kBursts * kBurst;
  // The window's credit, then the rate for as long as the flood lasted (plus a tick of slack).
  EXPECT_LE(answered, kRate + kRate * (seconds + 0.1) + 2) << seconds << " s";
  EXPECT_GE(answered, kRate / 2) << seconds << " s";
  // Slip 2: about half of what is over the limit comes back empty with TC; allow for datagrams
  // lost to a busy machine.
  EXPECT_GE(truncated, (sent - answered) / 5) << "of " << sent;
  EXPECT_LE(truncated, (sent - answered) / 2 + 1);
  EXPECT_EQ(other_answered, other_asked) << "the client on 127.0.0.2 was limited";
  EXPECT_GE(rateLimited(http_, "answer", "slip"), truncated);
  EXPECT_GE(rateLimited(http_, "answer", "drop"), (sent - answered) / 5);
  EXPECT_EQ(metric(http_, "nines_rate_limit_table_used"), 2);  // 127.0.0.1 and 127.0.0.2
  EXPECT_EQ(metric(http_, "nines_rate_limit_table_size"), 65536);
}

TEST_F(RateLimit, ExemptNetworkIsNeverLimited) {
  start(
      "[rate_limit]\nresponses_per_second = 2\nwindow = 1\nslip = 1\n"
      "exempt = [\"127.0.0.3/32\"]\nipv4_prefix = 32\n");
  UdpClient exempt("127.0.0.3", server_->port());
  UdpClient limited("127.0.0.4", server_->port());
  ASSERT_TRUE(exempt.ok() && limited.ok());
  constexpr int kQueries = 200;
  int exempt_answered = 0, limited_truncated = 0;
  for (int i = 0; i < kQueries; ++i) {
    exempt_answered += fullAnswer(exempt.ask("www.example.test.", std::uint16_t(i)));
  }
  for (int i = 0; i < 20; ++i) {
    limited_truncated += emptyTruncated(limited.ask("www.example.test.", std::uint16_t(i)));
  }
  EXPECT_EQ(exempt_answered, kQueries);
  EXPECT_GE(limited_truncated, 10) << "rate limiting was not on for the other network";
  EXPECT_EQ(rateLimited(http_, "answer", "exempt"), kQueries);
}

TEST_F(RateLimit, TcpIsNeverLimited) {
  start("[rate_limit]\nresponses_per_second = 1\nwindow = 1\nslip = 1\n");
  UdpClient udp("127.0.0.1", server_->port());
  ASSERT_TRUE(udp.ok());
  ASSERT_TRUE(fullAnswer(udp.ask("www.example.test.", 1)));
  // The limit is reached over UDP (a second query within the second slips)...
  ASSERT_TRUE(waitUntil([&] { return emptyTruncated(udp.ask("www.example.test.", 2)); }));
  // ...and the same address is answered over TCP every time.
  for (int i = 0; i < 50; ++i) {
    SCOPED_TRACE(i);
    Response r = server_->ask("www.example.test.", "A", Transport::Tcp, withId(std::uint16_t(i)));
    EXPECT_TRUE(fullAnswer(r));
  }
}

TEST_F(RateLimit, LogOnlyLimitsNothingAndCountsWhatItWouldHave) {
  start("[rate_limit]\nresponses_per_second = 2\nwindow = 1\nslip = 2\nlog_only = true\n");
  UdpClient client("127.0.0.1", server_->port());
  ASSERT_TRUE(client.ok());
  constexpr int kQueries = 100;
  int answered = 0;
  const auto began = Clock::now();
  for (int i = 0; i < kQueries; ++i) {
    answered += fullAnswer(client.ask("www.example.test.", std::uint16_t(i)));
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - began).count();
  EXPECT_EQ(answered, kQueries);
  const double would =
      rateLimited(http_, "answer", "would_drop") + rateLimited(http_, "answer", "would_slip");
  // All but the credit (2, and 2 a second while the queries went on) would have been limited.
  EXPECT_LE(would, kQueries - 2);
  EXPECT_GE(would, kQueries - 2 - 2 * (seconds + 0.1) - 1) << seconds << " s";
  EXPECT_GT(rateLimited(http_, "answer", "would_slip"), 0);
  EXPECT_EQ(rateLimited(http_, "answer", "drop"), 0);
  EXPECT_EQ(rateLimited(http_, "answer", "slip"), 0);
}

TEST_F(RateLimit, AReloadTurnsItOnAndOff) {
  start("");
  UdpClient client("127.0.0.1", server_->port());
  ASSERT_TRUE(client.ok());
  for (int i = 0; i < 30; ++i) {
    ASSERT_TRUE(fullAnswer(client.ask("www.example.test.", std::uint16_t(i)))) << i;
  }
  EXPECT_EQ(metric(http_, "nines_rate_limit_table_size"), 0);
  const std::string head = "[server]\nlisten = [\"127.0.0.1:0\"]\nzones = \"zones\"\nthreads = 1\n";
  server_->dir().write("dnsd.toml",
                       head + kHttp + "[rate_limit]\nresponses_per_second = 1\nslip = 1\n");
  server_->process().signal(SIGHUP);
  std::uint16_t id = 100;
  EXPECT_TRUE(waitUntil([&] { return emptyTruncated(client.ask("www.example.test.", ++id)); }));
  // Off again: every answer comes back.
  server_->dir().write("dnsd.toml", head + kHttp);
  server_->process().signal(SIGHUP);
  ASSERT_TRUE(
      waitUntil([&] { return metric(http_, "nines_reloads_total{result=\"success\"}") >= 3; }));
  EXPECT_TRUE(waitUntil([&] { return fullAnswer(client.ask("www.example.test.", ++id)); }));
  for (int i = 0; i < 30; ++i) EXPECT_TRUE(fullAnswer(client.ask("www.example.test.", ++id)));
}

// Datagrams the kernel dropped on full receive queues of the IPv4 UDP sockets on `port`.
long udpDrops(std::uint16_t port) {
  std::ifstream table("/proc/net/udp");
  std::string line;
  std::getline(table, line);  // the header
  long drops = 0;
  while (std::getline(table, line)) {
    std::istringstream fields(line);
    std::string slot, local, field, last;
    fields >> slot >> local;
    if (local.size() < 4 || std::stoul(local.substr(local.size() - 4), nullptr, 16) != port) {
      continue;
    }
    while (fields >> field) last = field;
    drops += std::stol(last);
  }
  return drops;
}

// dnsd is stopped while 127.0.0.1 floods it past what its queue holds, then another address asks:
// with its own queue, every one of its queries is still there when dnsd runs again. (With one
// queue per worker, `udp_queues = 1`, they would have found the queue full and been dropped.)
TEST(UdpQueues, AFloodFillsOnlyItsOwnQueue) {
  constexpr unsigned kQueues = 4;
  DnsdServer server(nines::testing::answerZones(),
                    {.listen = {"127.0.0.1:0"},
                     .server_extra = "udp_queues = " + std::to_string(kQueues) + "\n",
                     .threads = 1});
  ASSERT_TRUE(server.ready());
  const nines::dnsd::SourceSteering steering{1, kQueues};
  auto queueOf = [&](const std::string& address) {
    in_addr a{};
    inet_pton(AF_INET, address.c_str(), &a);
    return steering.queueOf(a);
  };
  std::string other_address;
  for (int host = 1; host < 255 && other_address.empty(); ++host) {
    const std::string candidate = "127.0.1." + std::to_string(host);
    if (queueOf(candidate) != queueOf("127.0.0.1")) other_address = candidate;
  }
  ASSERT_FALSE(other_address.empty());
  UdpClient flood("127.0.0.1", server.port());
  UdpClient other(other_address.c_str(), server.port());
  ASSERT_TRUE(flood.ok() && other.ok());
  ASSERT_TRUE(fullAnswer(other.ask("www.example.test.", 1)));

  struct Resume {
    nines::testing::DnsdProcess& process;
    ~Resume() { process.signal(SIGCONT); }
  } resume{server.process()};
  server.process().signal(SIGSTOP);
  const Bytes flood_query = buildQuery("www.example.test.", "A", withId(0));
  const long drops_before = udpDrops(server.port());
  // A queue holds a few thousand small datagrams (its share of 4 MiB): 20,000 overflow it.
  for (int i = 0; i < 20000 && udpDrops(server.port()) == drops_before; i += 1000) {
    for (int j = 0; j < 1000; ++j) flood.send(flood_query);
  }
  ASSERT_GT(udpDrops(server.port()), drops_before) << "the flood did not fill its queue";
  constexpr int kAsked = 20;
  for (int id = 100; id < 100 + kAsked; ++id) {
    other.send(buildQuery("www.example.test.", "A", withId(std::uint16_t(id))));
  }
  server.process().signal(SIGCONT);
  std::set<std::uint16_t> answered;
  const auto deadline = Clock::now() + std::chrono::seconds(10);
  while (answered.size() < kAsked && Clock::now() < deadline) {
    auto wire = other.receive(100);
    if (!wire) continue;
    Response r = decodeResponse(*wire);
    if (fullAnswer(r) && r.id >= 100) answered.insert(r.id);
  }
  EXPECT_EQ(answered.size(), std::size_t{kAsked})
      << "queries from " << other_address << " were lost to the flood from 127.0.0.1";
}

}  // namespace
}  // namespace nines::integration
