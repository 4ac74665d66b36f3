#include "metrics_server.h"

#include <httplib.h>
#include <sys/socket.h>

namespace nines::probers::detail {

MetricsServer::MetricsServer(std::function<std::string()> render) : render_(std::move(render)) {}

MetricsServer::~MetricsServer() { stop(); }

std::uint16_t MetricsServer::start(const std::string& host, std::uint16_t port,
                                   std::string* error) {
  server_ = std::make_unique<httplib::Server>();
  // SO_REUSEADDR only: cpp-httplib's default SO_REUSEPORT would let a second prober share the
  // port and answer half the scrapes.
  server_->set_socket_options([](socket_t sock) {
    int one = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  });
  server_->set_read_timeout(5, 0);
  server_->set_write_timeout(5, 0);
  server_->set_payload_max_length(4096);
  // Two threads: scrapes come from one or two Prometheus servers, not from the world.
  server_->new_task_queue = [] { return new httplib::ThreadPool(2); };
  server_->Get("/metrics", [this](const httplib::Request&, httplib::Response& response) {
    response.set_content(render_(), "text/plain; version=0.0.4; charset=utf-8");
  });
  const int bound =
      port == 0 ? server_->bind_to_any_port(host) : (server_->bind_to_port(host, port) ? port : -1);
  if (bound <= 0) {
    *error = "cannot bind metrics_listen " +
             (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" +
             std::to_string(port);
    server_.reset();
    return 0;
  }
  thread_ = std::thread([server = server_.get()] { server->listen_after_bind(); });
  return static_cast<std::uint16_t>(bound);
}

void MetricsServer::stop() {
  if (server_) server_->stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace nines::probers::detail
