// Listeners: port 0 picks one port for an address, shared by its TCP socket and every UDP socket;
// a port already taken is an error that names the address.
#include "nines/dnsd/net/listeners.h"

#include <gtest/gtest.h>
#include <sys/socket.h>

#include <string>

namespace nines::dnsd {
namespace {

std::uint16_t portOf(int fd) { return SocketAddress::localOf(fd).port(); }

TEST(Listeners, PortZeroIsOnePortForTcpAndEveryUdpSocket) {
  std::string error;
  Listeners listeners;
  ASSERT_TRUE(listeners.open({*SocketAddress::parse("127.0.0.1:0", &error)}, 3, &error)) << error;
  ASSERT_EQ(listeners.bound().size(), 1u);
  ASSERT_EQ(listeners.tcp().size(), 1u);
  ASSERT_EQ(listeners.udp().size(), 3u);
  const std::uint16_t port = listeners.bound()[0].port();
  EXPECT_NE(port, 0);
  EXPECT_EQ(portOf(listeners.tcp()[0]), port);
  for (int fd : listeners.udp()) EXPECT_EQ(portOf(fd), port);
  EXPECT_FALSE(listeners.udpWildcard()[0]);
}

TEST(Listeners, ATakenTcpPortIsAnErrorNamingTheAddress) {
  std::string error;
  Listeners first;
  ASSERT_TRUE(first.open({*SocketAddress::parse("127.0.0.1:0", &error)}, 1, &error)) << error;
  const SocketAddress taken = first.bound()[0];
  Listeners second;
  EXPECT_FALSE(second.open({taken}, 1, &error));
  EXPECT_NE(error.find("cannot bind TCP " + taken.toString()), std::string::npos) << error;
}

}  // namespace
}  // namespace nines::dnsd
