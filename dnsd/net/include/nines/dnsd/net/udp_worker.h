// One UDP worker: sockets of its own (SO_REUSEPORT; several when it has per-source queues, read in
// turn as they become ready), batches of recvmmsg/sendmmsg, and a cached zone-table snapshot
// checked once per batch. Buffers are allocated once, at construction.
#pragma once

#include <sys/socket.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "nines/dnsd/net/listeners.h"
#include "nines/dnsd/querylog/query_log.h"
#include "nines/dnsd/serve/query_pipeline.h"
#include "nines/dnsd/serve/serving_state.h"
#include "nines/dnsd/serve/snapshot.h"

namespace nines::dnsd {

class UdpWorker {
 public:
  // Datagrams a recvmmsg takes at most. Small on purpose: every answer in a batch waits for the
  // whole batch to be served, and the kernel hands each datagram it frees back to the CPU that
  // allocated it (the sender's), kicking that CPU with an interrupt each time 32 are pending;
  // batches of 64 set that off and answered 2-5% fewer queries per core under the peer
  // benchmark's blast load (../shared/bench), batches of 16 do not.
  // (gdnsd settled on 16 too.)
  static constexpr std::size_t kBatch = 16;
  static constexpr std::size_t kMaxQuery = 4096;

  // `sockets` are owned by the caller and must outlive the worker. Wildcard sockets receive the
  // destination address with each datagram (IP_PKTINFO) so replies leave from it. `counters`,
  // when given, counts every response and must outlive the worker; only this worker writes it.
  // `query_log`, when not null, is this worker's side of the dnstap log and must outlive it.
  // `limiter`, when not null, is this worker's response rate limiter (applied with the serving
  // state's [rate_limit] settings) and must outlive it; only this worker calls it.
  UdpWorker(const UdpWorkerSockets& sockets, SnapshotHolder<ServingState>& state,
            std::size_t udp_payload, std::size_t decision_cache_entries,
            const std::atomic<bool>& stopping, QueryCounters* counters = nullptr,
            querylog::WorkerQueryLog* query_log = nullptr, ResponseRateLimiter* limiter = nullptr);
  ~UdpWorker();
  UdpWorker(const UdpWorker&) = delete;
  UdpWorker& operator=(const UdpWorker&) = delete;
  // Runs until `stopping` is set; returns within 250 ms of it.
  void run() noexcept;
  // The worker's policy decision cache, for its hit and miss counts.
  const DecisionCache& decisionCache() const noexcept { return context_.decisions; }

 private:
  struct Slot;
  // Receives one batch from `fd` (blocking for the first datagram unless `flags` says
  // MSG_DONTWAIT), answers it and sends the answers; the datagrams received.
  int serveBatch(int fd, int flags) noexcept;
  void logExchange(const Slot& slot, const msghdr& in_hdr, std::size_t query_size,
                   const QueryResult& result, const timespec& received) noexcept;
  std::vector<int> fds_;
  bool wildcard_;
  SnapshotHolder<ServingState>::Reader state_;
  std::size_t udp_payload_;
  const std::atomic<bool>& stopping_;
  std::unique_ptr<Slot[]> slots_;
  std::vector<mmsghdr> in_;
  std::vector<mmsghdr> out_;
  QueryContext context_;
  querylog::WorkerQueryLog* query_log_;
  sockaddr_storage local_{};  // the socket's address, for the log
};

}  // namespace nines::dnsd
