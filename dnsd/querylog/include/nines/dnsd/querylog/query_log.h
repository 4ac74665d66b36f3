// The dnstap query log: each worker hands its sampled exchanges to a Frame Streams I/O thread
// (libfstrm's fstrm_iothr, one lock-free single-producer queue per worker) that writes them to a
// file or a unix socket. The query path never waits: a frame is packed into the worker's own
// ring of preallocated memory and submitted; when the ring or the queue is full (the writer fell
// behind, or the socket's reader is gone) the frame is dropped and counted.
#pragma once

#include <sys/socket.h>
#include <time.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "nines/dnsd/serve/query_pipeline.h"

struct fstrm_iothr;
struct fstrm_iothr_queue;

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
  // Per worker: fstrm input queue entries (power of two, 2..16384) and the ring the frames are
  // packed into. Tests make them small to see drops.
  std::size_t queue_entries = 16384;
  std::size_t ring_bytes = 4 << 20;
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
  WorkerQueryLog(const QueryLogConfig& config, fstrm_iothr* iothr, fstrm_iothr_queue* queue);
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
  // time now and hands them to the writer. Cheap when nothing is held.
  void sent() noexcept {
    if (held_count_ != 0) submitHeld();
  }

  // Frames handed to the writer, and frames dropped because it fell behind. Written by the
  // worker alone; any thread may read them.
  std::uint64_t messages() const noexcept { return messages_.load(std::memory_order_relaxed); }
  std::uint64_t dropped() const noexcept { return dropped_.load(std::memory_order_relaxed); }

 private:
  struct Block;
  // A batched frame waiting for sent(): where its response time is, and the time it holds.
  struct Held {
    Block* block;
    std::size_t size;
    std::size_t response_time_at;
    timespec stamped;
  };
  static constexpr std::size_t kMaxHeld = 64;  // a batch's worth (UdpWorker's kBatch)
  static void release(void* data, void* self) noexcept;
  // Packs `event` into the ring (nullptr when it has no room: the frame is dropped and counted).
  Block* pack(const DnstapEvent& event, std::size_t& size, std::size_t* response_time_at) noexcept;
  void hand(Block* block, std::size_t size) noexcept;
  void submit(const DnstapEvent& event) noexcept {
    std::size_t size;
    if (Block* block = pack(event, size, nullptr)) hand(block, size);
  }
  void submitHeld() noexcept;
  void count(std::atomic<std::uint64_t>& counter) noexcept {
    counter.store(counter.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  }

  const QueryLogConfig& config_;
  fstrm_iothr* iothr_;
  fstrm_iothr_queue* queue_;
  std::uint32_t sample_;
  std::uint32_t countdown_;
  // The ring: `head_` (worker) and `tail_` (I/O thread, frames are freed in the order they were
  // queued) are positions that only grow; the octets in use are head_ - tail_.
  std::unique_ptr<std::uint8_t[]> ring_;
  std::size_t ring_bytes_;
  std::uint64_t head_ = 0;
  std::atomic<std::uint64_t> tail_{0};
  std::atomic<std::uint64_t> messages_{0};
  std::atomic<std::uint64_t> dropped_{0};
  std::unique_ptr<char[]> extra_;  // the policy outcome text of the exchange being logged
  Held held_[kMaxHeld];
  std::size_t held_count_ = 0;
};

class QueryLog {
 public:
  // Starts the I/O thread with `workers` queues. Null with `error` when the writer cannot be
  // set up (a file that cannot be created; a socket is connected later, and retried).
  static std::unique_ptr<QueryLog> open(const QueryLogConfig& config, std::size_t workers,
                                        std::string* error);
  // Stops the I/O thread after it has written what is queued.
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
  QueryLogConfig config_;
  fstrm_iothr* iothr_ = nullptr;
  std::vector<std::unique_ptr<WorkerQueryLog>> workers_;
};

}  // namespace nines::dnsd::querylog
