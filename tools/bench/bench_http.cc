// nines-bench-http ADDRESS:PORT: a loopback HTTP responder for probe_bench.sh, fast enough that
// the prober, not the responder, is what a run measures. One thread, one epoll set, one short
// connection per request (the prober's checks never reuse one):
//   GET /health        200 "ok", counted as a check
//   POST /v1/reports   200 {"applied":0,"ignored":0}, counted as a report (a stand-in dnsd, so
//                      the prober's reporting costs what it costs against a real one)
//   GET /stats         "health=N reports=M other=K\n", not counted (the script reads it)
//   anything else      404, counted as other
// Every answer carries "Connection: close" and the responder closes first, right after writing:
// the TIME_WAIT stays on this side. Runs until SIGTERM or SIGINT.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace {

// A request head larger than this is refused (400): checks and report headers are far smaller.
constexpr std::size_t kMaxHead = 16 * 1024;
// A report body larger than this is refused (413): probers::kMaxReportBody is 4 MiB.
constexpr std::size_t kMaxBody = 8 * 1024 * 1024;

struct Counters {
  std::uint64_t health = 0, reports = 0, other = 0;
};

struct Connection {
  bool open = false;
  std::string data;          // the request so far
  std::size_t head_end = 0;  // offset past "\r\n\r\n"; 0: head not complete yet
  std::size_t body_length = 0;
};

// "127.0.0.1:8080" -> sockaddr_in; false unless an IPv4 address in 127.0.0.0/8 and a port.
bool parseLoopback(const char* text, sockaddr_in& out) {
  std::string s = text;
  auto colon = s.rfind(':');
  if (colon == std::string::npos) return false;
  std::memset(&out, 0, sizeof out);
  out.sin_family = AF_INET;
  if (inet_pton(AF_INET, s.substr(0, colon).c_str(), &out.sin_addr) != 1) return false;
  if ((ntohl(out.sin_addr.s_addr) >> 24) != 127) return false;
  char* end = nullptr;
  long port = std::strtol(s.c_str() + colon + 1, &end, 10);
  if (*end != '\0' || port < 1 || port > 65535) return false;
  out.sin_port = htons(static_cast<std::uint16_t>(port));
  return true;
}

std::size_t contentLength(std::string_view head) {
  // Header names are case-insensitive (RFC 9110 §5.1); only Content-Length matters here.
  static constexpr std::string_view kName = "content-length:";
  std::size_t pos = 0;
  while ((pos = head.find("\r\n", pos)) != std::string_view::npos) {
    pos += 2;
    if (head.size() - pos < kName.size()) break;
    bool match = true;
    for (std::size_t i = 0; i < kName.size() && match; ++i) {
      char c = head[pos + i];
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      match = c == kName[i];
    }
    if (!match) continue;
    std::size_t value = 0, i = pos + kName.size();
    while (i < head.size() && head[i] == ' ') ++i;
    while (i < head.size() && head[i] >= '0' && head[i] <= '9' && value <= kMaxBody) {
      value = value * 10 + static_cast<std::size_t>(head[i++] - '0');
    }
    return value;
  }
  return 0;
}

void reply(int fd, const char* status, std::string_view type, std::string_view body) {
  char head[256];
  int n = std::snprintf(head, sizeof head,
                        "HTTP/1.1 %s\r\nContent-Type: %.*s\r\nContent-Length: %zu\r\n"
                        "Connection: close\r\n\r\n",
                        status, static_cast<int>(type.size()), type.data(), body.size());
  std::string out(head, static_cast<std::size_t>(n));
  out.append(body);
  // A fresh socket's send buffer holds this whole answer; a short write only loses the answer
  // of a client that is going away anyway.
  ssize_t ignored = ::send(fd, out.data(), out.size(), MSG_NOSIGNAL);
  (void)ignored;
}

