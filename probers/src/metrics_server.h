// The prober's tiny HTTP server: GET /metrics and nothing else, on a thread of its own, so a slow
// scrape never delays a check or a report.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>

namespace httplib {
class Server;
}

namespace nines::probers::detail {

class MetricsServer {
 public:
  // `render` produces the exposition; called on the server's thread for each scrape.
  explicit MetricsServer(std::function<std::string()> render);
  ~MetricsServer();  // stops
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  // Binds `host`:`port` (port 0: the kernel picks) and starts serving. Returns the bound port, or
  // 0 with `error` set.
  std::uint16_t start(const std::string& host, std::uint16_t port, std::string* error);
  void stop();

 private:
  std::function<std::string()> render_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
};

}  // namespace nines::probers::detail
