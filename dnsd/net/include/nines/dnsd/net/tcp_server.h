// DNS over TCP (RFC 7766): two-octet length framing, several queries pipelined on a connection and
// answered in the order they came, an idle timeout, and a cap on connections. One thread with
// epoll serves every listening socket; TCP carries little of the load, UDP carries the rest.
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

namespace nines::dnsd {

struct TcpLimits {
  std::chrono::milliseconds idle_timeout{10000};
  std::size_t max_connections = 1024;
  // Unsent responses a connection may pile up before we stop reading from it (backpressure).
  std::size_t max_pending_output = 256 * 1024;
  std::size_t advertised_payload = 1232;  // the EDNS UDP size our OPT records state
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
  // A reload's idle timeout and connection limit: the server's thread takes them at its next idle
  // sweep (within a quarter of a second), so nothing on the query path reads shared state.
  // Thread-safe.
  void setLimits(std::chrono::milliseconds idle_timeout, std::size_t max_connections);

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
  void closeIdle() noexcept;
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
  QueryContext context_;
  std::unique_ptr<std::uint8_t[]> response_;
  querylog::WorkerQueryLog* query_log_;
};

}  // namespace nines::dnsd
