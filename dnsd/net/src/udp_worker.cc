#include "nines/dnsd/net/udp_worker.h"

#include <netinet/in.h>
#include <poll.h>

#include <cerrno>
#include <cstring>
#include <ctime>

#include "nines/dnsd/net/socket_address.h"

namespace nines::dnsd {

struct UdpWorker::Slot {
  sockaddr_storage peer;
  iovec in_iov;
  iovec out_iov;
  // Room for IP_PKTINFO or IPV6_PKTINFO, whichever the socket delivers.
  alignas(cmsghdr) std::uint8_t control[CMSG_SPACE(sizeof(in6_pktinfo))];
  std::uint8_t query[kMaxQuery];
  std::uint8_t response[4096];
};

UdpWorker::UdpWorker(const UdpWorkerSockets& sockets, SnapshotHolder<ServingState>& state,
                     std::size_t udp_payload, std::size_t decision_cache_entries,
                     const std::atomic<bool>& stopping, QueryCounters* counters,
                     querylog::WorkerQueryLog* query_log, ResponseRateLimiter* limiter)
    : fds_(sockets.fds),
      wildcard_(sockets.wildcard),
      state_(state),
      udp_payload_(udp_payload),
      stopping_(stopping),
      slots_(new Slot[kBatch]),
      in_(kBatch),
      out_(kBatch),
      context_(decision_cache_entries),
      query_log_(query_log) {
  context_.counters = counters;
  context_.limiter = limiter;
  if (query_log_) local_ = SocketAddress::localOf(fds_.front()).storage;
}

UdpWorker::~UdpWorker() = default;

void UdpWorker::run() noexcept {
  if (fds_.size() == 1) {
    while (!stopping_.load(std::memory_order_relaxed)) serveBatch(fds_.front(), MSG_WAITFORONE);
    return;
  }
  // The busy queues are read in turn, one batch each a round, until each comes up empty; poll()
  // is asked which others have datagrams only when none is busy, or every few rounds, so a flood
  // keeping its queue full delays another client's queue by a few batches at most, and a single
  // busy queue costs one extra system call each time it runs dry rather than one a batch.
  // (poll(), not epoll: an epoll watch stays on each socket's wait queue, and then every datagram
  // sent or received pays for a wake-up call; poll() is on it only while it sleeps.)
  constexpr unsigned kRoundsBetweenPolls = 8;
  std::vector<pollfd> watch(fds_.size());
  for (std::size_t queue = 0; queue < fds_.size(); ++queue) watch[queue] = {fds_[queue], POLLIN, 0};
  std::vector<std::size_t> busy;
  busy.reserve(fds_.size());
  std::vector<bool> is_busy(fds_.size());
  unsigned rounds = 0;
  while (!stopping_.load(std::memory_order_relaxed)) {
    if (busy.empty() || rounds == kRoundsBetweenPolls) {
      rounds = 0;
      if (poll(watch.data(), watch.size(), busy.empty() ? 250 : 0) > 0) {
        for (std::size_t queue = 0; queue < watch.size(); ++queue) {
          if (!(watch[queue].revents & POLLIN) || is_busy[queue]) continue;
          busy.push_back(queue);
          is_busy[queue] = true;
        }
      }
      if (busy.empty()) {
        state_.get();  // idle: let go of an old snapshot
        continue;
      }
    }
    ++rounds;
    for (std::size_t i = 0; i < busy.size();) {
      if (serveBatch(fds_[busy[i]], MSG_DONTWAIT) > 0) {
        ++i;
        continue;
      }
      is_busy[busy[i]] = false;
      busy[i] = busy.back();
      busy.pop_back();
    }
  }
}

int UdpWorker::serveBatch(int fd, int flags) noexcept {
  for (std::size_t i = 0; i < kBatch; ++i) {
    Slot& slot = slots_[i];
    slot.in_iov = {slot.query, kMaxQuery};
    msghdr& hdr = in_[i].msg_hdr;
    hdr = {};
    hdr.msg_name = &slot.peer;
    hdr.msg_namelen = sizeof slot.peer;
    hdr.msg_iov = &slot.in_iov;
    hdr.msg_iovlen = 1;
    if (wildcard_) {
      hdr.msg_control = slot.control;
      hdr.msg_controllen = sizeof slot.control;
    }
  }
  // MSG_WAITFORONE (one socket): block for the first datagram, then take what is queued;
  // SO_RCVTIMEO bounds the wait so an idle worker still sees `stopping` and lets go of old
  // snapshots. MSG_DONTWAIT (a queue epoll found ready): take what is queued.
  int received = recvmmsg(fd, in_.data(), kBatch, flags, nullptr);
  const ServingState* state = state_.get();
  if (received <= 0) return 0;  // timeout, EINTR; errors on UDP sockets are per datagram
  timespec received_at{};
  if (query_log_) clock_gettime(CLOCK_REALTIME, &received_at);  // vDSO: no syscall
  if (context_.limiter) {
    const RateLimitSettings* settings = state ? state->rate_limit.get() : nullptr;
    timespec now{};
    // The coarse clock (a tick of a few milliseconds) is read from the vDSO without a syscall;
    // a bucket credited a tick late is off by a few milliseconds' worth of responses.
    if (settings && settings->enabled()) clock_gettime(CLOCK_MONOTONIC_COARSE, &now);
    context_.limiter->beginBatch(settings, static_cast<std::uint64_t>(now.tv_sec) * 1000 +
                                               static_cast<std::uint64_t>(now.tv_nsec) / 1000000);
  }

  unsigned replies = 0;
  for (int i = 0; i < received; ++i) {
    Slot& slot = slots_[i];
    const msghdr& in_hdr = in_[i].msg_hdr;
    if (in_hdr.msg_flags & MSG_TRUNC || !state) continue;  // larger than any sane query
    QueryResult result = processQuery(*state, slot.query, in_[i].msg_len, ipAddressOf(slot.peer),
                                      Transport::Udp, udp_payload_, context_, slot.response);
    if (result.size == 0) continue;
    if (query_log_ && query_log_->sampled())
      logExchange(slot, in_hdr, in_[i].msg_len, result, received_at);
    slot.out_iov = {slot.response, result.size};
    msghdr& out_hdr = out_[replies].msg_hdr;
    out_hdr = {};
    out_hdr.msg_name = &slot.peer;
    out_hdr.msg_namelen = in_hdr.msg_namelen;
    out_hdr.msg_iov = &slot.out_iov;
    out_hdr.msg_iovlen = 1;
    if (wildcard_ && in_hdr.msg_controllen > 0) {
      // Reply from the address the query was sent to: hand IP(V6)_PKTINFO back, with the
      // interface left to routing.
      for (cmsghdr* c = CMSG_FIRSTHDR(const_cast<msghdr*>(&in_hdr)); c;
           c = CMSG_NXTHDR(const_cast<msghdr*>(&in_hdr), c)) {
        if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
          auto* info = reinterpret_cast<in_pktinfo*>(CMSG_DATA(c));
          info->ipi_ifindex = 0;
          info->ipi_spec_dst = info->ipi_addr;
        } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
          reinterpret_cast<in6_pktinfo*>(CMSG_DATA(c))->ipi6_ifindex = 0;
        }
      }
      out_hdr.msg_control = in_hdr.msg_control;
      out_hdr.msg_controllen = in_hdr.msg_controllen;
    }
    ++replies;
  }
  unsigned sent = 0;
  while (sent < replies) {
    int n = sendmmsg(fd, out_.data() + sent, replies - sent, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      // A datagram the kernel refuses (e.g. an unroutable source) is skipped, not retried.
      ++sent;
      continue;
    }
    sent += static_cast<unsigned>(n);
  }
  if (query_log_) query_log_->sent();  // the batch's frames, stamped with one clock read
  return received;
}

