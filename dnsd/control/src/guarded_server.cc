#include "guarded_server.h"

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>

#include "nines/dnsd/net/socket_address.h"

namespace nines::dnsd {

namespace {

using Clock = std::chrono::steady_clock;

Clock::duration seconds(double value) {
  return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(value));
}

// An address without its port, "" when there is none: what limits are kept by.
std::string addressText(const SocketAddress& address) {
  const zones::IpAddress ip = ipAddressOf(address.storage);
  return ip.family == 0 ? "" : ip.toString();
}

// A socket stream whose every wait ends at the connection's deadline: header_timeout after the
// accept until the headers are in, request_timeout after it from then on. Each read or write
// also waits at most cpp-httplib's own timeouts.
class DeadlineStream : public httplib::Stream {
 public:
  DeadlineStream(int fd, Clock::time_point accepted, const ApiLimits& limits,
                 std::chrono::milliseconds read_timeout, std::chrono::milliseconds write_timeout)
      : fd_(fd),
        header_deadline_(accepted + seconds(limits.header_timeout)),
        request_deadline_(accepted + seconds(limits.request_timeout)),
        read_timeout_(read_timeout),
        write_timeout_(write_timeout) {}

  void headersRead() { headers_read_ = true; }
  // Whether the first byte of a request comes within `timeout` (and the deadline).
  bool requestWithin(std::chrono::milliseconds timeout) const { return wait(POLLIN, timeout); }

  bool is_readable() const override { return wait(POLLIN, read_timeout_); }
  bool is_writable() const override { return wait(POLLOUT, write_timeout_); }

  ssize_t read(char* data, size_t size) override {
    if (!is_readable()) return -1;
    while (true) {
      const ssize_t n = ::read(fd_, data, size);
      if (n < 0 && errno == EINTR) continue;
      return n;
    }
  }

  ssize_t write(const char* data, size_t size) override {
    if (!is_writable()) return -1;
    while (true) {
      // dnsd ignores SIGPIPE (base/signals.h): a client gone is an error return here.
      const ssize_t n = ::write(fd_, data, size);
      if (n < 0 && errno == EINTR) continue;
      return n;
    }
  }

  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    const SocketAddress peer = SocketAddress::peerOf(fd_);
    ip = addressText(peer);
    port = peer.port();
  }

  void get_local_ip_and_port(std::string& ip, int& port) const override {
    const SocketAddress local = SocketAddress::localOf(fd_);
    ip = addressText(local);
    port = local.port();
  }

  socket_t socket() const override { return fd_; }

 private:
  // Whether `events` come before both the deadline and `timeout` from now.
  bool wait(short events, std::chrono::milliseconds timeout) const {
    const auto deadline = headers_read_ ? request_deadline_ : header_deadline_;
    while (true) {
      const auto now = Clock::now();
      if (now >= deadline) return false;
      const auto left = std::min<Clock::duration>(deadline - now, timeout);
      pollfd p{fd_, events, 0};
      const int ready = ::poll(
          &p, 1, static_cast<int>(std::chrono::ceil<std::chrono::milliseconds>(left).count()));
      if (ready < 0 && errno == EINTR) continue;
      if (ready <= 0) return false;
      return (p.revents & (events | POLLHUP | POLLERR)) != 0;
    }
  }

  int fd_;
  Clock::time_point header_deadline_;
  Clock::time_point request_deadline_;
  std::chrono::milliseconds read_timeout_;
  std::chrono::milliseconds write_timeout_;
  bool headers_read_ = false;
};

thread_local DeadlineStream* current_stream = nullptr;
thread_local std::string current_client;

}  // namespace

const std::string& GuardedServer::currentClient() { return current_client; }

void GuardedServer::headersRead() {
  if (current_stream != nullptr) current_stream->headersRead();
}

bool GuardedServer::process_and_close_socket(socket_t sock) {
  const auto accepted = Clock::now();
  const std::string client = addressText(SocketAddress::peerOf(sock));
  bool served = false;
  if (guard_.admit(client)) {
    using std::chrono::milliseconds;
    using std::chrono::seconds;
    DeadlineStream stream(
        sock, accepted, guard_.limits(),
        std::chrono::duration_cast<milliseconds>(seconds(read_timeout_sec_)) +
            std::chrono::duration_cast<milliseconds>(std::chrono::microseconds(read_timeout_usec_)),
        std::chrono::duration_cast<milliseconds>(seconds(write_timeout_sec_)) +
            std::chrono::duration_cast<milliseconds>(
                std::chrono::microseconds(write_timeout_usec_)));
    current_stream = &stream;
    current_client = client;
    bool connection_closed = false;
    // A connection that sends nothing has its thread for keep_alive_timeout at most, as with
    // cpp-httplib's own loop.
    if (stream.requestWithin(std::chrono::seconds(keep_alive_timeout_sec_))) {
      served = process_request(stream, true, connection_closed, nullptr);
    }
    current_stream = nullptr;
    current_client.clear();
    guard_.release(client);
  }
  // A close, no shutdown first: cpp-httplib has read the request it answered, so nothing unread
  // turns the close into a reset that could lose the response.
  ::close(sock);
  return served;
}

}  // namespace nines::dnsd