// Answers a complete request; returns false when `data` does not hold one yet.
bool answer(int fd, Connection& c, Counters& counters) {
  if (c.head_end == 0) {
    auto end = c.data.find("\r\n\r\n");
    if (end == std::string::npos) {
      if (c.data.size() > kMaxHead) {
        reply(fd, "400 Bad Request", "text/plain", "head too large\n");
        ++counters.other;
        return true;
      }
      return false;
    }
    c.head_end = end + 4;
    c.body_length = contentLength(std::string_view(c.data).substr(0, c.head_end));
    if (c.body_length > kMaxBody) {
      reply(fd, "413 Content Too Large", "text/plain", "body too large\n");
      ++counters.other;
      return true;
    }
  }
  if (c.data.size() < c.head_end + c.body_length) return false;
  std::string_view line = std::string_view(c.data).substr(0, c.data.find("\r\n"));
  if (line.starts_with("GET /health ")) {
    ++counters.health;
    reply(fd, "200 OK", "text/plain", "ok\n");
  } else if (line.starts_with("POST /v1/reports ")) {
    ++counters.reports;
    reply(fd, "200 OK", "application/json", R"({"applied":0,"ignored":0})");
  } else if (line.starts_with("GET /stats ")) {
    char text[128];
    int n = std::snprintf(text, sizeof text, "health=%llu reports=%llu other=%llu\n",
                          static_cast<unsigned long long>(counters.health),
                          static_cast<unsigned long long>(counters.reports),
                          static_cast<unsigned long long>(counters.other));
    reply(fd, "200 OK", "text/plain", std::string_view(text, static_cast<std::size_t>(n)));
  } else {
    ++counters.other;
    reply(fd, "404 Not Found", "text/plain", "not found\n");
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  sockaddr_in address{};
  if (argc != 2 || !parseLoopback(argv[1], address)) {
    std::fprintf(stderr, "usage: %s 127.X.Y.Z:PORT\n", argv[0]);
    return 2;
  }
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigprocmask(SIG_BLOCK, &signals, nullptr);
  int signal_fd = signalfd(-1, &signals, SFD_NONBLOCK | SFD_CLOEXEC);

  int listener = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int yes = 1;
  setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  if (listener < 0 || bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      listen(listener, 4096) != 0) {
    std::fprintf(stderr, "nines-bench-http: cannot listen on %s: %s\n", argv[1],
                 std::strerror(errno));
    return 1;
  }
  int epoll = epoll_create1(EPOLL_CLOEXEC);
  epoll_event event{};
  event.events = EPOLLIN;
  event.data.fd = listener;
  epoll_ctl(epoll, EPOLL_CTL_ADD, listener, &event);
  event.data.fd = signal_fd;
  epoll_ctl(epoll, EPOLL_CTL_ADD, signal_fd, &event);
  std::fprintf(stderr, "nines-bench-http: listening on %s\n", argv[1]);

  Counters counters;
  std::vector<Connection> connections;  // by descriptor
  std::vector<epoll_event> events(256);
  std::vector<char> buffer(64 * 1024);
  auto close_connection = [&](int fd) {
    epoll_ctl(epoll, EPOLL_CTL_DEL, fd, nullptr);
    ::close(fd);
    connections[static_cast<std::size_t>(fd)] = Connection{};
  };
  bool running = true;
  while (running) {
    int n = epoll_wait(epoll, events.data(), static_cast<int>(events.size()), -1);
    if (n < 0 && errno != EINTR) break;
    for (int i = 0; i < n; ++i) {
      int fd = events[static_cast<std::size_t>(i)].data.fd;
      if (fd == signal_fd) {
        running = false;
      } else if (fd == listener) {
        while (true) {
          int client = accept4(listener, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
          if (client < 0) break;  // EAGAIN, or a connection already gone: next round
          if (static_cast<std::size_t>(client) >= connections.size()) {
            connections.resize(static_cast<std::size_t>(client) * 2 + 16);
          }
          connections[static_cast<std::size_t>(client)].open = true;
          epoll_event client_event{};
          client_event.events = EPOLLIN | EPOLLRDHUP;
          client_event.data.fd = client;
          epoll_ctl(epoll, EPOLL_CTL_ADD, client, &client_event);
        }
      } else {
        Connection& c = connections[static_cast<std::size_t>(fd)];
        bool done = false;
        while (!done) {
          ssize_t got = ::recv(fd, buffer.data(), buffer.size(), 0);
          if (got > 0) {
            c.data.append(buffer.data(), static_cast<std::size_t>(got));
            done = answer(fd, c, counters);
          } else if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            break;
          } else {
            done = true;  // EOF or an error before a whole request: drop it
          }
        }
        if (done) close_connection(fd);
      }
    }
  }
  std::fprintf(stderr, "nines-bench-http: stopped; health=%llu reports=%llu other=%llu\n",
               static_cast<unsigned long long>(counters.health),
               static_cast<unsigned long long>(counters.reports),
               static_cast<unsigned long long>(counters.other));
  return 0;
}
