// TCP connect and DNS-over-UDP checks on non-blocking sockets, all registered in one epoll
// instance whose descriptor the engine hands to curl's wait, so one thread sleeps on everything.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>

#include "nines/probers/check_target.h"
#include "probe_transport.h"

namespace nines::probers::detail {

class SocketTransport {
 public:
  SocketTransport();
  ~SocketTransport();
  SocketTransport(const SocketTransport&) = delete;
  SocketTransport& operator=(const SocketTransport&) = delete;

  // Readable when a socket of ours has an event (or -1 when epoll could not be created).
  int fd() const { return epoll_; }

  // A TCP connect to target.address:port; passes once the handshake completes. `now` is the
  // engine's clock; the check fails at now + check.timeout.
  void startTcp(std::uint64_t token, const CheckTarget& target, double now, Outcomes& out);
  // One UDP query (id `id`) to target.address:port; judged by judgeDnsResponse().
  void startDns(std::uint64_t token, const CheckTarget& target, std::uint16_t id, double now,
                Outcomes& out);
  void cancel(std::uint64_t token);
  void cancelAll();
  // Appends every check that finished or ran out of time by `now`.
  void collect(double now, Outcomes& out);
  // The earliest deadline of a check in flight.
  std::optional<double> nextDeadline() const;
  std::size_t inFlight() const { return probes_.size(); }

 private:
  enum class Kind { Tcp, Dns };
  struct Probe {
    Kind kind = Kind::Tcp;
    int fd = -1;
    double deadline = 0;
    double timeout = 0;
    std::uint16_t id = 0;  // dns
    zones::Check check;    // dns: what the response is judged against
  };
  // Opens a non-blocking socket connected (or connecting) to the target; -1 with `out` filled.
  int open(std::uint64_t token, const CheckTarget& target, int type, Outcomes& out);
  void add(std::uint64_t token, Probe probe, std::uint32_t events, Outcomes& out);
  void finish(std::uint64_t token, bool ok, std::string reason, Outcomes& out);
  void onEvent(std::uint64_t token, std::uint32_t events, Outcomes& out);

  int epoll_ = -1;
  std::unordered_map<std::uint64_t, Probe> probes_;
  std::set<std::pair<double, std::uint64_t>> deadlines_;
};

}  // namespace nines::probers::detail
