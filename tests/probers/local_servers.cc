#include "local_servers.h"

#include <httplib.h>
#include <poll.h>
#include <signal.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>

#include "loopback.h"
#include "process.h"

namespace nines::probers::testing {

namespace {

// Binds `server` to `host`:`port` (0: any) and serves it on `thread`; the bound port or 0.
std::uint16_t serve(httplib::Server& server, std::thread& thread, std::uint16_t port,
                    const std::string& host = "127.0.0.1") {
  int bound =
      port == 0 ? server.bind_to_any_port(host) : (server.bind_to_port(host, port) ? port : -1);
  if (bound <= 0) return 0;
  thread = std::thread([&server] { server.listen_after_bind(); });
  nines::testing::waitUntil([&] { return server.is_running(); }, std::chrono::seconds(10));
  return static_cast<std::uint16_t>(bound);
}

}  // namespace

HttpBackend::HttpBackend() = default;

HttpBackend::~HttpBackend() { stop(); }

void HttpBackend::useTls(std::string cert_path, std::string key_path) {
  cert_path_ = std::move(cert_path);
  key_path_ = std::move(key_path);
}

bool HttpBackend::start(std::uint16_t port, const std::string& host) {
  stop();
  if (cert_path_.empty()) {
    server_ = std::make_unique<httplib::Server>();
  } else {
    server_ = std::make_unique<httplib::SSLServer>(cert_path_.c_str(), key_path_.c_str());
  }
  server_->Get(R"(/.*)", [this](const httplib::Request& request, httplib::Response& response) {
    ++hits_;
    std::lock_guard lock(mutex_);
    headers_.assign(request.headers.begin(), request.headers.end());
    response.status = status_;
    response.set_content(body_, "text/plain");
  });
  port_ = serve(*server_, thread_, port, host);
  return port_ != 0;
}

void HttpBackend::stop() {
  if (server_) server_->stop();
  if (thread_.joinable()) thread_.join();
  server_.reset();
}

void HttpBackend::respond(int status, std::string body) {
  std::lock_guard lock(mutex_);
  status_ = status;
  body_ = std::move(body);
}

std::string HttpBackend::lastHeader(const std::string& name) const {
  std::lock_guard lock(mutex_);
  for (const auto& [key, value] : headers_) {
    if (strcasecmp(key.c_str(), name.c_str()) == 0) return value;
  }
  return "";
}

bool makeCertificate(const std::string& directory, const std::string& name, std::string& cert_path,
                     std::string& key_path) {
  cert_path = directory + "/cert.pem";
  key_path = directory + "/key.pem";
  auto result = nines::testing::runCommand(
      {"/usr/bin/openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
       "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key_path, "-out", cert_path, "-days",
       "1", "-subj", "/CN=" + name, "-addext", "subjectAltName=DNS:" + name},
      std::chrono::seconds(30));
  return result.status == 0;
}

SilentListener::SilentListener() {
  nines::testing::BoundSocket socket(SOCK_STREAM);
  if (!socket.listen(64)) return;
  port_ = socket.port();
  fd_ = socket.release();
}

SilentListener::~SilentListener() {
  if (fd_ >= 0) close(fd_);
}

bool SilentListener::connectionPending(int timeout_ms) const {
  pollfd poll_fd{fd_, POLLIN, 0};
  return fd_ >= 0 && poll(&poll_fd, 1, timeout_ms) == 1;
}

DnsResponder::DnsResponder() {
  nines::testing::BoundSocket socket(SOCK_DGRAM);
  if (!socket.bound()) return;
  port_ = socket.port();
  fd_ = socket.release();
  thread_ = std::thread([this] {
    while (!stop_) {
      pollfd poll_fd{fd_, POLLIN, 0};
      if (poll(&poll_fd, 1, 50) <= 0) continue;
      std::uint8_t buffer[512];
      sockaddr_storage peer{};
      socklen_t peer_length = sizeof peer;
      ssize_t n =
          recvfrom(fd_, buffer, sizeof buffer, 0, reinterpret_cast<sockaddr*>(&peer), &peer_length);
      if (n < 12) continue;
      ++queries_;
      int rcode = rcode_;
      if (rcode < 0) continue;
      buffer[2] = static_cast<std::uint8_t>(buffer[2] | 0x84);  // QR, AA
      buffer[3] = static_cast<std::uint8_t>(rcode & 0x0f);
      auto size = static_cast<std::size_t>(n);
      if (has_answer_ && size + 16 <= sizeof buffer) {
        std::uint32_t a = answer_a_;
        const std::uint8_t record[16] = {0xC0,
                                         0x0C,
                                         0,
                                         1,
                                         0,
                                         1,
                                         0,
                                         0,
                                         0,
                                         60,
                                         0,
                                         4,
                                         static_cast<std::uint8_t>(a >> 24),
                                         static_cast<std::uint8_t>(a >> 16),
                                         static_cast<std::uint8_t>(a >> 8),
                                         static_cast<std::uint8_t>(a)};
        std::memcpy(buffer + size, record, sizeof record);
        size += sizeof record;
        buffer[7] = 1;  // ANCOUNT
      }
      sendto(fd_, buffer, size, 0, reinterpret_cast<sockaddr*>(&peer), peer_length);
    }
  });
}

DnsResponder::~DnsResponder() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  if (fd_ >= 0) close(fd_);
}

FakeDnsd::FakeDnsd() : server_(std::make_unique<httplib::Server>()) {
  server_->Post(
      "/v1/reports", [this](const httplib::Request& request, httplib::Response& response) {
        std::lock_guard lock(mutex_);
        reports_.push_back({std::chrono::steady_clock::now(), request.body,
                            request.get_header_value("X-Nines-Prober"),
                            request.get_header_value("X-Nines-Signature")});
        if (!refuse_marker_.empty() && request.body.find(refuse_marker_) != std::string::npos) {
          response.status = 503;
        }
        response.set_content("{}", "application/json");
      });
  server_->Get("/v1/checks", [this](const httplib::Request&, httplib::Response& response) {
    ++check_fetches_;
    std::lock_guard lock(mutex_);
    if (!checks_) {
      response.status = 503;
      return;
    }
    response.set_content(*checks_, "application/json");
  });
  port_ = serve(*server_, thread_, 0);
}

FakeDnsd::~FakeDnsd() {
  server_->stop();
  if (thread_.joinable()) thread_.join();
}

std::vector<ReceivedReport> FakeDnsd::reports() const {
  std::lock_guard lock(mutex_);
  return reports_;
}

void FakeDnsd::refuseReportsContaining(std::string marker) {
  std::lock_guard lock(mutex_);
  refuse_marker_ = std::move(marker);
}

void FakeDnsd::setChecks(std::optional<std::string> body) {
  std::lock_guard lock(mutex_);
  checks_ = std::move(body);
}

}  // namespace nines::probers::testing
