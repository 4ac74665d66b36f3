#include "nines/probers/probe_engine.h"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "local_servers.h"
#include "loopback.h"
#include "process.h"

namespace nines::probers {
namespace {

using nines::testing::waitUntil;
using testing::DnsResponder;
using testing::HttpBackend;
using testing::SilentListener;
using namespace std::chrono_literals;

// Short intervals keep the tests quick; timeouts stay well above loopback round trips even on a
// loaded machine.
constexpr double kInterval = 0.05;

CheckTarget makeTarget(const std::string& type, std::uint16_t port,
                       const std::string& endpoint = "127.0.0.1") {
  CheckTarget target;
  target.zone = "t.test.";
  target.endpoint = *zones::IpAddress::parse(endpoint);
  target.address = target.endpoint;
  target.port = port;
  target.host = "www.t.test";
  target.check.name = "c";
  target.check.type = type;
  target.check.port = port;
  target.check.path = "/health";
  target.check.interval = kInterval;
  target.check.timeout = 0.5;
  target.check.rise = 2;
  target.check.fall = 2;
  std::string error;
  target.check.query = *zones::Name::fromText("t.test.", nullptr, &error);
  target.id = targetId(target.zone, type, target.endpoint);
  return target;
}

// An engine on its own thread; every state change is recorded with the status at that moment.
class EngineRunner {
 public:
  explicit EngineRunner(std::vector<CheckTarget> targets, EngineOptions options = {}) {
    engine_ = std::make_unique<ProbeEngine>(std::move(options));
    engine_->setTargets(std::move(targets));
    engine_->onChange([this] {
      std::lock_guard lock(mutex_);
      for (const auto& status : engine_->snapshot()) {
        auto& last = last_[status.id];
        if (last != status.state) changes_.push_back(status);
        last = status.state;
      }
    });
    thread_ = std::thread([this] { engine_->run(stop_); });
  }
  ~EngineRunner() { stop(); }
  void stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  ProbeEngine& engine() { return *engine_; }
  TargetStatus status(const std::string& id) const {
    for (const auto& status : engine_->snapshot()) {
      if (status.id == id) return status;
    }
    return {};
  }
  bool waitState(const std::string& id, TargetState state,
                 std::chrono::milliseconds timeout = 10s) const {
    return waitUntil([&] { return status(id).state == state; }, timeout);
  }
  // The status of `id` at each of its state changes, in order.
  std::vector<TargetStatus> changes(const std::string& id) const {
    std::lock_guard lock(mutex_);
    std::vector<TargetStatus> out;
    for (const auto& change : changes_) {
      if (change.id == id) out.push_back(change);
    }
    return out;
  }

