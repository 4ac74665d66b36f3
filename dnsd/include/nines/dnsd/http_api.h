// dnsd's HTTP port (DESIGN.md "HTTP API"): GET /v1/status, POST /v1/drain and /v1/undrain
// (bearer token), GET / (status page), and with test hooks on, POST /v1/test/health.
// Control plane only: one thread, never on the query path.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "nines/dnsd/config.h"
#include "nines/dnsd/health_state.h"
#include "nines/dnsd/socket_address.h"

namespace httplib {
class Server;
}

namespace nines::dnsd {

// What the API asks of the server. Each call returns an HTTP status and a JSON body.
struct ControlHandlers {
  std::function<std::string()> status;  // JSON
  std::function<int(const HealthSelector&, bool drained, std::string& body)> drain;
  std::function<int(const HealthSelector&, const std::string& state, std::string& body)> setHealth;
};

class HttpApi {
 public:
  HttpApi(HttpConfig config, ControlHandlers handlers);
  ~HttpApi();
  HttpApi(const HttpApi&) = delete;
  HttpApi& operator=(const HttpApi&) = delete;

  // Binds every address; false with `error` on failure.
  bool open(std::string* error);
  void start();
  void stop();
  const std::vector<SocketAddress>& boundAddresses() const noexcept { return bound_; }

 private:
  HttpConfig config_;
  ControlHandlers handlers_;
  std::vector<std::unique_ptr<httplib::Server>> servers_;
  std::vector<std::thread> threads_;
  std::vector<SocketAddress> bound_;
};

}  // namespace nines::dnsd
