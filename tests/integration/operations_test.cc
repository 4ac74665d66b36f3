// Running dnsd as an operator does: SIGHUP reloads (good and broken zone files), zones with errors
// at start, SIGTERM, configuration errors and a listen address already taken. Every failure must
// be a clear `file:line:col: message` in the log and the right exit status.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <regex>
#include <string>
#include <thread>

#include "integration_harness.h"

namespace nines::integration {
namespace {

using nines::testing::DnsdProcess;
using nines::testing::TempDir;

// The first address of www.example.test as served now ("" when there is none).
std::string wwwAddress(const DnsdServer& server, Transport transport = Transport::Udp) {
  Response r = server.ask("www.example.test.", "A", transport);
  if (!r.parsed || r.answer.empty()) return "";
  const std::string& record = r.answer.front();
  return record.substr(record.rfind(' ') + 1);
}

std::size_t occurrences(const std::string& text, const std::string& what) {
  std::size_t count = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++count;
  return count;
}

// Whether the log has "`file`:`line`:COL: ...`message`..." with a column above 0.
bool logHasLocatedError(const std::string& log, const std::string& file, int line,
                        const std::string& message) {
  std::regex pattern(std::regex_replace(file, std::regex(R"([.^$|()\[\]{}*+?\\])"), R"(\$&)") +
                     ":" + std::to_string(line) + R"(:[1-9]\d*: .*)" +
                     std::regex_replace(message, std::regex(R"([.^$|()\[\]{}*+?\\])"), R"(\$&)"));
  return std::regex_search(log, pattern);
}

TEST(Reload, SighupPicksUpAChangedZone) {
  DnsdServer server({{"example.test.toml", exampleZone("192.0.2.10")}});
  ASSERT_TRUE(server.ready());
  ASSERT_EQ(wwwAddress(server), "192.0.2.10");

  server.writeZone("example.test.toml", exampleZone("192.0.2.20"));
  server.process().signal(SIGHUP);
  EXPECT_TRUE(waitUntil([&] { return wwwAddress(server) == "192.0.2.20"; }))
      << server.process().log();
  EXPECT_EQ(wwwAddress(server, Transport::Tcp), "192.0.2.20");
  EXPECT_TRUE(server.process().running());
}

TEST(Reload, QueriesDuringReloadsSeeOldOrNewDataNeverAGap) {
  DnsdServer server({{"example.test.toml", exampleZone("192.0.2.10")}});
  ASSERT_TRUE(server.ready());
  std::atomic<bool> done{false};
  std::atomic<int> queries{0};
  std::atomic<int> bad{0};
  std::thread client([&] {
    while (!done.load()) {
      std::string address = wwwAddress(server);
      if (address != "192.0.2.10" && address != "192.0.2.20") bad++;
      queries++;
    }
  });
  // Five reloads, alternating the address; each waits until the change is visible.
  for (int i = 1; i <= 5; ++i) {
    std::string next = i % 2 ? "192.0.2.20" : "192.0.2.10";
    server.writeZone("example.test.toml", exampleZone(next));
    server.process().signal(SIGHUP);
    EXPECT_TRUE(waitUntil([&] { return wwwAddress(server) == next; })) << "reload " << i;
  }
  done = true;
  client.join();
  EXPECT_EQ(bad.load(), 0) << "answers without one of the two versions of www";
  EXPECT_GT(queries.load(), 0);
}

TEST(Reload, SighupAddsANewZoneFile) {
  DnsdServer server({{"example.test.toml", exampleZone()}});
  ASSERT_TRUE(server.ready());
  ASSERT_EQ(server.ask("host.short.test.", "A").rcode, "REFUSED");
  server.writeZone("short.test.toml", shortTtlZone());
  server.process().signal(SIGHUP);
  EXPECT_TRUE(waitUntil([&] { return server.ask("host.short.test.", "A").rcode == "NOERROR"; }))
      << server.process().log();
  EXPECT_EQ(wwwAddress(server), "192.0.2.10");  // the other zone is untouched
}

TEST(Reload, BrokenZoneKeepsServingTheOldDataAndSaysWhere) {
  DnsdServer server({{"example.test.toml", exampleZone("192.0.2.10")}});
  ASSERT_TRUE(server.ready());
  ASSERT_EQ(wwwAddress(server), "192.0.2.10");

  // A new address for www and a broken one for mail: nothing of it may show.
  std::string broken = exampleZone("192.0.2.20");
  auto mail = broken.find("mail = [\"A 192.0.2.25\"]");
  ASSERT_NE(mail, std::string::npos);
  broken.replace(mail, 23, "mail = [\"A 192.0.2.300\"]");
  server.writeZone("example.test.toml", broken);
  std::size_t reloads = occurrences(server.process().log(), "reloaded");
  server.process().signal(SIGHUP);
  ASSERT_TRUE(waitUntil([&] { return occurrences(server.process().log(), "reloaded") > reloads; }))
      << server.process().log();

  std::string log = server.process().log();
  EXPECT_TRUE(logHasLocatedError(log, server.zonePath("example.test.toml"),
                                 nines::testing::lineOf(broken, "192.0.2.300"), "192.0.2.300"))
      << log;
  for (Transport transport : {Transport::Udp, Transport::Tcp}) {
    EXPECT_EQ(wwwAddress(server, transport), "192.0.2.10");
    Response r = server.ask("mail.example.test.", "A", transport);
    EXPECT_EQ(r.answer, Strings{"mail.example.test. 3600 IN A 192.0.2.25"});
  }

  // Fixed and reloaded again: the new data is served.
  server.writeZone("example.test.toml", exampleZone("192.0.2.30"));
  server.process().signal(SIGHUP);
  EXPECT_TRUE(waitUntil([&] { return wwwAddress(server) == "192.0.2.30"; }))
      << server.process().log();
}

TEST(Startup, ZoneWithErrorsIsSkippedAndTheOthersServed) {
  std::string bad = shortTtlZone();
  auto host = bad.find("host = [\"A 192.0.2.2\"]");
  ASSERT_NE(host, std::string::npos);
  bad.replace(host, 22, "host = [\"BOGUSTYPE 1\"]");
  DnsdServer server({{"example.test.toml", exampleZone()}, {"short.test.toml", bad}});
  ASSERT_TRUE(server.ready());

  std::string log = server.process().log();
  EXPECT_TRUE(logHasLocatedError(log, server.zonePath("short.test.toml"),
                                 nines::testing::lineOf(bad, "BOGUSTYPE"), "BOGUSTYPE"))
      << log;
  for (Transport transport : {Transport::Udp, Transport::Tcp}) {
    EXPECT_EQ(wwwAddress(server, transport), "192.0.2.10");
    for (const char* name : {"host.short.test.", "ns1.short.test.", "short.test."}) {
      Response r = server.ask(name, "A", transport);
      ASSERT_TRUE(r.parsed) << name;
      EXPECT_EQ(r.rcode, "REFUSED") << name;
    }
  }
}

TEST(Shutdown, SigtermExitsZeroPromptly) {
  DnsdServer server({{"example.test.toml", exampleZone()}});
  ASSERT_TRUE(server.ready());
  // An open, idle TCP connection and a UDP exchange just before must not hold the exit up.
  nines::testing::TcpConnection idle(server.port());
  ASSERT_TRUE(idle.connected());
  ASSERT_EQ(wwwAddress(server), "192.0.2.10");
  EXPECT_EQ(server.process().stop(), 0) << server.process().log();
  EXPECT_FALSE(server.process().running());
  // Promptly by dnsd's own clock, from taking the signal to the end of its shutdown: not the 10 s
  // an idle connection may stay open. (Timed on the test's side, the test's and the kernel's
  // delays in delivering the signal and reaping the process would count too.)
  const std::string log = server.process().log();
  const auto stopping = nines::testing::logTime(log, "dnsd info: stopping");
  const auto stopped = nines::testing::logTime(log, "dnsd info: stopped");
  ASSERT_TRUE(stopping && stopped) << log;
  std::printf("[ measured ] dnsd shutdown %.3f s by its log\n", *stopped - *stopping);
  EXPECT_LT(*stopped - *stopping, 3.0) << log;
  // The listening sockets are gone with it.
  EXPECT_FALSE(
      server.exchange(nines::testing::buildQuery("www.example.test.", "A"), Transport::Udp, 200));
}

// A dnsd started on `config` (written to dnsd.toml in `dir`) that must exit with status 1.
std::string expectExitOne(const TempDir& dir, const std::string& config) {
  DnsdProcess process(dir.write("dnsd.toml", config));
  EXPECT_EQ(process.waitExit(std::chrono::seconds(10)), 1) << process.log();
  return process.log();
}

TEST(Startup, ConfigErrorsExitOneWithFileLineColumn) {
  struct Case {
    std::string what, config;
    int line;
    std::string message;
  };
  const std::string head = "[server]\nlisten = [\"127.0.0.1:0\"]\nzones = \"zones\"\n";
  const Case cases[] = {
      {"unknown key in [server]", head + "threads = 1\nbogus = 1\n", 5, "unknown key \"bogus\""},
      {"listen without a port", "[server]\nlisten = [\"127.0.0.1\"]\nzones = \"zones\"\n", 2,
       "127.0.0.1"},
      {"listen not an address", "[server]\nzones = \"zones\"\nlisten = [\"300.1.2.3:53\"]\n", 3,
       "300.1.2.3:53"},
      {"IPv6 without brackets", "[server]\nzones = \"zones\"\nlisten = [\"::1:53\"]\n", 3,
       "::1:53"},
      {"threads of the wrong type", head + "threads = \"two\"\n", 4, "threads"},
      {"tcp_idle_timeout out of range", head + "tcp_idle_timeout = -1\n", 4, "tcp_idle_timeout"},
      {"unknown top-level table", head + "[bogus]\nkey = 1\n", 4, "bogus"},
      {"TOML syntax error", "[server]\nlisten = [\"127.0.0.1:0\"\nzones = \"zones\"\n", 3, ""},
  };
  TempDir dir;
  dir.write("zones/example.test.toml", exampleZone());
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    std::string log = expectExitOne(dir, c.config);
    EXPECT_TRUE(logHasLocatedError(log, dir.path() + "/dnsd.toml", c.line, c.message)) << log;
    EXPECT_EQ(log.find("info: ready"), std::string::npos) << log;
  }
  // A config file that does not exist: exit 1, and the log names it.
  DnsdProcess missing(dir.path() + "/missing.toml");
  EXPECT_EQ(missing.waitExit(std::chrono::seconds(10)), 1);
  EXPECT_NE(missing.log().find("missing.toml"), std::string::npos) << missing.log();
}

TEST(Startup, ListenAddressInUseExitsOneWithAClearMessage) {
  TempDir dir;
  dir.write("zones/example.test.toml", exampleZone());
  for (int type : {SOCK_STREAM, SOCK_DGRAM}) {
    SCOPED_TRACE(type == SOCK_STREAM ? "TCP port taken" : "UDP port taken");
    nines::testing::BoundSocket taken(type);
    ASSERT_TRUE(taken.bound());
    if (type == SOCK_STREAM) {
      ASSERT_TRUE(taken.listen(4));
    }
    std::string address = "127.0.0.1:" + std::to_string(taken.port());
    std::string log =
        expectExitOne(dir, "[server]\nlisten = [\"" + address + "\"]\nzones = \"zones\"\n");
    EXPECT_NE(log.find(address), std::string::npos) << log;
    EXPECT_NE(log.find("Address already in use"), std::string::npos) << log;
    EXPECT_EQ(log.find("info: ready"), std::string::npos) << log;
  }
}

}  // namespace
}  // namespace nines::integration
