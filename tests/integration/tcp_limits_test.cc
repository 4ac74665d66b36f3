// The TCP server's resource limits (issue 10): slow clients that hold every slot cannot keep a new
// client from being answered over UDP, nor over TCP once a slot frees; half a length prefix, or a
// prefix and nothing after it, loses its slot within the idle timeout; one address may hold only
// so many connections; a connection answers only so many queries, and lives only so long.
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <vector>

#include "integration_harness.h"

namespace nines::integration {
namespace {

using Clock = std::chrono::steady_clock;

Bytes framed(const Bytes& message) {
  Bytes out = {static_cast<std::uint8_t>(message.size() >> 8),
               static_cast<std::uint8_t>(message.size())};
  out.insert(out.end(), message.begin(), message.end());
  return out;
}

bool answered(TcpConnection& connection, std::uint16_t id) {
  if (!connection.sendMessage(buildQuery("www.example.test.", "A", withId(id)))) return false;
  auto reply = connection.readMessage(5000);
  return reply && decodeResponse(*reply).id == id;
}

// A TCP connection from a chosen loopback source address (TcpConnection always uses 127.0.0.1),
// for telling clients apart by address.
class TcpFrom {
 public:
  TcpFrom(const char* source, std::uint16_t port)
      : fd_(nines::testing::connectTcpFrom(source, port)) {}
  ~TcpFrom() {
    if (fd_ >= 0) ::close(fd_);
  }
  TcpFrom(const TcpFrom&) = delete;
  TcpFrom& operator=(const TcpFrom&) = delete;

  // Sends a query and reads its answer's ID; false when no answer came within 5 s.
  bool answered(std::uint16_t id) {
    if (fd_ < 0) return false;
    Bytes wire = framed(buildQuery("www.example.test.", "A", withId(id)));
    if (::send(fd_, wire.data(), wire.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(wire.size())) {
      return false;
    }
    Bytes in;
    const auto deadline = Clock::now() + std::chrono::seconds(5);
    while (Clock::now() < deadline) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      std::uint8_t buffer[4096];
      ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
      if (n <= 0) return false;
      in.insert(in.end(), buffer, buffer + n);
      if (in.size() >= 2 && in.size() >= 2u + ((in[0] << 8) | in[1])) {
        return decodeResponse(Bytes(in.begin() + 2, in.end())).id == id;
      }
    }
    return false;
  }

