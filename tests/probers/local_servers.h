// Servers the probers tests start on 127.0.0.1 (ports the kernel picks): an HTTP backend, a
// listener that never answers, a DNS responder, a fake dnsd that records reports, and the
// `prober` binary itself.
#pragma once

#include <sys/types.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "process.h"

namespace httplib {
class Server;
}

namespace nines::probers::testing {

// GET /health (any path) answers `status` with `body`; records the last request's headers.
class HttpBackend {
 public:
  HttpBackend();
  ~HttpBackend();
  // Listens on `host`:`port` (0: any); false when the port cannot be bound.
  bool start(std::uint16_t port = 0, const std::string& host = "127.0.0.1");
  // Serves HTTPS with this certificate and key (PEM files) from the next start() on.
  void useTls(std::string cert_path, std::string key_path);
  void stop();
  std::uint16_t port() const { return port_; }
  void respond(int status, std::string body);
  int hits() const { return hits_; }
  std::string lastHeader(const std::string& name) const;

 private:
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  std::uint16_t port_ = 0;
  std::string cert_path_, key_path_;
  mutable std::mutex mutex_;
  int status_ = 200;
  std::string body_ = "ok";
  std::vector<std::pair<std::string, std::string>> headers_;
  std::atomic<int> hits_{0};
};

// A self-signed certificate for `name` (EC P-256, one day) and its key, written as PEM into
// `directory` by the openssl command; false when that failed.
bool makeCertificate(const std::string& directory, const std::string& name, std::string& cert_path,
                     std::string& key_path);

// A TCP socket listening on 127.0.0.1 that never accepts: connects complete (the kernel's
// backlog), requests are never answered.
class SilentListener {
 public:
  SilentListener();
  ~SilentListener();
  std::uint16_t port() const { return port_; }
  // Whether a client has connected (its connection waits in the backlog) within `timeout_ms`.
  bool connectionPending(int timeout_ms) const;

 private:
  int fd_ = -1;
  std::uint16_t port_ = 0;
};

// Answers every DNS query on 127.0.0.1 with the question echoed, QR and AA set and `rcode`
// (silent while `rcode` is negative).
class DnsResponder {
 public:
  DnsResponder();
  ~DnsResponder();
  std::uint16_t port() const { return port_; }
  void setRcode(int rcode) { rcode_ = rcode; }
  // Adds one A record with these four octets to every answer (TTL 60, owner = the question).
  void setAnswerA(std::array<std::uint8_t, 4> address) {
    answer_a_ = (std::uint32_t{address[0]} << 24) | (std::uint32_t{address[1]} << 16) |
                (std::uint32_t{address[2]} << 8) | address[3];
    has_answer_ = true;
  }
  int queries() const { return queries_; }

 private:
  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<int> rcode_{0};
  std::atomic<int> queries_{0};
  std::atomic<bool> has_answer_{false};
  std::atomic<std::uint32_t> answer_a_{0};
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// What the fake dnsd received: one POST /v1/reports.
struct ReceivedReport {
  std::chrono::steady_clock::time_point at;
  std::string body;
  std::string prober;     // X-Nines-Prober
  std::string signature;  // X-Nines-Signature
};

// A dnsd stand-in: records POST /v1/reports (answers 200) and serves GET /v1/checks from
// setChecks() (503 while it is unset).
class FakeDnsd {
 public:
  FakeDnsd();
  ~FakeDnsd();
  std::uint16_t port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::vector<ReceivedReport> reports() const;
  void setChecks(std::optional<std::string> body);
  int checkFetches() const { return check_fetches_; }
  // Reports whose body contains `marker` are answered 503 (still recorded); empty: none.
  void refuseReportsContaining(std::string marker);

 private:
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  std::uint16_t port_ = 0;
  mutable std::mutex mutex_;
  std::vector<ReceivedReport> reports_;
  std::optional<std::string> checks_;
  std::string refuse_marker_;
  std::atomic<int> check_fetches_{0};
};

// The prober binary of this build, started with `--config PATH`; stderr goes to PATH.log.
class ProberProcess : public nines::testing::ChildProcess {
 public:
  explicit ProberProcess(const std::string& config_path) : ChildProcess("prober", config_path) {}
};

}  // namespace nines::probers::testing
