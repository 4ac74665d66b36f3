// nines-demo-backend ADDRESS:PORT [DELAY_FILE]: a stand-in for a service's endpoint in the demo.
// Answers GET /health with 200 "ok" (and any other GET with a line naming itself) on ADDRESS:PORT
// until SIGTERM or SIGINT, so the demo's health checks have something real to pass, and killing one
// shows a failover. Exits 1 when the address cannot be bound (for instance, already taken).
//
// DELAY_FILE (optional, read again on every request so it can be changed while running) simulates
// distance, as this machine has no netem: lines "PREFIX MILLISECONDS"; a request whose source
// address starts with PREFIX waits that long before its answer, "*" matches any source, the first
// matching line wins, a missing file means no delay. The HA bed (tools/ha-bed.sh) uses it to give
// each region's probers a different RTT to each region's backends.
#include <httplib.h>
#include <signal.h>
#include <sys/socket.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

namespace {

// "127.0.0.22:8081" or "[::1]:8081" -> host and port; false when it is neither.
bool splitAddress(const std::string& text, std::string& host, int& port) {
  const std::size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 >= text.size()) return false;
  host = text.substr(0, colon);
  if (host.front() == '[') {
    if (host.size() < 3 || host.back() != ']') return false;
    host = host.substr(1, host.size() - 2);
  }
  char* end = nullptr;
  const long value = std::strtol(text.c_str() + colon + 1, &end, 10);
  if (*end != '\0' || value < 1 || value > 65535) return false;
  port = static_cast<int>(value);
  return true;
}

// The delay DELAY_FILE gives a request from `source` (see the top of this file), in milliseconds.
long delayFor(const std::string& delay_file, const std::string& source) {
  if (delay_file.empty()) return 0;
  std::ifstream in(delay_file);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string prefix;
    long milliseconds = 0;
    if (!(fields >> prefix >> milliseconds) || prefix.front() == '#') continue;
    if (prefix == "*" || source.rfind(prefix, 0) == 0) return milliseconds > 0 ? milliseconds : 0;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string host;
  int port = 0;
  if ((argc != 2 && argc != 3) || !splitAddress(argv[1], host, port)) {
    std::fprintf(stderr, "usage: %s ADDRESS:PORT [DELAY_FILE]   (e.g. 127.0.0.21:8081)\n", argv[0]);
    return 2;
  }
  const std::string name = argv[1];
  const std::string delay_file = argc == 3 ? argv[2] : "";

  // Signals are taken by this thread with sigwait(); the server thread inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  httplib::Server server;
  // SO_REUSEADDR only: cpp-httplib's default (SO_REUSEPORT) would let a second backend share the
  // address, and the demo would then not fail over when one of them is killed.
  server.set_socket_options([](socket_t fd) {
    int yes = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  server.Get("/health",
             [&delay_file](const httplib::Request& request, httplib::Response& response) {
               std::this_thread::sleep_for(
                   std::chrono::milliseconds(delayFor(delay_file, request.remote_addr)));
               response.set_content("ok\n", "text/plain");
             });
  server.Get(R"(/.*)", [&name](const httplib::Request&, httplib::Response& response) {
    response.set_content("nines-demo-backend " + name + "\n", "text/plain");
  });
  if (!server.bind_to_port(host, port)) {
    std::fprintf(stderr, "nines-demo-backend: cannot listen on %s\n", name.c_str());
    return 1;
  }
  std::thread serving([&server] { server.listen_after_bind(); });
  std::fprintf(stderr, "nines-demo-backend: listening on %s (GET /health)\n", name.c_str());

  int received = 0;
  sigwait(&signals, &received);
  server.stop();
  serving.join();
  std::fprintf(stderr, "nines-demo-backend %s: stopped\n", name.c_str());
  return 0;
}
