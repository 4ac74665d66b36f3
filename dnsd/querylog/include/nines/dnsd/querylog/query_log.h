// The dnstap query log: each worker packs its sampled exchanges, as Frame Streams data frames
// (length prefix and all), into a ring of its own, and one writer thread hands what the rings
// hold to a file (one write(2) of the ring's bytes, no copy) or to a unix socket (libfstrm's
// writer, which does the Frame Streams handshake). The query path never waits: when the ring is
// full, or holds `queue_entries` frames (the writer fell behind, or the socket's reader is gone),
// the frame is dropped and counted.
#pragma once

#include <sys/socket.h>
#include <time.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "nines/dnsd/serve/query_pipeline.h"

struct fstrm_writer;

namespace nines::dnsd::querylog {

struct DnstapEvent;

// [query_log] in dnsd.toml. Read at start only: changing it takes a restart.
struct QueryLogConfig {
  bool enabled = false;      // set when path or socket is given
  std::string path;          // a dnstap file (Frame Streams, unidirectional)
  std::string socket;        // a unix socket (Frame Streams bidirectional handshake)
  std::uint32_t sample = 1;  // log one response in `sample`, counted per worker
  bool queries = false;      // also write AUTH_QUERY frames (for the sampled exchanges)
  // Also carry the query in each AUTH_RESPONSE. Off: the response already holds what answering
  // depended on (ID, opcode, RD, CD, the question, EDNS with DO and the ECS option echoed), and
  // replay rebuilds the query from it (query_from_response.h); leaving it out is a quarter less
  // to encode and write for every response.
  bool query_message = false;
  std::string identity;  // dnstap identity; empty: not written
  std::string version;   // dnstap version; empty: not written
  // Per worker: the most frames waiting for the writer (a power of two, 2..16384), and the ring
  // they are packed into (rounded up to a power of two of at least a page). The ring is small
  // enough to stay in the worker's cache: the writer is woken long before it fills. Tests make
  // both small to see drops.
  std::size_t queue_entries = 16384;
  std::size_t ring_bytes = 1 << 20;
};

// One exchange as a worker saw it. `peer` and `local` may be null (not logged).
struct Exchange {
  const std::uint8_t* query = nullptr;
  std::size_t query_size = 0;
  const std::uint8_t* response = nullptr;
  std::size_t response_size = 0;
  const sockaddr* peer = nullptr;
  const sockaddr* local = nullptr;
  Transport transport = Transport::Udp;
  timespec received{};  // when the query came in
  // The response leaves with a batch (one sendmmsg): its frame is held until sent() stamps the
  // whole batch with one clock read, rather than a clock read per response.
  bool batched = false;
};

// One worker's side of the log: single producer, used by one thread at a time.
class WorkerQueryLog {
 public:
  // `wake` is the writer's eventfd, written when another quarter of the ring has been published
  // since the last time. Throws std::system_error when the ring cannot be mapped.
  WorkerQueryLog(const QueryLogConfig& config, int wake);
  ~WorkerQueryLog();
  WorkerQueryLog(const WorkerQueryLog&) = delete;
  WorkerQueryLog& operator=(const WorkerQueryLog&) = delete;

  // True for one call in `sample`: whether to log this exchange at all.
  bool sampled() noexcept {
    if (--countdown_ != 0) return false;
    countdown_ = sample_;
    return true;
  }
  // Logs `exchange` (and AUTH_QUERY first when configured) with the policy outcome `policy`
  // holds when `result` came from a service answer. Never blocks, never allocates.
  void log(const Exchange& exchange, const QueryResult& result,
           const PolicyContext& policy) noexcept;
  // The batch whose exchanges were logged `batched` has been sent: stamps their frames with the
  // time now and makes them the writer's. Cheap when nothing is held.
  void sent() noexcept {
    if (held_count_ != 0) submitHeld();
  }

  // Frames handed to the writer, and frames dropped because it fell behind. Written by the
  // worker alone; any thread may read them.
  std::uint64_t messages() const noexcept { return messages_.load(std::memory_order_relaxed); }
  std::uint64_t dropped() const noexcept { return dropped_.load(std::memory_order_relaxed); }

