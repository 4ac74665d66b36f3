#include "socket_transport.h"

#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

#include "dns_probe.h"

namespace nines::probers::detail {

namespace {

constexpr int kEventBatch = 256;
constexpr std::size_t kDatagramSize = 65535;

socklen_t socketAddress(const zones::IpAddress& address, std::uint16_t port,
                        sockaddr_storage& out) {
  std::memset(&out, 0, sizeof out);
  if (address.family == 4) {
    auto* in = reinterpret_cast<sockaddr_in*>(&out);
    in->sin_family = AF_INET;
    in->sin_port = htons(port);
    std::memcpy(&in->sin_addr, address.bytes.data(), 4);
    return sizeof(sockaddr_in);
  }
  auto* in6 = reinterpret_cast<sockaddr_in6*>(&out);
  in6->sin6_family = AF_INET6;
  in6->sin6_port = htons(port);
  std::memcpy(&in6->sin6_addr, address.bytes.data(), 16);
  return sizeof(sockaddr_in6);
}

std::string errnoText(int error) { return std::strerror(error); }

}  // namespace

SocketTransport::SocketTransport() : epoll_(epoll_create1(EPOLL_CLOEXEC)) {}

SocketTransport::~SocketTransport() {
  cancelAll();
  if (epoll_ >= 0) close(epoll_);
}

int SocketTransport::open(std::uint64_t token, const CheckTarget& target, int type, Outcomes& out) {
  const char* what = type == SOCK_STREAM ? "connect: " : "dns: ";
  if (target.address.family != 4 && target.address.family != 6) {
    out.push_back({token, false, std::string(what) + "no address"});
    return -1;
  }
  int fd = socket(target.address.family == 4 ? AF_INET : AF_INET6,
                  type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    out.push_back({token, false, std::string(what) + errnoText(errno)});
    return -1;
  }
  sockaddr_storage address;
  socklen_t length = socketAddress(target.address, target.port, address);
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), length) != 0 && errno != EINPROGRESS) {
    out.push_back({token, false, std::string(what) + errnoText(errno)});
    close(fd);
    return -1;
  }
  return fd;
}

void SocketTransport::add(std::uint64_t token, Probe probe, std::uint32_t events, Outcomes& out) {
  epoll_event event{};
  event.events = events;
  event.data.u64 = token;
  if (epoll_ < 0 || epoll_ctl(epoll_, EPOLL_CTL_ADD, probe.fd, &event) != 0) {
    out.push_back({token, false, "epoll: " + errnoText(epoll_ < 0 ? EBADF : errno)});
    close(probe.fd);
    return;
  }
  deadlines_.emplace(probe.deadline, token);
  probes_.emplace(token, std::move(probe));
}

void SocketTransport::startTcp(std::uint64_t token, const CheckTarget& target, double now,
                               Outcomes& out) {
  int fd = open(token, target, SOCK_STREAM, out);
  if (fd < 0) return;
  Probe probe;
  probe.kind = Kind::Tcp;
  probe.fd = fd;
  probe.timeout = target.check.timeout;
  probe.deadline = now + target.check.timeout;
  // Writable once the handshake is done; EPOLLERR/EPOLLHUP (always reported) when it failed.
  add(token, std::move(probe), EPOLLOUT, out);
}

void SocketTransport::startDns(std::uint64_t token, const CheckTarget& target, std::uint16_t id,
                               double now, Outcomes& out) {
  int fd = open(token, target, SOCK_DGRAM, out);
  if (fd < 0) return;
  std::string query = buildDnsQuery(target.check, id);
  // A connected UDP socket: the kernel drops datagrams from anyone else and reports ICMP port
  // unreachable as ECONNREFUSED, so a dead server fails fast instead of timing out.
  if (send(fd, query.data(), query.size(), MSG_NOSIGNAL) < 0) {
    out.push_back({token, false, "dns: " + errnoText(errno)});
    close(fd);
    return;
  }
  Probe probe;
  probe.kind = Kind::Dns;
  probe.fd = fd;
  probe.timeout = target.check.timeout;
  probe.deadline = now + target.check.timeout;
  probe.id = id;
  probe.check = target.check;
  add(token, std::move(probe), EPOLLIN, out);
}

void SocketTransport::cancel(std::uint64_t token) {
  auto it = probes_.find(token);
  if (it == probes_.end()) return;
  deadlines_.erase({it->second.deadline, token});
  close(it->second.fd);  // also takes it out of the epoll set
  probes_.erase(it);
}

void SocketTransport::cancelAll() {
  for (auto& [token, probe] : probes_) close(probe.fd);
  probes_.clear();
  deadlines_.clear();
}

void SocketTransport::finish(std::uint64_t token, bool ok, std::string reason, Outcomes& out) {
  cancel(token);
  out.push_back({token, ok, std::move(reason)});
}

void SocketTransport::onEvent(std::uint64_t token, std::uint32_t events, Outcomes& out) {
  auto it = probes_.find(token);
  if (it == probes_.end()) return;
  Probe& probe = it->second;
  if (probe.kind == Kind::Tcp) {
    int error = 0;
    socklen_t length = sizeof error;
    if (getsockopt(probe.fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0) error = errno;
    if (error == 0 && (events & (EPOLLERR | EPOLLHUP))) error = ECONNRESET;
    if (error == 0) {
      // Close with a reset (HAProxy does the same): a check every few seconds per endpoint must
      // not leave a TIME_WAIT socket behind each time.
      linger reset{1, 0};
      setsockopt(probe.fd, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
      finish(token, true, "connected", out);
    } else {
      finish(token, false, "connect: " + errnoText(error), out);
    }
    return;
  }
  static thread_local std::array<std::uint8_t, kDatagramSize> buffer;
  // Bounded: a flood of stray datagrams cannot hold the engine thread here.
  for (int i = 0; i < 64; ++i) {
    ssize_t n = recv(probe.fd, buffer.data(), buffer.size(), 0);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) return;
      if (errno == EINTR) continue;
      finish(token, false, "dns: " + errnoText(errno), out);
      return;
    }
    std::string reason;
    DnsVerdict verdict =
        judgeDnsResponse(probe.check, probe.id, buffer.data(), static_cast<std::size_t>(n), reason);
    if (verdict != DnsVerdict::Ignore) {
      finish(token, verdict == DnsVerdict::Pass, std::move(reason), out);
      return;
    }
  }
}

void SocketTransport::collect(double now, Outcomes& out) {
  if (epoll_ >= 0 && !probes_.empty()) {
    epoll_event events[kEventBatch];
    // Bounded rounds: whatever is left stays readable and is taken on the next loop.
    for (int round = 0; round < 64; ++round) {
      int n = epoll_wait(epoll_, events, kEventBatch, 0);
      for (int i = 0; i < n; ++i) onEvent(events[i].data.u64, events[i].events, out);
      if (n < kEventBatch) break;
    }
  }
  while (!deadlines_.empty() && deadlines_.begin()->first <= now) {
    std::uint64_t token = deadlines_.begin()->second;
    auto it = probes_.find(token);
    if (it == probes_.end()) {
      deadlines_.erase(deadlines_.begin());
      continue;
    }
    finish(token, false, timeoutReason(it->second.timeout), out);
  }
}

std::optional<double> SocketTransport::nextDeadline() const {
  if (deadlines_.empty()) return std::nullopt;
  return deadlines_.begin()->first;
}

}  // namespace nines::probers::detail
