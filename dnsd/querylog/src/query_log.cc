#include "nines/dnsd/querylog/query_log.h"

#include <fcntl.h>
#include <fstrm.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <system_error>

#include "nines/dnsd/querylog/dnstap_codec.h"
#include "nines/dnsd/querylog/policy_outcome.h"

namespace nines::dnsd::querylog {

namespace {

constexpr std::size_t kFramePrefix = 4;  // a Frame Streams data frame's big-endian length

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

// A ring of `size` octets (a power of two, a multiple of the page size) mapped twice, back to
// back: whatever is written past the end appears at the start, so frames never wrap.
std::uint8_t* mapMirroredRing(std::size_t size) {
  const int fd = memfd_create("nines-dnstap-ring", MFD_CLOEXEC);
  if (fd < 0) throw std::system_error(errno, std::generic_category(), "memfd_create");
  void* area = MAP_FAILED;
  if (ftruncate(fd, static_cast<off_t>(size)) == 0) {
    area = mmap(nullptr, 2 * size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  }
  bool mapped = area != MAP_FAILED;
  auto* base = static_cast<std::uint8_t*>(area);
  for (std::size_t half = 0; mapped && half < 2; ++half) {
    mapped = mmap(base + half * size, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd,
                  0) != MAP_FAILED;
  }
  const int error = errno;
  ::close(fd);
  if (!mapped) {
    if (area != MAP_FAILED) munmap(area, 2 * size);
    throw std::system_error(error, std::generic_category(), "mapping the dnstap ring");
  }
  return base;
}

std::size_t ringSize(std::size_t wanted) {
  const auto page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  std::size_t size = page;
  while (size < wanted) size *= 2;
  return size;
}

std::uint32_t readBigEndian32(const std::uint8_t* p) noexcept {
  return std::uint32_t{p[0]} << 24 | std::uint32_t{p[1]} << 16 | std::uint32_t{p[2]} << 8 | p[3];
}

// A Frame Streams control frame (escape, length and all), encoded by libfstrm.
std::vector<std::uint8_t> controlFrame(fstrm_control_type type) {
  fstrm_control* control = fstrm_control_init();
  fstrm_control_set_type(control, type);
  if (type == FSTRM_CONTROL_START) {
    fstrm_control_add_field_content_type(
        control, reinterpret_cast<const std::uint8_t*>(kDnstapContentType.data()),
        kDnstapContentType.size());
  }
  std::vector<std::uint8_t> frame(256);
  std::size_t size = frame.size();
  if (fstrm_control_encode(control, frame.data(), &size, FSTRM_CONTROL_FLAG_WITH_HEADER) !=
      fstrm_res_success) {
    size = 0;
  }
  fstrm_control_destroy(&control);
  frame.resize(size);
  return frame;
}

bool writeAll(int fd, const std::uint8_t* bytes, std::size_t size) noexcept {
  while (size > 0) {
    const ssize_t n = ::write(fd, bytes, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    bytes += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace

WorkerQueryLog::WorkerQueryLog(const QueryLogConfig& config, int wake)
    : config_(config),
      wake_(wake),
      sample_(config.sample ? config.sample : 1),
      countdown_(sample_),
      ring_bytes_(ringSize(config.ring_bytes)),
      extra_(new char[kMaxOutcomeText]) {
  ring_ = mapMirroredRing(ring_bytes_);
}

WorkerQueryLog::~WorkerQueryLog() { munmap(ring_, 2 * ring_bytes_); }

std::uint8_t* WorkerQueryLog::pack(const DnstapEvent& event,
                                   std::size_t* response_time_at) noexcept {
  const std::size_t need = kFramePrefix + dnstapSizeBound(event);
  if (head_ + need - tail_.load(std::memory_order_acquire) > ring_bytes_ ||
      frames_packed_ - frames_written_.load(std::memory_order_acquire) >= config_.queue_entries) {
    count(dropped_);
    return nullptr;
  }
  std::uint8_t* at = ring_ + (head_ & (ring_bytes_ - 1));
  std::uint8_t* frame = at + kFramePrefix;
  const std::size_t size = encodeDnstap(event, frame, response_time_at);
  // The Frame Streams data frame's length, big-endian: the file gets the ring's octets as they are.
  at[0] = static_cast<std::uint8_t>(size >> 24);
  at[1] = static_cast<std::uint8_t>(size >> 16);
  at[2] = static_cast<std::uint8_t>(size >> 8);
  at[3] = static_cast<std::uint8_t>(size);
  head_ += kFramePrefix + size;
  ++frames_packed_;
  return frame;
}

void WorkerQueryLog::publish() noexcept {
  published_.store(head_, std::memory_order_release);
  messages_.store(frames_packed_, std::memory_order_relaxed);
  if (head_ - woken_at_ >= ring_bytes_ / 4) {
    woken_at_ = head_;
    const std::uint64_t one = 1;
    (void)!::write(wake_, &one, sizeof one);  // eventfd: a full counter only means awake already
  }
}

void WorkerQueryLog::submitHeld() noexcept {
  timespec now;
  clock_gettime(CLOCK_REALTIME, &now);  // vDSO: no syscall; one for the whole batch
  for (std::size_t i = 0; i < held_count_; ++i) {
    Held& held = held_[i];
    restampResponseTime(held.frame, held.response_time_at, held.stamped, now);
  }
  held_count_ = 0;
  publish();
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
  if ((held.frame = pack(event, &held.response_time_at)) != nullptr) ++held_count_;
}

std::unique_ptr<QueryLog> QueryLog::open(const QueryLogConfig& config, std::size_t workers,
                                         std::string* error) {
  std::unique_ptr<QueryLog> log(new QueryLog(config));
  if (config.socket.empty()) {
    // Truncated, as Knot's and NSD's logs are: one file per run. The START frame goes first.
    log->file_ = ::open(config.path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
    const std::vector<std::uint8_t> start = controlFrame(FSTRM_CONTROL_START);
    if (log->file_ < 0 || start.empty() || !writeAll(log->file_, start.data(), start.size())) {
      *error = "cannot open " + config.path + " for writing: " + std::strerror(errno);
      return nullptr;
    }
  } else {
    fstrm_writer_options* writer_options = fstrm_writer_options_init();
    fstrm_writer_options_add_content_type(writer_options, kDnstapContentType.data(),
                                          kDnstapContentType.size());
    fstrm_unix_writer_options* unix_options = fstrm_unix_writer_options_init();
    fstrm_unix_writer_options_set_socket_path(unix_options, config.socket.c_str());
    log->socket_ = fstrm_unix_writer_init(unix_options, writer_options);
    fstrm_unix_writer_options_destroy(&unix_options);
    fstrm_writer_options_destroy(&writer_options);
    if (!log->socket_) {
      *error = "cannot set up a writer for " + config.socket;
      return nullptr;
    }
  }
  if (config.queue_entries < 2 || config.queue_entries > 16384 ||
      (config.queue_entries & (config.queue_entries - 1)) != 0) {
    *error = "queue_entries must be a power of two from 2 to 16384";
    return nullptr;
  }
  log->wake_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (log->wake_ < 0) {
    *error = std::string("cannot start the dnstap writer: eventfd: ") + std::strerror(errno);
    return nullptr;
  }
  try {
    for (std::size_t i = 0; i < (workers ? workers : 1); ++i) {
      log->workers_.push_back(std::make_unique<WorkerQueryLog>(log->config_, log->wake_));
    }
  } catch (const std::system_error& e) {
    *error = std::string("cannot set up the dnstap rings: ") + e.what();
    return nullptr;
  }
  log->writer_ = std::thread([raw = log.get()] { raw->run(); });
  return log;
}

QueryLog::~QueryLog() {
  if (writer_.joinable()) {
    stopping_.store(true, std::memory_order_release);
    const std::uint64_t one = 1;
    (void)!::write(wake_, &one, sizeof one);
    writer_.join();
  }
  if (file_ >= 0) {
    const std::vector<std::uint8_t> stop = controlFrame(FSTRM_CONTROL_STOP);
    writeAll(file_, stop.data(), stop.size());
    ::close(file_);
  }
  if (socket_) {
    if (socket_open_) fstrm_writer_close(socket_);  // STOP, and the reader's FINISH
    fstrm_writer_destroy(&socket_);
  }
  if (wake_ >= 0) ::close(wake_);
}

void QueryLog::run() noexcept {
  // Every 10 ms while there is something to write (a few hundred KiB at the highest rates, well
  // inside a ring), every 50 ms when quiet, and at once by a worker whose ring fills faster: few
  // wake-ups, and each write large. (Woken by every worker at each sixteenth of its ring, a writer
  // on another CPU cost the worker more in wake-ups than it saved.)
  bool busy = false;
  for (;;) {
    pollfd wait{wake_, POLLIN, 0};
    poll(&wait, 1, busy ? 10 : 50);
    std::uint64_t ignored;
    (void)!::read(wake_, &ignored, sizeof ignored);
    const bool stopping = stopping_.load(std::memory_order_acquire);
    busy = false;
    for (auto& worker : workers_) busy |= drain(*worker);
    if (stopping) return;  // the workers had stopped: what they logged is written
  }
}

bool QueryLog::drain(WorkerQueryLog& worker) noexcept {
  const std::uint64_t tail = worker.tail_.load(std::memory_order_relaxed);
  const std::uint64_t head = worker.published_.load(std::memory_order_acquire);
  if (head == tail) return false;
  const std::uint8_t* bytes = worker.ring_ + (tail & (worker.ring_bytes_ - 1));
  const std::size_t size = static_cast<std::size_t>(head - tail);
  std::uint64_t frames = 0;
  for (std::size_t at = 0; at < size; at += kFramePrefix + readBigEndian32(bytes + at)) ++frames;
  const bool written = file_ >= 0 ? writeAll(file_, bytes, size) : writeSocket(bytes, size);
  if (!written) discarded_.fetch_add(frames, std::memory_order_relaxed);
  worker.tail_.store(head, std::memory_order_release);
  worker.frames_written_.store(worker.frames_written_.load(std::memory_order_relaxed) + frames,
                               std::memory_order_release);
  return true;
}

bool QueryLog::socketOpen() noexcept {
  if (socket_open_) return true;
  const auto now = std::chrono::steady_clock::now();
  if (now < socket_retry_at_) return false;
  socket_retry_at_ = now + std::chrono::seconds(1);
  socket_open_ = fstrm_writer_open(socket_) == fstrm_res_success;
  return socket_open_;
}

bool QueryLog::writeSocket(const std::uint8_t* bytes, std::size_t size) noexcept {
  if (!socketOpen()) return false;
  // libfstrm frames what it is given: hand it the frames without their length prefixes.
  iovec frames[256];
  int count = 0;
  for (std::size_t at = 0; at < size;) {
    const std::uint32_t length = readBigEndian32(bytes + at);
    frames[count++] = {const_cast<std::uint8_t*>(bytes + at + kFramePrefix), length};
    at += kFramePrefix + length;
    if (count == 256 || at >= size) {
      if (fstrm_writer_writev(socket_, frames, count) != fstrm_res_success) {
        fstrm_writer_close(socket_);
        socket_open_ = false;
        return false;
      }
      count = 0;
    }
  }
  return true;
}

std::uint64_t QueryLog::messages() const noexcept {
  std::uint64_t sum = 0;
  for (const auto& worker : workers_) sum += worker->messages();
  return sum - discarded_.load(std::memory_order_relaxed);
}

std::uint64_t QueryLog::dropped() const noexcept {
  std::uint64_t sum = discarded_.load(std::memory_order_relaxed);
  for (const auto& worker : workers_) sum += worker->dropped();
  return sum;
}

}  // namespace nines::dnsd::querylog
