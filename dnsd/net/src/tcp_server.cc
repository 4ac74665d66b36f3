#include "nines/dnsd/net/tcp_server.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <iterator>
#include <new>

#include "nines/dnsd/net/socket_address.h"
#include "nines/dnsd/wire/message.h"

namespace nines::dnsd {

using Clock = std::chrono::steady_clock;

namespace {

// Appends `n` octets to a connection buffer. These functions are noexcept, so growing a buffer
// must not throw: an allocation that fails ends that one connection (its client may retry)
// instead of the process. Preallocating the worst case instead (four queries' worth of input and
// max_pending_output plus a response of output, for every allowed connection) would pin more than
// half a gigabyte that busy servers never use.
bool append(std::vector<std::uint8_t>& buffer, const std::uint8_t* data, std::size_t n) noexcept {
  try {
    buffer.insert(buffer.end(), data, data + n);
    return true;
  } catch (const std::bad_alloc&) {
    return false;
  }
}

}  // namespace

struct TcpServer::Connection {
  int fd = -1;
  std::vector<std::uint8_t> input;   // unparsed bytes: length-prefixed queries
  std::vector<std::uint8_t> output;  // length-prefixed responses not yet written
  std::size_t output_sent = 0;
  Clock::time_point last_activity;
  Clock::time_point accepted;
  std::size_t queries = 0;  // answered on this connection
  std::uint32_t events = 0;
  zones::IpAddress peer;
  bool peer_closed = false;
  bool finishing = false;  // no more queries are read: close once the output is out
  // Both ends, kept for the query log only (getsockname once per connection, when it is on).
  sockaddr_storage peer_address{};
  sockaddr_storage local_address{};
};

TcpServer::TcpServer(std::vector<int> listeners, SnapshotHolder<ServingState>& state,
                     TcpLimits limits, const std::atomic<bool>& stopping, QueryCounters* counters,
                     querylog::WorkerQueryLog* query_log)
    : listeners_(std::move(listeners)),
      state_(state),
      limits_(limits),
      stopping_(stopping),
      response_(new std::uint8_t[kMaxTcpMessage + 2]),
      query_log_(query_log) {
  connections_.reserve(limits_.max_connections);  // the table never rehashes while serving
  per_client_.reserve(limits_.max_connections);
  context_.counters = counters;
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  for (int fd : listeners_) {
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.fd = fd;
    epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &event);
  }
}

TcpServer::~TcpServer() {
  for (auto& [fd, connection] : connections_) ::close(fd);
  if (epoll_fd_ >= 0) ::close(epoll_fd_);
}

void TcpServer::run() noexcept {
  constexpr int kMaxEvents = 64;
  epoll_event events[kMaxEvents];
  auto next_sweep = Clock::now();
  while (!stopping_.load(std::memory_order_relaxed)) {
    int n = epoll_wait(epoll_fd_, events, kMaxEvents, 250);
    for (int i = 0; i < n; ++i) {
      int fd = events[i].data.fd;
      if (std::find(listeners_.begin(), listeners_.end(), fd) != listeners_.end()) {
        accept(fd);
        continue;
      }
      auto it = connections_.find(fd);
      if (it == connections_.end()) continue;
      Connection& connection = *it->second;
      if (events[i].events & (EPOLLERR | EPOLLHUP)) {
        close(fd);
        continue;
      }
      if (events[i].events & EPOLLOUT) {
        onWritable(connection);
        if (!connections_.count(fd)) continue;
      }
      if (events[i].events & EPOLLIN) onReadable(connection);
    }
    if (Clock::now() >= next_sweep) {
      if (limits_changed_.exchange(false)) {
        std::lock_guard lock(next_limits_mutex_);
        limits_.idle_timeout = next_limits_.idle_timeout;
        limits_.max_connection_time = next_limits_.max_connection_time;
        limits_.max_connections = next_limits_.max_connections;
        limits_.max_connections_per_client = next_limits_.max_connections_per_client;
        limits_.max_queries_per_connection = next_limits_.max_queries_per_connection;
        try {
          connections_.reserve(limits_.max_connections);
          per_client_.reserve(limits_.max_connections);
        } catch (const std::bad_alloc&) {
          // The tables grow as connections come instead.
        }
      }
      closeExpired();
      next_sweep = Clock::now() + std::chrono::milliseconds(250);
    }
  }
}

