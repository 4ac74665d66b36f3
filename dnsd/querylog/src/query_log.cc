#include "nines/dnsd/querylog/query_log.h"

#include <fcntl.h>
#include <fstrm.h>
#include <netinet/in.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>

#include "nines/dnsd/querylog/dnstap_codec.h"
#include "nines/dnsd/querylog/policy_outcome.h"

namespace nines::dnsd::querylog {

namespace {

void addressOf(const sockaddr* address, zones::IpAddress& ip, std::uint16_t& port) noexcept {
  if (!address) return;
  if (address->sa_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(address);
    ip = zones::IpAddress::v4(reinterpret_cast<const std::uint8_t*>(&in->sin_addr));
    port = ntohs(in->sin_port);
  } else if (address->sa_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(address);
    ip = zones::IpAddress::v6(in6->sin6_addr.s6_addr);
    port = ntohs(in6->sin6_port);
  }
}

// A dnstap file as an fstrm byte stream: each batch the I/O thread hands over goes to the kernel
// in one writev. (fstrm's own file writer passes every frame through stdio's 4 KiB buffer: a copy
// and a write(2) every twenty frames, on a thread that shares the CPU with the workers.)
struct DnstapFile {
  // fstrm flushes at 64 KiB (the buffer hint set below) plus at most one frame past it.
  static constexpr std::size_t kGatherBytes = 256 << 10;
  std::string path;
  int fd = -1;
  std::unique_ptr<std::uint8_t[]> gather;

