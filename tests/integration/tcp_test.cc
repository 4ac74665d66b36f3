// DNS over TCP as RFC 7766 asks: pipelined queries on one connection, messages split across
// writes, idle connections closed by the server, and a cap on simultaneous connections.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "integration_harness.h"

namespace nines::integration {
namespace {

using nines::testing::exchangeTcp;
using Clock = std::chrono::steady_clock;

class Tcp : public SharedServerTest<> {};

TEST_F(Tcp, PipelinedQueriesInOneWriteAreAllAnsweredInOrder) {
  struct Case {
    std::string name, type, rcode;
    std::size_t answers;
  };
  const Case cases[] = {
      {"www.example.test.", "A", "NOERROR", 2},    {"nope.example.test.", "A", "NXDOMAIN", 0},
      {"big.example.test.", "TXT", "NOERROR", 40}, {"alias.example.test.", "A", "NOERROR", 3},
      {"www.example.org.", "A", "REFUSED", 0},     {"x.wild.example.test.", "TXT", "NOERROR", 1},
      {"www.example.test.", "MX", "NOERROR", 0},   {"mid.example.test.", "TXT", "NOERROR", 12},
  };
  std::vector<Bytes> queries;
  for (std::size_t i = 0; i < std::size(cases); ++i) {
    queries.push_back(
        buildQuery(cases[i].name, cases[i].type, withId(static_cast<std::uint16_t>(0x1000 + i))));
  }
  // exchangeTcp sends all of them in a single write, then reads the responses in order.
  auto responses = exchangeTcp(queries, server_->port());
  ASSERT_EQ(responses.size(), std::size(cases));
  for (std::size_t i = 0; i < std::size(cases); ++i) {
    SCOPED_TRACE(cases[i].name + " " + cases[i].type);
    Response r = decodeResponse(responses[i]);
    ASSERT_TRUE(r.parsed);
    EXPECT_EQ(r.id, 0x1000 + i);
    EXPECT_EQ(r.rcode, cases[i].rcode);
    EXPECT_EQ(r.answer.size(), cases[i].answers);
    EXPECT_EQ(r.question, Strings{cases[i].name + " IN " + cases[i].type});
  }
}

TEST_F(Tcp, ManyPipelinedQueriesOnOneConnection) {
  std::vector<Bytes> queries;
  for (std::uint16_t id = 0; id < 200; ++id) {
    queries.push_back(buildQuery("big.example.test.", "TXT", withId(id)));  // ~2.9 kB each
  }
  auto responses = exchangeTcp(queries, server_->port(), 5000);
  ASSERT_EQ(responses.size(), queries.size());
  for (std::uint16_t id = 0; id < 200; ++id) {
    Response r = decodeResponse(responses[id]);
    ASSERT_TRUE(r.parsed);
    ASSERT_EQ(r.id, id);
    ASSERT_EQ(r.answer.size(), 40u);
  }
}

TEST_F(Tcp, QuerySplitAcrossWritesIsAnswered) {
  TcpConnection connection(server_->port());
  ASSERT_TRUE(connection.connected());
  Bytes query = buildQuery("www.example.test.", "A", withId(0x5151));
  Bytes framed = {0, static_cast<std::uint8_t>(query.size())};
  framed.insert(framed.end(), query.begin(), query.end());
  // One byte per write; until the last byte is in, there is nothing to answer.
  for (std::size_t i = 0; i < framed.size(); ++i) {
    ASSERT_TRUE(connection.sendRaw({framed[i]}));
    if (i + 1 < framed.size()) {
      ASSERT_TRUE(connection.silentFor(5)) << "answered at byte " << i;
    }
  }
  auto reply = connection.readMessage();
  ASSERT_TRUE(reply);
  Response r = decodeResponse(*reply);
  EXPECT_EQ(r.id, 0x5151);
  EXPECT_EQ(r.rcode, "NOERROR");
  EXPECT_EQ(r.answer.size(), 2u);

  // Two queries whose boundary falls inside a write: the first and half the second, then the
  // rest. The connection stays usable throughout.
  Bytes first = buildQuery("nope.example.test.", "A", withId(1));
  Bytes second = buildQuery("mail.example.test.", "A", withId(2));
  Bytes stream = {0, static_cast<std::uint8_t>(first.size())};
  stream.insert(stream.end(), first.begin(), first.end());
  stream.push_back(0);
  stream.push_back(static_cast<std::uint8_t>(second.size()));
  stream.insert(stream.end(), second.begin(), second.end());
  std::size_t cut = 2 + first.size() + 9;
  ASSERT_TRUE(connection.sendRaw(Bytes(stream.begin(), stream.begin() + cut)));
  auto one = connection.readMessage();
  ASSERT_TRUE(one);
  EXPECT_EQ(decodeResponse(*one).rcode, "NXDOMAIN");
  ASSERT_TRUE(connection.silentFor(20));
  ASSERT_TRUE(connection.sendRaw(Bytes(stream.begin() + cut, stream.end())));
  auto two = connection.readMessage();
  ASSERT_TRUE(two);
  Response r2 = decodeResponse(*two);
  EXPECT_EQ(r2.id, 2);
  EXPECT_EQ(r2.answer, Strings{"mail.example.test. 3600 IN A 192.0.2.25"});
}

TEST_F(Tcp, ConnectionServesQueriesOneAfterAnother) {
  TcpConnection connection(server_->port());
  ASSERT_TRUE(connection.connected());
  for (std::uint16_t id = 1; id <= 20; ++id) {
    ASSERT_TRUE(connection.sendMessage(buildQuery("www.example.test.", "AAAA", withId(id))));
    auto reply = connection.readMessage();
    ASSERT_TRUE(reply) << "query " << id;
    Response r = decodeResponse(*reply);
    EXPECT_EQ(r.id, id);
    EXPECT_EQ(r.answer, Strings{"www.example.test. 300 IN AAAA 2001:db8::10"});
  }
}

// A client may send its queries and then shut down its side of the connection (half-close, as
// `nc -N` and some health checkers do): queries that arrived whole are still answered before
// the server closes (RFC 7766 §6.2.3 wants every received query answered or the connection
// closed only when idle).
TEST_F(Tcp, QueriesBeforeAHalfCloseAreAnswered) {
  TcpConnection connection(server_->port());
  ASSERT_TRUE(connection.connected());
  Bytes stream;
  for (const Bytes& query : {buildQuery("www.example.test.", "A", withId(0x4848)),
                             buildQuery("mail.example.test.", "A", withId(0x4949))}) {
    stream.push_back(0);
    stream.push_back(static_cast<std::uint8_t>(query.size()));
    stream.insert(stream.end(), query.begin(), query.end());
  }
  // The queries and the FIN in one segment: dnsd reads both in one go.
  ASSERT_TRUE(connection.sendRawThenShutdownWrite(stream));
  auto first = connection.readMessage();
  ASSERT_TRUE(first) << "no answer to a query sent before the client's FIN";
  EXPECT_EQ(decodeResponse(*first).id, 0x4848);
  auto second = connection.readMessage();
  ASSERT_TRUE(second);
  EXPECT_EQ(decodeResponse(*second).id, 0x4949);
  EXPECT_TRUE(connection.waitClosedByPeer(10000));
}

// RFC 7766 §6.2.3: the server closes connections that stay idle past its timeout, and not before.
// Lower bounds are measured from before the client connects (or sends): dnsd's idle clock can only
// start after that, so delays on either side make the measured time longer, never shorter.
TEST(TcpIdle, IdleConnectionIsClosedByTheServer) {
  constexpr auto kIdleTimeout = std::chrono::milliseconds(500);
  DnsdServer server({{"example.test.toml", exampleZone()}},
                    DnsdServer::Options{{"127.0.0.1:0"}, "tcp_idle_timeout = 0.5\n"});
  ASSERT_TRUE(server.ready());

  // A connection that never sends anything.
  auto start = Clock::now();
  TcpConnection silent(server.port());
  ASSERT_TRUE(silent.connected());
  ASSERT_TRUE(silent.waitClosedByPeer(15000)) << "still open after 15 s";
  auto elapsed = Clock::now() - start;
  EXPECT_GE(elapsed, kIdleTimeout) << "closed before the idle timeout";
  // dnsd looks for idle connections every 250 ms; the rest is slack for a busy machine.
  EXPECT_LE(elapsed, std::chrono::seconds(5));

  // A connection that was answered once and then went quiet.
  start = Clock::now();
  TcpConnection quiet(server.port());
  ASSERT_TRUE(quiet.sendMessage(buildQuery("www.example.test.", "A")));
  ASSERT_TRUE(quiet.readMessage());
  ASSERT_TRUE(quiet.waitClosedByPeer(15000));
  EXPECT_GE(Clock::now() - start, kIdleTimeout);
}

TEST(TcpIdle, ActivityKeepsTheConnectionOpen) {
  // A query every ~200 ms for more than twice the idle timeout: never idle that long. The timeout
  // is 2 s so that the test's own thread may be kept waiting for over a second between two
  // queries on a busy machine without the connection being rightly closed.
  constexpr auto kIdleTimeout = std::chrono::seconds(2);
  DnsdServer server({{"example.test.toml", exampleZone()}},
                    DnsdServer::Options{{"127.0.0.1:0"}, "tcp_idle_timeout = 2\n"});
  ASSERT_TRUE(server.ready());
  TcpConnection connection(server.port());
  ASSERT_TRUE(connection.connected());
  const auto start = Clock::now();
  for (std::uint16_t id = 1;
       Clock::now() - start < 2 * kIdleTimeout + std::chrono::milliseconds(500); ++id) {
    ASSERT_TRUE(connection.sendMessage(buildQuery("www.example.test.", "A", withId(id))));
    auto reply = connection.readMessage();
    ASSERT_TRUE(reply) << "query " << id;
    EXPECT_EQ(decodeResponse(*reply).id, id);
    ASSERT_TRUE(connection.silentFor(200)) << "closed while active";
  }
}

// RFC 7766 §6.2.2: past the connection cap new connections are closed, the others keep working.
TEST(TcpCap, ConnectionsPastTheCapAreClosedWithoutAnswer) {
  DnsdServer server({{"example.test.toml", exampleZone()}},
                    DnsdServer::Options{{"127.0.0.1:0"}, "tcp_max_connections = 2\n"});
  ASSERT_TRUE(server.ready());
  auto works = [&](TcpConnection& connection, std::uint16_t id) {
    if (!connection.sendMessage(buildQuery("www.example.test.", "A", withId(id)))) return false;
    auto reply = connection.readMessage(5000);
    return reply && decodeResponse(*reply).id == id;
  };

  auto first = std::make_unique<TcpConnection>(server.port());
  TcpConnection second(server.port());
  // Answers on both prove the server has accepted them before the third arrives.
  ASSERT_TRUE(works(*first, 1));
  ASSERT_TRUE(works(second, 2));

  TcpConnection third(server.port());
  ASSERT_TRUE(third.connected());  // the kernel completes the handshake; dnsd then closes it
  third.sendMessage(buildQuery("www.example.test.", "A", withId(3)));
  std::size_t received = 0;
  EXPECT_TRUE(third.waitClosedByPeer(10000, &received)) << "third connection not closed";
  EXPECT_EQ(received, 0u) << "the third connection got an answer";

  EXPECT_TRUE(works(*first, 4));
  EXPECT_TRUE(works(second, 5));

  // Once one closes, a new connection is served again (as soon as dnsd has seen the close).
  first.reset();
  std::uint16_t id = 100;
  EXPECT_TRUE(waitUntil(
      [&] {
        TcpConnection again(server.port());
        return works(again, ++id);
      },
      std::chrono::seconds(15)));
}

}  // namespace
}  // namespace nines::integration
