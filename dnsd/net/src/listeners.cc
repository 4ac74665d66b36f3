#include "nines/dnsd/net/listeners.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace nines::dnsd {

namespace {

std::string errnoText(const std::string& what, const SocketAddress& address) {
  return what + " " + address.toString() + ": " + std::strerror(errno);
}

int openSocket(const SocketAddress& address, int type, std::string* error) {
  // Listening TCP sockets are non-blocking for the epoll loop; UDP sockets block with a timeout.
  int fd =
      socket(address.family(), type | SOCK_CLOEXEC | (type == SOCK_STREAM ? SOCK_NONBLOCK : 0), 0);
  if (fd < 0) {
    *error = errnoText("socket for", address);
    return -1;
  }
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (type == SOCK_DGRAM) setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
  if (address.family() == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
  if (bind(fd, address.get(), address.length) != 0) {
    *error = errnoText(type == SOCK_DGRAM ? "cannot bind UDP" : "cannot bind TCP", address);
    ::close(fd);
    return -1;
  }
  return fd;
}

// The UDP socket options of a worker: large buffers for bursts, a receive timeout so an idle
// worker still sees its stop flag and lets go of old snapshots, and on a wildcard address the
// destination of each datagram (IP_PKTINFO), so the reply leaves from it.
void tuneUdp(int fd, const SocketAddress& address, unsigned queues) {
  // A worker's queues share what one socket had, so that memory does not grow with them.
  int buffer = std::max(256 << 10, (4 << 20) / static_cast<int>(queues));
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buffer, sizeof buffer);
  setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buffer, sizeof buffer);
  timeval timeout{0, 250000};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  if (address.isWildcard()) {
    int one = 1;
    if (address.family() == AF_INET) {
      setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof one);
    } else {
      setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof one);
    }
  }
}

}  // namespace

Listeners::~Listeners() {
  for (const auto& worker : udp_workers_) {
    for (int fd : worker.fds) ::close(fd);
  }
  for (int fd : tcp_) ::close(fd);
}

bool Listeners::open(const std::vector<SocketAddress>& addresses, const SourceSteering& steering,
                     std::string* error) {
  for (SocketAddress address : addresses) {
    // TCP first: with port 0 it picks the port, and the UDP sockets follow it.
    int tcp = openSocket(address, SOCK_STREAM, error);
    if (tcp < 0) return false;
    if (listen(tcp, 1024) != 0) {
      *error = errnoText("cannot listen on", address);
      ::close(tcp);
      return false;
    }
    tcp_.push_back(tcp);
    address = SocketAddress::localOf(tcp);
    const std::size_t first_worker = udp_workers_.size();
    for (unsigned w = 0; w < steering.workers; ++w) {
      udp_workers_.push_back({{}, address.isWildcard()});
    }
    // Bound in the group's order: socket i is worker i % workers's queue i / workers.
    for (unsigned i = 0; i < steering.sockets(); ++i) {
      int udp = openSocket(address, SOCK_DGRAM, error);
      if (udp < 0) return false;
      udp_workers_[first_worker + i % steering.workers].fds.push_back(udp);
      tuneUdp(udp, address, steering.queues);
    }
    // Without the program the kernel spreads datagrams over all the sockets by its own hash:
    // every one is still read, only not apart by source.
    std::string problem;
    if (!steering.attach(udp_workers_[first_worker].fds.front(), address.family(), &problem)) {
      warnings_.push_back(address.toString() + ": " + problem +
                          " (its queues are not kept apart by client address)");
    }
    bound_.push_back(address);
  }
  return true;
}

}  // namespace nines::dnsd
