// HTTP and HTTPS checks through one libcurl multi handle: every transfer in flight on the engine
// thread, each a fresh connection (a health check measures connecting too, and a reused
// connection would hide a dead listener).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>

#include "curl_library.h"
#include "nines/probers/check_target.h"
#include "probe_transport.h"

namespace nines::probers::detail {

// The first this many bytes of a body are kept for expect_body; the transfer stops there.
inline constexpr std::size_t kMaxBodyKept = 64 * 1024;

class HttpTransport {
 public:
  explicit HttpTransport(std::string user_agent);
  ~HttpTransport();
  HttpTransport(const HttpTransport&) = delete;
  HttpTransport& operator=(const HttpTransport&) = delete;

  // Starts GET scheme://HOST:PORT/path connected to target.address:port (HOST: target.host, or
  // the address when empty). A check that cannot even start is reported in `out` at once.
  void start(std::uint64_t token, const CheckTarget& target, Outcomes& out);
  void cancel(std::uint64_t token);
  void cancelAll();
  // Sleeps until a transfer has work, `extra_fd` (-1: none) is readable, wakeup() is called or
  // `timeout_ms` passes, whichever comes first.
  void wait(int extra_fd, int timeout_ms);
  // Thread-safe: ends a wait() early.
  void wakeup();
  // Drives the transfers and appends every one that finished.
  void collect(Outcomes& out);
  std::size_t inFlight() const { return transfers_.size(); }

 private:
  struct Transfer;
  // Loads libcurl and creates the multi handle on the first HTTP check; false with `error` set
  // when libcurl cannot be loaded.
  bool ready(std::string& error);
  void finish(Transfer& transfer, int code, Outcomes& out);

  const CurlLibrary* curl_ = nullptr;
  CURLM* multi_ = nullptr;
  std::string user_agent_;
  int wake_fd_;  // an eventfd: wakeup() ends a wait() whether or not libcurl is loaded yet
  std::unordered_map<std::uint64_t, std::unique_ptr<Transfer>> transfers_;
};

}  // namespace nines::probers::detail