 private:
  int fd_ = -1;
};

// Connections that send half a length prefix (one octet), a whole prefix and nothing more, or a
// prefix and part of the message, fill every slot. A client is still answered over UDP at once,
// refused over TCP while the slots are held, and answered over TCP once the idle timeout has
// taken them back.
TEST(TcpLimits, SlowClientsUpToTheCapStopNobodyForLong) {
  DnsdServer server({{"example.test.toml", exampleZone()}},
                    DnsdServer::Options{{"127.0.0.1:0"},
                                        "tcp_max_connections = 3\n"
                                        "tcp_max_connections_per_client = 3\n"
                                        "tcp_idle_timeout = 1\n"});
  ASSERT_TRUE(server.ready());
  const Bytes query = framed(buildQuery("www.example.test.", "A"));
  const auto start = Clock::now();
  TcpConnection half_prefix(server.port());
  TcpConnection prefix_only(server.port());
  TcpConnection part_message(server.port());
  ASSERT_TRUE(half_prefix.sendRaw({query[0]}));
  ASSERT_TRUE(prefix_only.sendRaw({query[0], query[1]}));
  ASSERT_TRUE(part_message.sendRaw(Bytes(query.begin(), query.begin() + 10)));

  // UDP does not wait for TCP.
  Response udp = server.ask("www.example.test.", "A", Transport::Udp);
  ASSERT_TRUE(udp.parsed);
  EXPECT_EQ(udp.rcode, "NOERROR");

  // Every slow connection loses its slot within the timeout (checks every 250 ms; the rest is
  // slack for a busy machine).
  for (TcpConnection* slow : {&half_prefix, &prefix_only, &part_message}) {
    std::size_t received = 0;
    EXPECT_TRUE(slow->waitClosedByPeer(15000, &received)) << "a slow client kept its slot";
    EXPECT_EQ(received, 0u);
  }
  const auto elapsed = Clock::now() - start;
  EXPECT_GE(elapsed, std::chrono::seconds(1)) << "closed before the idle timeout";
  EXPECT_LE(elapsed, std::chrono::seconds(8));

  // A slot is free again: a new TCP client is answered.
  std::uint16_t id = 0;
  EXPECT_TRUE(waitUntil(
      [&] {
        TcpConnection again(server.port());
        return answered(again, ++id);
      },
      std::chrono::seconds(10)));
}

// While the slots are held, a new TCP connection is closed unanswered, and it is the idle timeout
// that gives the slot back: without it the new client would wait forever.
TEST(TcpLimits, HeldSlotsRefuseThenFree) {
  DnsdServer server({{"example.test.toml", exampleZone()}},
                    DnsdServer::Options{{"127.0.0.1:0"},
                                        "tcp_max_connections = 2\n"
                                        "tcp_max_connections_per_client = 2\n"
                                        "tcp_idle_timeout = 2\n"});
  ASSERT_TRUE(server.ready());
  const auto start = Clock::now();
  auto slow1 = std::make_unique<TcpConnection>(server.port());
  auto slow2 = std::make_unique<TcpConnection>(server.port());
  ASSERT_TRUE(slow1->sendRaw({0}));
  ASSERT_TRUE(slow2->sendRaw({0}));
  // Both are accepted once a third is refused; the answer proves dnsd has seen them.
  ASSERT_TRUE(waitUntil(
      [&] {
        TcpConnection probe(server.port());
        probe.sendMessage(buildQuery("www.example.test.", "A"));
        std::size_t received = 0;
        return probe.waitClosedByPeer(5000, &received) && received == 0;
      },
      std::chrono::seconds(10)));
  if (Clock::now() - start < std::chrono::milliseconds(1500)) {
    EXPECT_TRUE(server.ask("www.example.test.", "A", Transport::Udp).parsed);
  }
  std::uint16_t id = 0;
  EXPECT_TRUE(waitUntil(
      [&] {
        TcpConnection again(server.port());
        return answered(again, ++id);
      },
      std::chrono::seconds(15)));
  EXPECT_TRUE(slow1->waitClosedByPeer(1000));
  EXPECT_TRUE(slow2->waitClosedByPeer(1000));
}

TEST(TcpLimits, OneAddressHoldsOnlyItsShareOfConnections) {
  DnsdServer server({{"example.test.toml", exampleZone()}},
                    DnsdServer::Options{{"127.0.0.1:0"},
                                        "tcp_max_connections = 100\n"
                                        "tcp_max_connections_per_client = 2\n"},
                    "[http]\nlisten = \"127.0.0.1:0\"\n");
  ASSERT_TRUE(server.ready());
  TcpConnection first(server.port());
  TcpConnection second(server.port());
  ASSERT_TRUE(answered(first, 1));
  ASSERT_TRUE(answered(second, 2));

  TcpConnection third(server.port());
  third.sendMessage(buildQuery("www.example.test.", "A", withId(3)));
  std::size_t received = 0;
  EXPECT_TRUE(third.waitClosedByPeer(10000, &received)) << "a third connection from one address";
  EXPECT_EQ(received, 0u);

  // Another address is served, and the first two keep working.
  TcpFrom other("127.0.0.2", server.port());
  EXPECT_TRUE(other.answered(4));
  EXPECT_TRUE(answered(first, 5));
  EXPECT_TRUE(answered(second, 6));
  EXPECT_NE(httpGet(server.httpPort(), "/metrics")
                .body.find("nines_dns_tcp_connections_refused_total{reason=\"per_client\"} 1\n"),
            std::string::npos);
}

TEST(TcpLimits, AConnectionAnswersItsQuotaOfQueriesThenCloses) {
  DnsdServer server({{"example.test.toml", exampleZone()}},
                    DnsdServer::Options{{"127.0.0.1:0"}, "tcp_max_queries_per_connection = 5\n"});
  ASSERT_TRUE(server.ready());
  TcpConnection connection(server.port());
  Bytes stream;
  for (std::uint16_t id = 0; id < 8; ++id) {
    Bytes one = framed(buildQuery("www.example.test.", "A", withId(id)));
    stream.insert(stream.end(), one.begin(), one.end());
  }
  ASSERT_TRUE(connection.sendRaw(stream));
  for (std::uint16_t id = 0; id < 5; ++id) {
    auto reply = connection.readMessage();
    ASSERT_TRUE(reply) << "answer " << id << " of the quota missing";
    EXPECT_EQ(decodeResponse(*reply).id, id);
  }
  std::size_t received = 0;
  EXPECT_TRUE(connection.waitClosedByPeer(10000, &received)) << "open past its quota";
  EXPECT_EQ(received, 0u) << "answered past its quota";

  // One after another, too: the fifth answer is the last.
  TcpConnection serial(server.port());
  for (std::uint16_t id = 10; id < 15; ++id) ASSERT_TRUE(answered(serial, id));
  EXPECT_TRUE(serial.waitClosedByPeer(10000));
}

TEST(TcpLimits, ABusyConnectionIsClosedAfterItsTotalTime) {
  DnsdServer server({{"example.test.toml", exampleZone()}},
                    DnsdServer::Options{{"127.0.0.1:0"},
                                        "tcp_idle_timeout = 30\n"
                                        "tcp_max_connection_time = 1.5\n"});
  ASSERT_TRUE(server.ready());
  const auto start = Clock::now();
  TcpConnection connection(server.port());
  // Never idle, yet closed once it has lived 1.5 s (bounded: 30 s, 1000 queries).
  std::uint16_t id = 0;
  bool closed = false;
  while (Clock::now() - start < std::chrono::seconds(30) && id < 1000) {
    if (!answered(connection, ++id)) {
      closed = true;
      break;
    }
    if (!connection.silentFor(50)) {
      closed = connection.waitClosedByPeer(1000);
      break;
    }
  }
  const auto elapsed = Clock::now() - start;
  EXPECT_TRUE(closed);
  EXPECT_GE(elapsed, std::chrono::milliseconds(1500));
  EXPECT_LE(elapsed, std::chrono::seconds(10));
}

}  // namespace
}  // namespace nines::integration
