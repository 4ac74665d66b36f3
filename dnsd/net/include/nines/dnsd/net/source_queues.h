// Per-source receive queues: each UDP worker reads several sockets of the address's SO_REUSEPORT
// group, and a classic BPF program attached to the group sends every datagram from one client
// address to the same one of them. A flood from a few addresses then fills only its own queues,
// and the worker, reading its ready queues in turn, keeps answering everyone else; with a single
// queue per worker the kernel drops a legitimate client's datagrams as often as the flood's.
//
// Socket i of an address's group (in bind order) belongs to worker i % workers and is that
// worker's queue i / workers. The worker is picked by the client's address and port (as the
// kernel's own hash would, so one busy client address still spreads over the workers), the queue
// by the address alone: IPv4's whole address, IPv6's first 64 bits.
#pragma once

#include <netinet/in.h>

#include <cstdint>
#include <string>

namespace nines::dnsd {

struct SourceSteering {
  unsigned workers = 1;  // per address
  unsigned queues = 1;   // per worker

  unsigned sockets() const noexcept { return workers * queues; }
  // The group index of the socket a datagram from this source is delivered to: what the BPF
  // program computes, for tests and tools.
  unsigned socketOf(const in_addr& source, std::uint16_t port) const noexcept;
  unsigned socketOf(const in6_addr& source, std::uint16_t port) const noexcept;
  // The queue (within whichever worker) of every datagram from this source address.
  unsigned queueOf(const in_addr& source) const noexcept;
  unsigned queueOf(const in6_addr& source) const noexcept;

  // Attaches the steering program (SO_ATTACH_REUSEPORT_CBPF) to `fd`'s reuseport group, for
  // datagrams of `family` (AF_INET or AF_INET6). A no-op with one queue per worker: the kernel's
  // own hash spreads the datagrams then. False with `error` when the kernel refuses it.
  bool attach(int fd, int family, std::string* error) const;
};

}  // namespace nines::dnsd