 private:
  std::unique_ptr<ProbeEngine> engine_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  mutable std::mutex mutex_;
  std::map<std::string, TargetState> last_;
  std::vector<TargetStatus> changes_;
};

// DNS target `i` of a table of cases: endpoint 127.0.0.(i+1), all probed at 127.0.0.1:`port`. The
// timeout leaves a loaded machine time to run the responder's thread (0.2 s could flap).
CheckTarget dnsTarget(std::uint16_t port, std::size_t i) {
  CheckTarget target = makeTarget("dns", port, "127.0.0." + std::to_string(i + 1));
  target.address = *zones::IpAddress::parse("127.0.0.1");
  target.check.timeout = 0.5;
  target.check.interval = 0.6;
  return target;
}

// Waits for each of `targets` to reach the state of its case, then checks its reason.
template <typename Case, std::size_t N>
void expectStates(const EngineRunner& runner, const std::vector<CheckTarget>& targets,
                  const Case (&cases)[N]) {
  ASSERT_EQ(targets.size(), N);
  for (std::size_t i = 0; i < N; ++i) {
    SCOPED_TRACE(targets[i].id);
    ASSERT_TRUE(runner.waitState(targets[i].id, cases[i].state));
    EXPECT_EQ(runner.status(targets[i].id).reason, cases[i].reason);
  }
}

TEST(ProbeEngineTest, HttpUpAndTheFirstResultDecides) {
  HttpBackend backend;
  ASSERT_TRUE(backend.start());
  CheckTarget target = makeTarget("http", backend.port());
  target.check.rise = 5;  // the first result must not wait for five
  target.check.interval = 0.2;
  EngineRunner runner({target});
  EXPECT_EQ(runner.status(target.id).state, TargetState::Unknown);
  ASSERT_TRUE(waitUntil([&] { return runner.status(target.id).checks >= 1; }, 10s));
  TargetStatus status = runner.status(target.id);
  EXPECT_EQ(status.state, TargetState::Up);
  EXPECT_EQ(status.reason, "HTTP 200");
  EXPECT_TRUE(status.last_ok);
  EXPECT_GE(status.rtt_ms, 0);
  EXPECT_LT(status.rtt_ms, 500);
  EXPECT_GT(status.last_change, 0);
  auto changes = runner.changes(target.id);
  ASSERT_FALSE(changes.empty());
  EXPECT_EQ(changes[0].checks, 1u);  // Up on the very first result
  EXPECT_EQ(changes[0].state, TargetState::Up);
  // The request: Host is the service name, the User-Agent names Nines.
  EXPECT_EQ(backend.lastHeader("Host"), "www.t.test:" + std::to_string(backend.port()));
  EXPECT_NE(backend.lastHeader("User-Agent").find("Nines"), std::string::npos);
}

TEST(ProbeEngineTest, WrongStatusTakesItDownAfterFall) {
  HttpBackend backend;
  ASSERT_TRUE(backend.start());
  CheckTarget target = makeTarget("http", backend.port());
  target.check.fall = 3;
  target.check.expect_status = {200, 204};
  EngineRunner runner({target});
  ASSERT_TRUE(runner.waitState(target.id, TargetState::Up));
  backend.respond(204, "");
  ASSERT_TRUE(waitUntil([&] { return runner.status(target.id).reason == "HTTP 204"; }, 10s));
  EXPECT_EQ(runner.status(target.id).state, TargetState::Up);
  backend.respond(503, "busy");
  ASSERT_TRUE(runner.waitState(target.id, TargetState::Down));
  EXPECT_EQ(runner.status(target.id).reason, "HTTP 503, expected 200,204");
  EXPECT_FALSE(runner.status(target.id).last_ok);
  auto changes = runner.changes(target.id);
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_EQ(changes[1].state, TargetState::Down);
  EXPECT_EQ(changes[1].failures, 3u);  // exactly `fall` failures, not one fewer
}

TEST(ProbeEngineTest, ExpectBodyMismatchIsDown) {
  HttpBackend backend;
  ASSERT_TRUE(backend.start());
  backend.respond(200, "starting up");
  CheckTarget target = makeTarget("http", backend.port());
  target.check.expect_body = "ready";
  EngineRunner runner({target});
  ASSERT_TRUE(runner.waitState(target.id, TargetState::Down));
  EXPECT_EQ(runner.status(target.id).reason, "HTTP 200, body lacks \"ready\"");
  backend.respond(200, std::string(1000, ' ') + "all ready");
  ASSERT_TRUE(runner.waitState(target.id, TargetState::Up));
}

TEST(ProbeEngineTest, ExpectBodyLooksAtTheFirst64KiBOnly) {
  HttpBackend backend;
  ASSERT_TRUE(backend.start());
  backend.respond(200, std::string(70 * 1024, 'x') + "ready");
  CheckTarget target = makeTarget("http", backend.port());
  target.check.expect_body = "ready";
  EngineRunner runner({target});
  ASSERT_TRUE(runner.waitState(target.id, TargetState::Down));
  EXPECT_EQ(runner.status(target.id).reason, "HTTP 200, body lacks \"ready\"");
  backend.respond(200, std::string(60 * 1024, 'x') + "ready" + std::string(100 * 1024, 'y'));
  ASSERT_TRUE(runner.waitState(target.id, TargetState::Up));
  EXPECT_EQ(runner.status(target.id).reason, "HTTP 200");
}

TEST(ProbeEngineTest, BackendStoppedThenRestarted) {
  HttpBackend backend;
  ASSERT_TRUE(backend.start());
  std::uint16_t port = backend.port();
  CheckTarget target = makeTarget("http", port);
  target.check.rise = 3;
  EngineRunner runner({target});
  ASSERT_TRUE(runner.waitState(target.id, TargetState::Up));
  backend.stop();
  ASSERT_TRUE(runner.waitState(target.id, TargetState::Down));
  EXPECT_EQ(runner.status(target.id).reason.rfind("connect: ", 0), 0u)
      << runner.status(target.id).reason;
  ASSERT_TRUE(backend.start(port));
  ASSERT_TRUE(runner.waitState(target.id, TargetState::Up));
  auto changes = runner.changes(target.id);
  ASSERT_EQ(changes.size(), 3u);
  // Successes between going down and coming back: exactly `rise`.
  std::uint64_t passes_down = changes[1].checks - changes[1].failures;
  std::uint64_t passes_up = changes[2].checks - changes[2].failures;
  EXPECT_EQ(passes_up - passes_down, 3u);
}

TEST(ProbeEngineTest, TargetAddressDiffersFromTheEndpoint) {
  HttpBackend backend;
  ASSERT_TRUE(backend.start());
  // The endpoint 127.0.0.9 has nothing on that port; the check's own target has the backend.
  CheckTarget target = makeTarget("http", backend.port(), "127.0.0.9");
  target.address = *zones::IpAddress::parse("127.0.0.1");
  EngineRunner runner({target});
  ASSERT_TRUE(runner.waitState(target.id, TargetState::Up));
  EXPECT_GT(backend.hits(), 0);
}

TEST(ProbeEngineTest, HttpsWithAndWithoutVerification) {
  nines::testing::TempDir dir;
  std::string cert, key;
  ASSERT_TRUE(testing::makeCertificate(dir.path(), "www.t.test", cert, key));
  HttpBackend backend;
  backend.useTls(cert, key);
  ASSERT_TRUE(backend.start());
  CheckTarget unverified = makeTarget("https", backend.port(), "127.0.0.1");
  unverified.check.tls_verify = false;
  // Verified against the system's CAs, which never signed this certificate.
  CheckTarget verified = makeTarget("https", backend.port(), "127.0.0.2");
  verified.address = unverified.address;
  EngineRunner runner({unverified, verified});
  ASSERT_TRUE(runner.waitState(unverified.id, TargetState::Up));
  EXPECT_EQ(runner.status(unverified.id).reason, "HTTP 200");
  EXPECT_EQ(backend.lastHeader("Host"), "www.t.test:" + std::to_string(backend.port()));
  ASSERT_TRUE(runner.waitState(verified.id, TargetState::Down));
  EXPECT_NE(runner.status(verified.id).reason.find("certificate"), std::string::npos)
      << runner.status(verified.id).reason;
}

TEST(ProbeEngineTest, Ipv6Loopback) {
  HttpBackend backend;
  if (!backend.start(0, "::1")) GTEST_SKIP() << "no IPv6 loopback here";
  CheckTarget http = makeTarget("http", backend.port(), "::1");
  CheckTarget tcp = makeTarget("tcp", backend.port(), "::1");
  CheckTarget refused = makeTarget("dns", nines::testing::closedPort(), "::1");
  http.host.clear();  // no name: the URL and Host header carry the address
  EngineRunner runner({http, tcp, refused});
  ASSERT_TRUE(runner.waitState(http.id, TargetState::Up)) << runner.status(http.id).reason;
  EXPECT_EQ(backend.lastHeader("Host"), "[::1]:" + std::to_string(backend.port()));
  ASSERT_TRUE(runner.waitState(tcp.id, TargetState::Up)) << runner.status(tcp.id).reason;
  ASSERT_TRUE(runner.waitState(refused.id, TargetState::Down));
  EXPECT_EQ(runner.status(refused.id).reason, "dns: Connection refused");
}

// An HTTP check of `silent`, which accepts connections and never answers.
CheckTarget unansweredCheck(const SilentListener& silent, double interval, double timeout) {
  CheckTarget target = makeTarget("http", silent.port());
  target.check.interval = interval;
  target.check.timeout = timeout;
  return target;
}

TEST(ProbeEngineTest, ServerThatNeverAnswersTimesOut) {
  SilentListener silent;
  CheckTarget http = unansweredCheck(silent, 0.3, 0.2);
  EngineRunner runner({http});
  ASSERT_TRUE(runner.waitState(http.id, TargetState::Down));
  EXPECT_EQ(runner.status(http.id).reason, "timeout after 0.2 s");
}

TEST(ProbeEngineTest, TcpConnect) {
  SilentListener listener;  // accepting is the kernel's business: the handshake completes
  // The endpoint 127.0.0.3 has no listener; the check connects to its target 127.0.0.1.
  CheckTarget up = makeTarget("tcp", listener.port(), "127.0.0.3");
  up.address = *zones::IpAddress::parse("127.0.0.1");
  CheckTarget down = makeTarget("tcp", nines::testing::closedPort(), "127.0.0.2");
  down.address = *zones::IpAddress::parse("127.0.0.1");
  EngineRunner runner({up, down});
  ASSERT_TRUE(runner.waitState(up.id, TargetState::Up));
  EXPECT_EQ(runner.status(up.id).reason, "connected");
  EXPECT_GE(runner.status(up.id).rtt_ms, 0);
  ASSERT_TRUE(runner.waitState(down.id, TargetState::Down));
  EXPECT_EQ(runner.status(down.id).reason, "connect: Connection refused");
}

TEST(ProbeEngineTest, DnsRcode) {
  DnsResponder noerror, refused, nxdomain, silent;
  refused.setRcode(5);
  nxdomain.setRcode(3);
  silent.setRcode(-1);
  struct Case {
    std::uint16_t port;
    std::string expect_rcode;
    TargetState state;
    std::string reason;
  };
  const Case cases[] = {
      {noerror.port(), "NOERROR", TargetState::Up, "DNS NOERROR"},
      {refused.port(), "NOERROR", TargetState::Down, "DNS REFUSED, expected NOERROR"},
      {nxdomain.port(), "NXDOMAIN", TargetState::Up, "DNS NXDOMAIN"},
      {nines::testing::closedPort(), "NOERROR", TargetState::Down, "dns: Connection refused"},
      {silent.port(), "NOERROR", TargetState::Down, "timeout after 0.5 s"},
  };
  std::vector<CheckTarget> targets;
  for (std::size_t i = 0; i < std::size(cases); ++i) {
    CheckTarget target = dnsTarget(cases[i].port, i);
    target.check.expect_rcode = cases[i].expect_rcode;
    targets.push_back(target);
  }
  EngineRunner runner(targets);
  expectStates(runner, targets, cases);
  EXPECT_GT(silent.queries(), 0);
}

TEST(ProbeEngineTest, SetTargetsKeepsKnownStatesAndDropsTheRest) {
  HttpBackend backend;
  ASSERT_TRUE(backend.start());
  CheckTarget a = makeTarget("http", backend.port(), "127.0.0.1");
  CheckTarget b = makeTarget("tcp", nines::testing::closedPort(), "127.0.0.1");
  EngineRunner runner({a, b});
  ASSERT_TRUE(runner.waitState(a.id, TargetState::Up));
  ASSERT_TRUE(runner.waitState(b.id, TargetState::Down));
  std::uint64_t checks_before = runner.status(a.id).checks;

  CheckTarget c = makeTarget("tcp", nines::testing::closedPort(), "127.0.0.3");
  c.address = *zones::IpAddress::parse("127.0.0.1");
  runner.engine().setTargets({c, a});
  auto snapshot = runner.engine().snapshot();  // the new list at once, known states kept
  ASSERT_EQ(snapshot.size(), 2u);
  EXPECT_EQ(snapshot[0].id, c.id);
  EXPECT_EQ(snapshot[0].state, TargetState::Unknown);
  EXPECT_EQ(snapshot[1].id, a.id);
  EXPECT_EQ(snapshot[1].state, TargetState::Up);
  EXPECT_GE(snapshot[1].checks, checks_before);
  ASSERT_TRUE(runner.waitState(c.id, TargetState::Down));
  EXPECT_TRUE(waitUntil([&] { return runner.status(a.id).checks > checks_before + 2; }, 10s));
  EXPECT_EQ(runner.status(a.id).state, TargetState::Up);

  runner.engine().setTargets({});
  EXPECT_TRUE(runner.engine().snapshot().empty());
}

TEST(ProbeEngineTest, IntervalIsKeptWithJitter) {
  HttpBackend backend;
  ASSERT_TRUE(backend.start());
  CheckTarget target = makeTarget("http", backend.port());
  target.check.interval = 0.1;
  EngineOptions options;
  options.seed = 42;
  EngineRunner runner({target}, options);
  ASSERT_TRUE(waitUntil([&] { return runner.status(target.id).checks >= 1; }, 10s));
  auto start = std::chrono::steady_clock::now();
  std::uint64_t first = runner.status(target.id).checks;
  ASSERT_TRUE(waitUntil([&] { return runner.status(target.id).checks >= first + 20; }, 20s));
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  // Twenty intervals of 0.1 s +/- 10 %, 1.8 to 2.2 s: not a burst, not far slower. The bounds
  // leave about a second under and two over for a busy machine (a stalled engine makes up for
  // lost checks with checks back to back, so a stall can shorten the time as well as lengthen it).
  EXPECT_GT(seconds, 1.0);
  EXPECT_LT(seconds, 4.0);
}

TEST(ProbeEngineTest, RunReturnsPromptlyWhenStopped) {
  SilentListener silent;
  // The first check starts within the first interval (0.2 s) and is then in flight for the rest
  // of the test (a target's next turn is skipped while its check runs).
  EngineRunner runner({unansweredCheck(silent, 0.2, 5)});
  ASSERT_TRUE(silent.connectionPending(10000)) << "the check never connected";
  auto start = std::chrono::steady_clock::now();
  runner.stop();
  // run() looks at `stop` every 100 ms at the most and abandons the check in flight; waiting for
  // the check would take its 5 s timeout. The rest is slack for a busy machine.
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1500ms);
}

TEST(ProbeEngineTest, DnsExpectedAnswer) {
  DnsResponder answering;
  answering.setAnswerA({192, 0, 2, 1});
  struct Case {
    std::string expect_answer;
    TargetState state;
    std::string reason;
  };
  const Case cases[] = {
      {"192.0.2.1", TargetState::Up, "DNS NOERROR"},
      {"192.0.2.2", TargetState::Down, "DNS NOERROR, no 192.0.2.2 in the answer"},
  };
  std::vector<CheckTarget> targets;
  for (std::size_t i = 0; i < std::size(cases); ++i) {
    CheckTarget target = dnsTarget(answering.port(), i);
    target.check.query_type = zones::rrtype::A;
    target.check.expect_answer = cases[i].expect_answer;
    targets.push_back(target);
  }
  EngineRunner runner(targets);
  expectStates(runner, targets, cases);
}

}  // namespace
}  // namespace nines::probers
