// Listeners: port 0 picks one port for an address, shared by its TCP socket and every UDP socket;
// a port already taken is an error that names the address; with per-source queues, every
// datagram from one client address lands in the queue SourceSteering predicts, whatever its port.
#include "nines/dnsd/net/listeners.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <set>
#include <string>
#include <utility>
#include <vector>

#include "loopback.h"

namespace nines::dnsd {
namespace {

std::uint16_t portOf(int fd) { return SocketAddress::localOf(fd).port(); }

TEST(Listeners, PortZeroIsOnePortForTcpAndEveryUdpSocket) {
  std::string error;
  Listeners listeners;
  ASSERT_TRUE(listeners.open({*SocketAddress::parse("127.0.0.1:0", &error)}, {3, 2}, &error))
      << error;
  ASSERT_EQ(listeners.bound().size(), 1u);
  ASSERT_EQ(listeners.tcp().size(), 1u);
  ASSERT_EQ(listeners.udpWorkers().size(), 3u);
  const std::uint16_t port = listeners.bound()[0].port();
  EXPECT_NE(port, 0);
  EXPECT_EQ(portOf(listeners.tcp()[0]), port);
  for (const auto& worker : listeners.udpWorkers()) {
    ASSERT_EQ(worker.fds.size(), 2u);
    for (int fd : worker.fds) EXPECT_EQ(portOf(fd), port);
    EXPECT_FALSE(worker.wildcard);
  }
}

// Sends `count` datagrams from `source` (a new port each) to 127.0.0.1:`port`; the ports used.
std::vector<std::uint16_t> sendFrom(const char* source, std::uint16_t port, int count) {
  std::vector<std::uint16_t> ports;
  for (int i = 0; i < count; ++i) {
    const int fd = nines::testing::connectFrom(SOCK_DGRAM, source, port);
    if (fd >= 0 && send(fd, "x", 1, 0) == 1) ports.push_back(SocketAddress::localOf(fd).port());
    if (fd >= 0) close(fd);
  }
  return ports;
}

// (source address, source port) of every datagram waiting on `fd`.
std::multiset<std::pair<std::string, std::uint16_t>> drain(int fd) {
  std::multiset<std::pair<std::string, std::uint16_t>> got;
  for (;;) {
    char byte;
    sockaddr_in from{};
    socklen_t length = sizeof from;
    if (recvfrom(fd, &byte, 1, MSG_DONTWAIT, reinterpret_cast<sockaddr*>(&from), &length) < 0) {
      return got;
    }
    char text[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &from.sin_addr, text, sizeof text);
    got.insert({text, ntohs(from.sin_port)});
  }
}

TEST(Listeners, EachSourceAddressLandsInTheQueueSteeringPredicts) {
  std::string error;
  const SourceSteering steering{2, 3};
  Listeners listeners;
  ASSERT_TRUE(listeners.open({*SocketAddress::parse("127.0.0.1:0", &error)}, steering, &error))
      << error;
  const std::uint16_t port = listeners.bound()[0].port();
  std::multiset<std::pair<std::string, std::uint16_t>> sent;
  for (int host = 1; host <= 12; ++host) {
    const std::string source = "127.0.3." + std::to_string(host);
    for (std::uint16_t p : sendFrom(source.c_str(), port, 4)) sent.insert({source, p});
  }
  ASSERT_EQ(sent.size(), 48u);
  std::set<unsigned> queues_used;
  std::size_t received = 0;
  for (unsigned w = 0; w < steering.workers; ++w) {
    for (unsigned q = 0; q < steering.queues; ++q) {
      for (const auto& [source, source_port] : drain(listeners.udpWorkers()[w].fds[q])) {
        ++received;
        in_addr address{};
        inet_pton(AF_INET, source.c_str(), &address);
        EXPECT_EQ(steering.queueOf(address), q) << source;
        EXPECT_EQ(steering.socketOf(address, source_port), w + steering.workers * q)
            << source << ":" << source_port;
        queues_used.insert(q);
      }
    }
  }
  EXPECT_EQ(received, sent.size());
  EXPECT_GT(queues_used.size(), 1u) << "every source hashed to one queue";
}

// IPv6 has one loopback address: its datagrams, from several ports, land where SourceSteering
// says (the worker by address and port, the queue by the address's first 64 bits).
TEST(Listeners, IPv6DatagramsLandInTheSocketSteeringPredicts) {
  std::string error;
  const SourceSteering steering{2, 3};
  Listeners listeners;
  if (!listeners.open({*SocketAddress::parse("[::1]:0", &error)}, steering, &error)) {
    GTEST_SKIP() << "no IPv6 loopback here: " << error;
  }
  const std::uint16_t port = listeners.bound()[0].port();
  int sent = 0;
  for (int i = 0; i < 16; ++i) {
    int fd = socket(AF_INET6, SOCK_DGRAM, 0);
    sockaddr_in6 server{};
    server.sin6_family = AF_INET6;
    server.sin6_port = htons(port);
    server.sin6_addr = in6addr_loopback;
    sent += sendto(fd, "x", 1, 0, reinterpret_cast<sockaddr*>(&server), sizeof server) == 1;
    close(fd);
  }
  int received = 0;
  std::set<unsigned> workers_used;
  for (unsigned w = 0; w < steering.workers; ++w) {
    for (unsigned q = 0; q < steering.queues; ++q) {
      for (;;) {
        char byte;
        sockaddr_in6 from{};
        socklen_t length = sizeof from;
        if (recvfrom(listeners.udpWorkers()[w].fds[q], &byte, 1, MSG_DONTWAIT,
                     reinterpret_cast<sockaddr*>(&from), &length) < 0) {
          break;
        }
        ++received;
        EXPECT_EQ(steering.socketOf(from.sin6_addr, ntohs(from.sin6_port)),
                  w + steering.workers * q);
        EXPECT_EQ(steering.queueOf(from.sin6_addr), q);
        workers_used.insert(w);
      }
    }
  }
  EXPECT_EQ(received, sent);
  EXPECT_EQ(workers_used.size(), 2u) << "16 ports from one address all went to one worker";
}

TEST(Listeners, ATakenTcpPortIsAnErrorNamingTheAddress) {
  std::string error;
  Listeners first;
  ASSERT_TRUE(first.open({*SocketAddress::parse("127.0.0.1:0", &error)}, {}, &error)) << error;
  const SocketAddress taken = first.bound()[0];
  Listeners second;
  EXPECT_FALSE(second.open({taken}, {}, &error));
  EXPECT_NE(error.find("cannot bind TCP " + taken.toString()), std::string::npos) << error;
}

}  // namespace
}  // namespace nines::dnsd
