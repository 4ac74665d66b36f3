// The sockets dnsd answers on: for every listen address, one listening TCP socket and one UDP
// socket per worker thread, all bound to the same port (SO_REUSEPORT for UDP, so the kernel
// spreads datagrams over the workers).
#pragma once

#include <string>
#include <vector>

#include "nines/dnsd/net/socket_address.h"

namespace nines::dnsd {

class Listeners {
 public:
  Listeners() = default;
  ~Listeners();  // closes every socket
  Listeners(const Listeners&) = delete;
  Listeners& operator=(const Listeners&) = delete;

  // Binds `addresses`, `udp_per_address` UDP sockets each. A port of 0 is picked by the TCP
  // socket and the UDP sockets follow it. False with `error` at the first address that cannot be
  // bound (what was bound stays open until destruction).
  bool open(const std::vector<SocketAddress>& addresses, unsigned udp_per_address,
            std::string* error);

  // The addresses as bound (ports filled in), in the order given.
  const std::vector<SocketAddress>& bound() const noexcept { return bound_; }
  // Listening, non-blocking TCP sockets, one per address.
  const std::vector<int>& tcp() const noexcept { return tcp_; }
  // Blocking UDP sockets with a 250 ms receive timeout, `udp_per_address` per address, and
  // whether each is bound to a wildcard address (then it reports each datagram's destination).
  const std::vector<int>& udp() const noexcept { return udp_; }
  const std::vector<bool>& udpWildcard() const noexcept { return udp_wildcard_; }

 private:
  std::vector<SocketAddress> bound_;
  std::vector<int> tcp_;
  std::vector<int> udp_;
  std::vector<bool> udp_wildcard_;
};

}  // namespace nines::dnsd