void TcpServer::accept(int listener) noexcept {
  while (true) {
    sockaddr_storage peer{};
    socklen_t peer_length = sizeof peer;
    int fd = accept4(listener, reinterpret_cast<sockaddr*>(&peer), &peer_length,
                     SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;  // EAGAIN, or a connection that died before we took it
    if (connections_.size() >= limits_.max_connections) {
      // RFC 7766 §6.2.2: past the cap, close new connections rather than let them wait.
      ::close(fd);
      count(limit_counters_.refused_max_connections);
      continue;
    }
    const zones::IpAddress address = ipAddressOf(peer);
    // One address may not take every slot: the others' queries still get in (RFC 7766 §6.2.2
    // leaves the policy to the server; BIND and Knot cap per client too).
    if (auto it = per_client_.find(address);
        it != per_client_.end() && it->second >= limits_.max_connections_per_client) {
      ::close(fd);
      count(limit_counters_.refused_per_client);
      continue;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    Connection* connection = nullptr;
    try {
      auto added = connections_.emplace(fd, std::make_unique<Connection>());
      connection = added.first->second.get();
      try {
        ++per_client_[address];
      } catch (const std::bad_alloc&) {
        connections_.erase(fd);
        throw;
      }
    } catch (const std::bad_alloc&) {
      ::close(fd);  // no memory for one more connection: refuse it, keep the others
      continue;
    }
    connection->fd = fd;
    connection->peer = address;
    if (query_log_) {
      connection->peer_address = peer;
      connection->local_address = SocketAddress::localOf(fd).storage;
    }
    connection->last_activity = Clock::now();
    connection->accepted = connection->last_activity;
    connection->events = EPOLLIN;
    epoll_event event{};
    event.events = connection->events;
    event.data.fd = fd;
    if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &event) != 0) close(fd);
  }
}

void TcpServer::onReadable(Connection& connection) noexcept {
  std::uint8_t buffer[16384];
  while (!connection.finishing) {
    ssize_t n = ::read(connection.fd, buffer, sizeof buffer);
    if (n > 0) {
      if (!append(connection.input, buffer, static_cast<std::size_t>(n))) {
        close(connection.fd);
        return;
      }
      if (connection.input.size() > 4 * (kMaxTcpMessage + 2)) break;  // answer before more
      continue;
    }
    if (n == 0) {
      // The client closed its side (RFC 7766 §6.2.4 lets it send queries then FIN): answer what
      // arrived, then close once the answers are out.
      connection.peer_closed = true;
      break;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) break;
    close(connection.fd);
    return;
  }
  answerComplete(connection);
}

void TcpServer::answerComplete(Connection& connection) noexcept {
  const ServingState* state = state_.get();
  std::size_t consumed = 0;
  auto& input = connection.input;
  while (input.size() - consumed >= 2 && !connection.finishing &&
         connection.output.size() - connection.output_sent < limits_.max_pending_output) {
    std::size_t length = loadU16(input.data() + consumed);
    if (input.size() - consumed - 2 < length) break;
    const std::uint8_t* message = input.data() + consumed + 2;
    consumed += 2 + length;
    connection.last_activity = Clock::now();
    if (++connection.queries >= limits_.max_queries_per_connection) {
      // This is the last one: answer it, send everything, close (RFC 7766 §6.2.3 lets a server
      // close a connection it has answered; the client opens another).
      connection.finishing = true;
      count(limit_counters_.closed_queries);
    }
    if (!state) continue;
    QueryResult result = processQuery(*state, message, length, connection.peer, Transport::Tcp,
                                      limits_.advertised_payload, context_, response_.get() + 2);
    if (result.size == 0) continue;
    if (query_log_ && query_log_->sampled()) logExchange(connection, message, length, result);
    storeU16(response_.get(), static_cast<std::uint16_t>(result.size));
    if (!append(connection.output, response_.get(), 2 + result.size)) {
      close(connection.fd);
      return;
    }
  }
  input.erase(input.begin(), input.begin() + static_cast<std::ptrdiff_t>(consumed));
  onWritable(connection);
}

