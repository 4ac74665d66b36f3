// The sockets dnsd answers on: for every listen address, one listening TCP socket and, per UDP
// worker thread, one or more UDP sockets (its per-source queues: source_queues.h), all bound to
// the same port (SO_REUSEPORT for UDP, so the kernel spreads datagrams over the workers).
#pragma once

#include <string>
#include <vector>

#include "nines/dnsd/net/socket_address.h"
#include "nines/dnsd/net/source_queues.h"

namespace nines::dnsd {

// The UDP sockets one worker reads: blocking with a 250 ms receive timeout, and, when bound to a
// wildcard address, reporting each datagram's destination.
struct UdpWorkerSockets {
  std::vector<int> fds;  // one per queue
  bool wildcard = false;
};

class Listeners {
 public:
  Listeners() = default;
  ~Listeners();  // closes every socket
  Listeners(const Listeners&) = delete;
  Listeners& operator=(const Listeners&) = delete;

  // Binds `addresses`, each with `steering.workers` UDP workers of `steering.queues` sockets. A
  // port of 0 is picked by the TCP socket and the UDP sockets follow it. False with `error` at
  // the first address that cannot be bound (what was bound stays open until destruction).
  bool open(const std::vector<SocketAddress>& addresses, const SourceSteering& steering,
            std::string* error);

  // The addresses as bound (ports filled in), in the order given.
  const std::vector<SocketAddress>& bound() const noexcept { return bound_; }
  // Listening, non-blocking TCP sockets, one per address.
  const std::vector<int>& tcp() const noexcept { return tcp_; }
  // Every UDP worker's sockets, `steering.workers` per address, in the order of the addresses.
  const std::vector<UdpWorkerSockets>& udpWorkers() const noexcept { return udp_workers_; }
  // What open() could not do but served without (the per-source queue program refused).
  const std::vector<std::string>& warnings() const noexcept { return warnings_; }

 private:
  std::vector<SocketAddress> bound_;
  std::vector<int> tcp_;
  std::vector<UdpWorkerSockets> udp_workers_;
  std::vector<std::string> warnings_;
};

}  // namespace nines::dnsd