  static fstrm_res open(void* self) {
    auto* file = static_cast<DnstapFile*>(self);
    // Truncated, as fstrm's file writer and Knot's and NSD's logs are: one file per run.
    file->fd = ::open(file->path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
    return file->fd >= 0 ? fstrm_res_success : fstrm_res_failure;
  }
  static fstrm_res close(void* self) {
    auto* file = static_cast<DnstapFile*>(self);
    if (file->fd >= 0) ::close(file->fd);
    file->fd = -1;
    return fstrm_res_success;
  }
  static fstrm_res destroy(void* self) {
    delete static_cast<DnstapFile*>(self);
    return fstrm_res_success;
  }
  // Everything in `iov`, across short writes and EINTR. The batch's frames and their length
  // prefixes (two small iovecs a frame) are first copied into one buffer: the kernel's copy into
  // the page cache costs per segment, and a thousand segments of a few dozen octets cost it more
  // than one copy here.
  static fstrm_res write(void* self, const struct iovec* iov, int count) {
    auto* file = static_cast<DnstapFile*>(self);
    std::size_t total = 0;
    for (int i = 0; i < count; ++i) total += iov[i].iov_len;
    if (total <= kGatherBytes) {
      if (!file->gather) file->gather.reset(new std::uint8_t[kGatherBytes]);
      std::uint8_t* p = file->gather.get();
      for (int i = 0; i < count; ++i) {
        std::memcpy(p, iov[i].iov_base, iov[i].iov_len);
        p += iov[i].iov_len;
      }
      const iovec one{file->gather.get(), total};
      return writeAll(file->fd, &one, 1);
    }
    return writeAll(file->fd, iov, count);
  }
  static fstrm_res writeAll(int fd, const struct iovec* iov, int count) {
    int index = 0;
    std::size_t offset = 0;  // into iov[index], after a short write
    while (index < count) {
      ssize_t n;
      if (offset > 0) {
        n = ::write(fd, static_cast<const char*>(iov[index].iov_base) + offset,
                    iov[index].iov_len - offset);
      } else {
        n = ::writev(fd, iov + index, std::min(count - index, IOV_MAX));
      }
      if (n < 0) {
        if (errno == EINTR) continue;
        return fstrm_res_failure;
      }
      auto left = static_cast<std::size_t>(n) + offset;
      offset = 0;
      while (index < count && left >= iov[index].iov_len) left -= iov[index++].iov_len;
      offset = left;
    }
    return fstrm_res_success;
  }
};

fstrm_writer* fileWriter(const std::string& path, const fstrm_writer_options* options) {
  auto* file = new DnstapFile;
  file->path = path;
  fstrm_rdwr* rdwr = fstrm_rdwr_init(file);
  fstrm_rdwr_set_open(rdwr, &DnstapFile::open);
  fstrm_rdwr_set_close(rdwr, &DnstapFile::close);
  fstrm_rdwr_set_destroy(rdwr, &DnstapFile::destroy);
  fstrm_rdwr_set_write(rdwr, &DnstapFile::write);
  return fstrm_writer_init(options, &rdwr);
}

constexpr std::size_t kAlign = alignof(std::uint64_t);

constexpr std::size_t roundUp(std::size_t size) noexcept {
  return (size + kAlign - 1) & ~(kAlign - 1);
}

}  // namespace

// A frame in the ring: where the ring's tail moves to once fstrm has written it, then the frame.
struct WorkerQueryLog::Block {
  std::uint64_t end;
  std::uint8_t* frame() noexcept { return reinterpret_cast<std::uint8_t*>(this + 1); }
};

WorkerQueryLog::WorkerQueryLog(const QueryLogConfig& config, fstrm_iothr* iothr,
                               fstrm_iothr_queue* queue)
    : config_(config),
      iothr_(iothr),
      queue_(queue),
      sample_(config.sample ? config.sample : 1),
      countdown_(sample_),
      ring_(new std::uint8_t[roundUp(config.ring_bytes)]),
      ring_bytes_(roundUp(config.ring_bytes)),
      extra_(new char[kMaxOutcomeText]) {}

WorkerQueryLog::~WorkerQueryLog() = default;

void WorkerQueryLog::release(void* data, void* self) noexcept {
  auto* block = reinterpret_cast<Block*>(static_cast<std::uint8_t*>(data) - sizeof(Block));
  static_cast<WorkerQueryLog*>(self)->tail_.store(block->end, std::memory_order_release);
}

WorkerQueryLog::Block* WorkerQueryLog::pack(const DnstapEvent& event, std::size_t& size,
                                            std::size_t* response_time_at) noexcept {
  const std::size_t need = roundUp(sizeof(Block) + dnstapSizeBound(event));
  std::uint64_t start = head_;
  std::size_t offset = start % ring_bytes_;
  if (offset + need > ring_bytes_) {  // does not fit before the end: skip to the start
    start += ring_bytes_ - offset;
    offset = 0;
  }
  const std::uint64_t end = start + need;
  if (need > ring_bytes_ || end - tail_.load(std::memory_order_acquire) > ring_bytes_) {
    count(dropped_);
    return nullptr;
  }
  auto* block = reinterpret_cast<Block*>(ring_.get() + offset);
  size = encodeDnstap(event, block->frame(), response_time_at);
  // The frame may be shorter than the bound: the ring keeps only what it took. The block is the
  // worker's from here: a frame fstrm then refuses leaves a gap the tail skips when a later frame
  // is written.
  block->end = start + roundUp(sizeof(Block) + size);
  head_ = block->end;
  return block;
}

void WorkerQueryLog::hand(Block* block, std::size_t size) noexcept {
  if (fstrm_iothr_submit(iothr_, queue_, block->frame(), size, &WorkerQueryLog::release, this) !=
      fstrm_res_success) {
    count(dropped_);  // the queue is full
    return;
  }
  count(messages_);
}

void WorkerQueryLog::submitHeld() noexcept {
  timespec now;
  clock_gettime(CLOCK_REALTIME, &now);  // vDSO: no syscall; one for the whole batch
  for (std::size_t i = 0; i < held_count_; ++i) {
    Held& held = held_[i];
    restampResponseTime(held.block->frame(), held.response_time_at, held.stamped, now);
    hand(held.block, held.size);
  }
  held_count_ = 0;
}

void WorkerQueryLog::log(const Exchange& exchange, const QueryResult& result,
                         const PolicyContext& policy) noexcept {
  DnstapEvent event;
  event.tcp = exchange.transport == Transport::Tcp;
  addressOf(exchange.peer, event.query_address, event.query_port);
  addressOf(exchange.local, event.response_address, event.response_port);
  event.query_time = exchange.received;
  event.identity = config_.identity;
  event.version = config_.version;
  // A query that did not parse never reached the lookup, so `policy` holds an older query's.
  const bool looked_up = result.parse == ParseOutcome::Ok;
  const std::size_t extra = looked_up ? formatPolicyOutcome(policy, extra_.get()) : 0;
  if (config_.queries) {
    event.kind = DnstapKind::AuthQuery;
    event.query = exchange.query;
    event.query_size = exchange.query_size;
    submit(event);
  }
  event.kind = DnstapKind::AuthResponse;
  event.query = config_.query_message ? exchange.query : nullptr;
  event.query_size = config_.query_message ? exchange.query_size : 0;
  event.response = exchange.response;
  event.response_size = exchange.response_size;
  event.extra = std::string_view(extra_.get(), extra);
  if (!exchange.batched) {
    clock_gettime(CLOCK_REALTIME, &event.response_time);
    submit(event);
    return;
  }
  // Held for sent(), with the query's time until then (never later than the real one).
  if (held_count_ == kMaxHeld) submitHeld();
  event.response_time = exchange.received;
  Held& held = held_[held_count_];
  held.stamped = event.response_time;
  if ((held.block = pack(event, held.size, &held.response_time_at)) != nullptr) ++held_count_;
}

std::unique_ptr<QueryLog> QueryLog::open(const QueryLogConfig& config, std::size_t workers,
                                         std::string* error) {
  if (config.socket.empty()) {
    // fstrm opens the file on its own thread and retries quietly: check here that it can be
    // created, so a wrong path is an error at start. (Like Knot's and NSD's, the file is
    // rewritten from the start each time dnsd starts.)
    int fd = ::open(config.path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0640);
    if (fd < 0) {
      *error = "cannot open " + config.path + " for writing: " + std::strerror(errno);
      return nullptr;
    }
    ::close(fd);
  }
  std::unique_ptr<QueryLog> log(new QueryLog(config));
  fstrm_writer_options* writer_options = fstrm_writer_options_init();
  fstrm_writer_options_add_content_type(writer_options, kDnstapContentType.data(),
                                        kDnstapContentType.size());
  fstrm_writer* writer = nullptr;
  if (!config.socket.empty()) {
    fstrm_unix_writer_options* unix_options = fstrm_unix_writer_options_init();
    fstrm_unix_writer_options_set_socket_path(unix_options, config.socket.c_str());
    writer = fstrm_unix_writer_init(unix_options, writer_options);
    fstrm_unix_writer_options_destroy(&unix_options);
  } else {
    writer = fileWriter(config.path, writer_options);
  }
  fstrm_writer_options_destroy(&writer_options);
  if (!writer) {
    *error = config.socket.empty() ? "cannot open " + config.path + " for writing"
                                   : "cannot set up a writer for " + config.socket;
    return nullptr;
  }
  fstrm_iothr_options* options = fstrm_iothr_options_init();
  fstrm_iothr_options_set_num_input_queues(options, static_cast<unsigned>(workers ? workers : 1));
  fstrm_iothr_options_set_queue_model(options, FSTRM_IOTHR_QUEUE_MODEL_SPSC);
  fstrm_iothr_options_set_input_queue_size(options, static_cast<unsigned>(config.queue_entries));
  // Wake the writer when a queue is a quarter full: long before it fills (the writer drains a
  // quarter of the queue in far less time than the workers take to fill the other three), and
  // seldom, since each wake-up is a futex call on the worker and a switch on its CPU.
  fstrm_iothr_options_set_queue_notify_threshold(
      options, static_cast<unsigned>(std::clamp<std::size_t>(config.queue_entries / 4, 1, 512)));
  fstrm_iothr_options_set_reopen_interval(options, 1);
  // Batches as large as fstrm allows: up to 512 frames (two iovecs each: IOV_MAX) or 64 KiB in
  // one writev. fstrm's default flushes every 8 KiB, about fifty frames: a syscall each time.
  fstrm_iothr_options_set_output_queue_size(options, IOV_MAX / 2);
  fstrm_iothr_options_set_buffer_hint(options, FSTRM_IOTHR_BUFFER_HINT_MAX);
  log->iothr_ = fstrm_iothr_init(options, &writer);
  fstrm_iothr_options_destroy(&options);
  if (!log->iothr_) {
    if (writer) fstrm_writer_destroy(&writer);
    *error = "cannot start the dnstap writer for " +
             (config.socket.empty() ? config.path : config.socket) +
             " (queue_entries must be a power of two from 2 to 16384)";
    return nullptr;
  }
  for (std::size_t i = 0; i < (workers ? workers : 1); ++i) {
    fstrm_iothr_queue* queue = fstrm_iothr_get_input_queue_idx(log->iothr_, i);
    log->workers_.push_back(std::make_unique<WorkerQueryLog>(log->config_, log->iothr_, queue));
  }
  return log;
}

QueryLog::~QueryLog() {
  // Writes what is queued and calls release() for every frame: the rings must outlive it.
  if (iothr_) fstrm_iothr_destroy(&iothr_);
}

std::uint64_t QueryLog::messages() const noexcept {
  std::uint64_t sum = 0;
  for (const auto& worker : workers_) sum += worker->messages();
  return sum;
}

std::uint64_t QueryLog::dropped() const noexcept {
  std::uint64_t sum = 0;
  for (const auto& worker : workers_) sum += worker->dropped();
  return sum;
}

}  // namespace nines::dnsd::querylog
