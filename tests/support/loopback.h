// Sockets on the loopback address for tests: bound on a port the kernel picks (or a given one),
// connected to a local server, and the ports found that way.
#pragma once

#include <sys/socket.h>

#include <cstdint>

namespace nines::testing {

// A socket of `type` (SOCK_STREAM or SOCK_DGRAM) bound to 127.0.0.1:`port` (0: the kernel picks
// one), closed with the object. `bound()` says whether that worked.
class BoundSocket {
 public:
  explicit BoundSocket(int type, std::uint16_t port = 0);
  ~BoundSocket();
  BoundSocket(const BoundSocket&) = delete;
  BoundSocket& operator=(const BoundSocket&) = delete;

  bool bound() const { return fd_ >= 0; }
  int fd() const { return fd_; }
  std::uint16_t port() const { return port_; }
  // Starts listening (SOCK_STREAM) with room for `backlog` unaccepted connections; false on error.
  bool listen(int backlog);
  // Hands the descriptor over to the caller, who closes it.
  int release();

 private:
  int fd_ = -1;
  std::uint16_t port_ = 0;
};

// A socket of `type` connected to 127.0.0.1:`port` (or [::1]:`port` when `ipv6`); -1 on error.
int connectLoopback(int type, std::uint16_t port, bool ipv6 = false);
// A socket of `type` (SOCK_STREAM or SOCK_DGRAM, with SOCK_NONBLOCK if wanted) bound to the
// loopback address `source` (any of 127.0.0.0/8, so that a server sees another client address)
// and connected to 127.0.0.1:`port`; -1 on error.
int connectFrom(int type, const char* source, std::uint16_t port);
inline int connectTcpFrom(const char* source, std::uint16_t port) {
  return connectFrom(SOCK_STREAM, source, port);
}

// A port free for both UDP and TCP on 127.0.0.1 (bound, then closed), for a server that must be
// started on a port known in advance; 0 when none was found.
std::uint16_t freePort();
// A TCP port on 127.0.0.1 that nothing listens on (bound, then closed): connecting is refused.
std::uint16_t closedPort();

// Whether [::1] can be bound on this machine.
bool ipv6LoopbackAvailable();

}  // namespace nines::testing