void TcpServer::onWritable(Connection& connection) noexcept {
  int fd = connection.fd;
  while (connection.output_sent < connection.output.size()) {
    ssize_t n = ::send(fd, connection.output.data() + connection.output_sent,
                       connection.output.size() - connection.output_sent, MSG_NOSIGNAL);
    if (n > 0) {
      connection.output_sent += static_cast<std::size_t>(n);
      connection.last_activity = Clock::now();
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    close(fd);
    return;
  }
  if (connection.output_sent == connection.output.size()) {
    connection.output.clear();
    connection.output_sent = 0;
    // Queries held back by backpressure can go now.
    if (!connection.finishing && connection.input.size() >= 2) {
      std::size_t length = loadU16(connection.input.data());
      if (connection.input.size() >= 2 + length) {
        answerComplete(connection);
        return;
      }
    }
    if (connection.finishing) {
      finishAfterOutput(connection);
      return;
    }
    if (connection.peer_closed) {
      close(fd);
      return;
    }
  }
  updateInterest(connection);
}

void TcpServer::finishAfterOutput(Connection& connection) noexcept {
  // Our side first, then what the client has sent past its last query is read and dropped, so
  // that the close does not reset the connection (a reset can discard answers still in flight).
  ::shutdown(connection.fd, SHUT_WR);
  std::uint8_t discard[4096];
  for (int i = 0; i < 16 && ::read(connection.fd, discard, sizeof discard) > 0; ++i) {
  }
  close(connection.fd);
}

void TcpServer::updateInterest(Connection& connection) noexcept {
  std::uint32_t events = 0;
  bool pending = connection.output_sent < connection.output.size();
  if (pending) events |= EPOLLOUT;
  if (!connection.peer_closed && !connection.finishing &&
      connection.output.size() - connection.output_sent < limits_.max_pending_output) {
    events |= EPOLLIN;
  }
  if (events == connection.events) return;
  connection.events = events;
  epoll_event event{};
  event.events = events;
  event.data.fd = connection.fd;
  epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, connection.fd, &event);
}

void TcpServer::close(int fd) noexcept { close(connections_.find(fd)); }

TcpServer::ConnectionTable::iterator TcpServer::close(ConnectionTable::iterator it) noexcept {
  if (it == connections_.end()) return it;
  epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, it->first, nullptr);
  ::close(it->first);
  if (auto client = per_client_.find(it->second->peer); client != per_client_.end()) {
    if (--client->second == 0) per_client_.erase(client);
  }
  return connections_.erase(it);
}

void TcpServer::setLimits(const TcpLimits& limits) {
  std::lock_guard lock(next_limits_mutex_);
  next_limits_ = limits;
  limits_changed_.store(true);
}

void TcpServer::closeExpired() noexcept {
  const auto now = Clock::now();
  const auto idle_deadline = now - limits_.idle_timeout;
  const auto age_deadline = now - limits_.max_connection_time;
  for (auto it = connections_.begin(); it != connections_.end();) {
    const Connection& connection = *it->second;
    if (connection.accepted < age_deadline) {
      count(limit_counters_.closed_connection_time);
      it = close(it);
    } else if (connection.last_activity < idle_deadline) {
      count(limit_counters_.closed_idle);
      it = close(it);
    } else {
      ++it;
    }
  }
}

void TcpServer::logExchange(const Connection& connection, const std::uint8_t* query,
                            std::size_t size, const QueryResult& result) noexcept {
  querylog::Exchange exchange;
  exchange.query = query;
  exchange.query_size = size;
  exchange.response = response_.get() + 2;
  exchange.response_size = result.size;
  exchange.peer = reinterpret_cast<const sockaddr*>(&connection.peer_address);
  exchange.local = reinterpret_cast<const sockaddr*>(&connection.local_address);
  exchange.transport = Transport::Tcp;
  clock_gettime(CLOCK_REALTIME, &exchange.received);
  query_log_->log(exchange, result, context_.policy);
}

}  // namespace nines::dnsd
