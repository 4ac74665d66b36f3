#include "guarded_server.h"

#include <arpa/inet.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>

namespace nines::dnsd {

namespace {

using Clock = std::chrono::steady_clock;

Clock::duration seconds(double value) {
  return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(value));
}

std::string addressText(const sockaddr_storage& address) {
  char text[INET6_ADDRSTRLEN] = "";
  if (address.ss_family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in&>(address).sin_addr, text, sizeof text);
  } else if (address.ss_family == AF_INET6) {
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6&>(address).sin6_addr, text,
              sizeof text);
  }
  return text;
}

int portOf(const sockaddr_storage& address) {
  if (address.ss_family == AF_INET) {
    return ntohs(reinterpret_cast<const sockaddr_in&>(address).sin_port);
  }
  if (address.ss_family == AF_INET6) {
    return ntohs(reinterpret_cast<const sockaddr_in6&>(address).sin6_port);
  }
  return -1;
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
      const ssize_t n = ::recv(fd_, data, size, 0);
      if (n < 0 && errno == EINTR) continue;
      return n;
    }
  }

  ssize_t write(const char* data, size_t size) override {
    if (!is_writable()) return -1;
    while (true) {
      const ssize_t n = ::send(fd_, data, size, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      return n;
    }
  }

  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    sockaddr_storage address{};
    socklen_t length = sizeof address;
    if (getpeername(fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0) return;
    ip = addressText(address);
    port = portOf(address);
  }

  void get_local_ip_and_port(std::string& ip, int& port) const override {
    sockaddr_storage address{};
    socklen_t length = sizeof address;
    if (getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0) return;
    ip = addressText(address);
    port = portOf(address);
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
  sockaddr_storage peer{};
  socklen_t length = sizeof peer;
  std::string client =
      getpeername(sock, reinterpret_cast<sockaddr*>(&peer), &length) == 0 ? addressText(peer) : "";
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
  ::shutdown(sock, SHUT_RDWR);
  ::close(sock);
  return served;
}

}  // namespace nines::dnsd