void UdpWorker::logExchange(const Slot& slot, const msghdr& in_hdr, std::size_t query_size,
                            const QueryResult& result, const timespec& received) noexcept {
  // A wildcard socket's own address is 0.0.0.0 or ::: log the address the query was sent to.
  sockaddr_storage local = local_;
  if (wildcard_ && in_hdr.msg_controllen > 0) {
    for (cmsghdr* c = CMSG_FIRSTHDR(const_cast<msghdr*>(&in_hdr)); c;
         c = CMSG_NXTHDR(const_cast<msghdr*>(&in_hdr), c)) {
      if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO && local.ss_family == AF_INET) {
        reinterpret_cast<sockaddr_in*>(&local)->sin_addr =
            reinterpret_cast<const in_pktinfo*>(CMSG_DATA(c))->ipi_addr;
      } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO &&
                 local.ss_family == AF_INET6) {
        reinterpret_cast<sockaddr_in6*>(&local)->sin6_addr =
            reinterpret_cast<const in6_pktinfo*>(CMSG_DATA(c))->ipi6_addr;
      }
    }
  }
  querylog::Exchange exchange;
  exchange.query = slot.query;
  exchange.query_size = query_size;
  exchange.response = slot.response;
  exchange.response_size = result.size;
  exchange.peer = reinterpret_cast<const sockaddr*>(&slot.peer);
  exchange.local = reinterpret_cast<const sockaddr*>(&local);
  exchange.transport = Transport::Udp;
  exchange.received = received;
  exchange.batched = true;
  query_log_->log(exchange, result, context_.policy);
}

}  // namespace nines::dnsd