 private:
  friend class QueryLog;
  // A batched frame waiting for sent(): where its response time is, and the time it holds.
  struct Held {
    std::uint8_t* frame;
    std::size_t response_time_at;
    timespec stamped;
  };
  static constexpr std::size_t kMaxHeld = 64;  // at least a batch's worth (UdpWorker's kBatch)
  // Packs `event` into the ring after the last frame (nullptr when it has no room: the frame is
  // dropped and counted); the writer sees it once published.
  std::uint8_t* pack(const DnstapEvent& event, std::size_t* response_time_at) noexcept;
  void submit(const DnstapEvent& event) noexcept {
    if (pack(event, nullptr) && held_count_ == 0) publish();
  }
  void submitHeld() noexcept;
  // Hands every packed frame to the writer, waking it when a quarter of the ring has built up.
  void publish() noexcept;
  void count(std::atomic<std::uint64_t>& counter) noexcept {
    counter.store(counter.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  }

  const QueryLogConfig& config_;
  int wake_;
  std::uint32_t sample_;
  std::uint32_t countdown_;
  // The ring, mapped twice back to back so that a frame (and the writer's span of frames) is
  // contiguous across the end. Positions only grow: the worker packs at `head_` and publishes
  // up to `published_`; the writer has written up to `tail_`. Frames likewise.
  std::uint8_t* ring_ = nullptr;
  std::size_t ring_bytes_;
  std::uint64_t head_ = 0;
  std::uint64_t frames_packed_ = 0;
  std::uint64_t woken_at_ = 0;
  std::atomic<std::uint64_t> published_{0};
  std::atomic<std::uint64_t> tail_{0};
  std::atomic<std::uint64_t> frames_written_{0};
  std::atomic<std::uint64_t> messages_{0};
  std::atomic<std::uint64_t> dropped_{0};
  std::unique_ptr<char[]> extra_;  // the policy outcome text of the exchange being logged
  Held held_[kMaxHeld];
  std::size_t held_count_ = 0;
};

class QueryLog {
 public:
  // Starts the writer thread with `workers` rings. Null with `error` when the writer cannot be
  // set up (a file that cannot be created; a socket is connected later, and retried).
  static std::unique_ptr<QueryLog> open(const QueryLogConfig& config, std::size_t workers,
                                        std::string* error);
  // Stops the writer thread after it has written what the rings hold. The workers must have
  // stopped logging.
  ~QueryLog();
  QueryLog(const QueryLog&) = delete;
  QueryLog& operator=(const QueryLog&) = delete;

  std::size_t workers() const noexcept { return workers_.size(); }
  WorkerQueryLog* worker(std::size_t index) noexcept { return workers_[index].get(); }
  const WorkerQueryLog& worker(std::size_t index) const noexcept { return *workers_[index]; }
  // Sums over the workers, for metrics (nines_query_log_messages_total / _dropped_total).
  std::uint64_t messages() const noexcept;
  std::uint64_t dropped() const noexcept;
  const QueryLogConfig& config() const noexcept { return config_; }

 private:
  explicit QueryLog(QueryLogConfig config) : config_(std::move(config)) {}
  void run() noexcept;
  // Writes what `worker` has published (or discards it, counted, when the sink is closed).
  bool drain(WorkerQueryLog& worker) noexcept;
  bool writeSocket(const std::uint8_t* bytes, std::size_t size) noexcept;
  // The socket's writer, opened (the Frame Streams handshake) at most once a second.
  bool socketOpen() noexcept;

  QueryLogConfig config_;
  int file_ = -1;                   // the dnstap file, its START frame written
  fstrm_writer* socket_ = nullptr;  // the unix socket's writer
  bool socket_open_ = false;
  std::chrono::steady_clock::time_point socket_retry_at_{};
  int wake_ = -1;  // eventfd: a worker's ring is filling, or stop
  std::atomic<bool> stopping_{false};
  std::atomic<std::uint64_t> discarded_{0};  // published frames the sink did not take
  std::vector<std::unique_ptr<WorkerQueryLog>> workers_;
  std::thread writer_;
};

}  // namespace nines::dnsd::querylog
