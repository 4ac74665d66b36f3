// DNS over TCP (RFC 7766): two-octet length framing, several queries pipelined on a connection and
// answered in the order they came, an idle timeout, a total time per connection, a cap on queries
// per connection, and caps on connections overall and per client address. One thread with epoll
// serves every listening socket; TCP carries little of the load, UDP carries the rest. Sockets are
// non-blocking: a slow or silent client costs a slot until a limit ends it, never the loop's time.
// Everything after construction is noexcept: a connection whose buffers cannot grow (no memory)
// is closed, and the server goes on.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "nines/dnsd/querylog/query_log.h"
#include "nines/dnsd/serve/query_pipeline.h"
#include "nines/dnsd/serve/serving_state.h"
#include "nines/dnsd/serve/snapshot.h"
#include "nines/zones/ip.h"

namespace nines::dnsd {

struct TcpLimits {
  // Without a complete query or a byte of our response taken: a client that sends half a length
  // prefix, or a prefix and then nothing, or stops reading, is closed after this.
  std::chrono::milliseconds idle_timeout{10000};
  std::chrono::milliseconds max_connection_time{120000};  // from accept, however busy
  std::size_t max_connections = 1024;
  std::size_t max_connections_per_client = 32;  // per client address
  // Queries answered on one connection; then the answers are sent and the connection closed.
  std::size_t max_queries_per_connection = 10000;
  // Unsent responses a connection may pile up before we stop reading from it (backpressure).
  std::size_t max_pending_output = 256 * 1024;
  std::size_t advertised_payload = 1232;  // the EDNS UDP size our OPT records state
};

// Connections refused at accept and closed by a limit, since start. Written by the TCP thread
// alone (relaxed load and store), read by a metrics scrape from any thread.
struct TcpLimitCounters {
  std::atomic<std::uint64_t> refused_max_connections{0};
  std::atomic<std::uint64_t> refused_per_client{0};
  std::atomic<std::uint64_t> closed_idle{0};
  std::atomic<std::uint64_t> closed_connection_time{0};
  std::atomic<std::uint64_t> closed_queries{0};
};

struct IpAddressHash {
  std::size_t operator()(const zones::IpAddress& address) const noexcept {
    std::uint64_t h = 1469598103934665603ull ^ address.family;
    for (std::uint8_t b : address.bytes) h = (h ^ b) * 1099511628211ull;
    return static_cast<std::size_t>(h);
  }
};

class TcpServer {
 public:
  // `listeners` are bound, listening, non-blocking sockets owned by the caller. `counters`, when
  // given, counts every response and must outlive the server; only this server's thread writes it.
  // `query_log`, when not null, is the TCP thread's side of the dnstap log and must outlive it.
  TcpServer(std::vector<int> listeners, SnapshotHolder<ServingState>& state, TcpLimits limits,
            const std::atomic<bool>& stopping, QueryCounters* counters = nullptr,
            querylog::WorkerQueryLog* query_log = nullptr);
  ~TcpServer();
  TcpServer(const TcpServer&) = delete;
  TcpServer& operator=(const TcpServer&) = delete;

  void run() noexcept;
  // A reload's limits (all but max_pending_output and advertised_payload, which stay): the
  // server's thread takes them at its next idle sweep (within a quarter of a second), so nothing
  // on the query path reads shared state. Connections already open keep going under the new
  // limits. Thread-safe.
  void setLimits(const TcpLimits& limits);
  const TcpLimitCounters& limitCounters() const noexcept { return limit_counters_; }
  // The TCP thread's policy decision cache, for its hit and miss counts.
  const DecisionCache& decisionCache() const noexcept { return context_.decisions; }

 private:
  struct Connection;
  using ConnectionTable = std::unordered_map<int, std::unique_ptr<Connection>>;
  void accept(int listener) noexcept;
  void onReadable(Connection& connection) noexcept;
  void onWritable(Connection& connection) noexcept;
  void answerComplete(Connection& connection) noexcept;
  void updateInterest(Connection& connection) noexcept;
  void close(int fd) noexcept;
  // Closes the connection at `it` (none at end()); the iterator after it.
  ConnectionTable::iterator close(ConnectionTable::iterator it) noexcept;
  void closeExpired() noexcept;
  // After the last answer a connection may have: sends what is queued, then closes.
  void finishAfterOutput(Connection& connection) noexcept;
  static void count(std::atomic<std::uint64_t>& counter) noexcept {
    counter.store(counter.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  }
  void logExchange(const Connection& connection, const std::uint8_t* query, std::size_t size,
                   const QueryResult& result) noexcept;

  std::vector<int> listeners_;
  SnapshotHolder<ServingState>::Reader state_;
  TcpLimits limits_;
  std::mutex next_limits_mutex_;
  TcpLimits next_limits_;                    // guarded by next_limits_mutex_
  std::atomic<bool> limits_changed_{false};  // next_limits_ is waiting to be taken
  const std::atomic<bool>& stopping_;
  int epoll_fd_ = -1;
  ConnectionTable connections_;
  std::unordered_map<zones::IpAddress, std::size_t, IpAddressHash> per_client_;  // open, by peer
  TcpLimitCounters limit_counters_;
  QueryContext context_;
  std::unique_ptr<std::uint8_t[]> response_;
  querylog::WorkerQueryLog* query_log_;
};

}  // namespace nines::dnsd
