// Headless Chromium for tests, driven over the DevTools protocol without any npm package:
// `chromium --headless=new --remote-debugging-pipe` reads commands as NUL-terminated JSON on its
// fd 3 and writes replies and events on its fd 4. One tab, opened on a URL; JavaScript evaluated
// in it; every URL it requested, from the Network domain's events.
//
// Nothing leaves 127.0.0.0/8: everything but loopback goes to a proxy on a closed loopback port,
// and Chromium's background services (updates, safe browsing, sync) are off. The browser runs in
// a process group of its own with a profile in a temporary directory: the destructor kills the
// group and removes the directory, whatever the test did.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <deque>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "process.h"

namespace nines::testing {

class HeadlessBrowser {
 public:
  // The Chromium binary ($NINES_CHROMIUM, else /usr/bin/chromium), or "" when there is none.
  static std::string executable();

  // Starts the browser; ok() says whether it answers, error() why not.
  HeadlessBrowser();
  ~HeadlessBrowser();
  HeadlessBrowser(const HeadlessBrowser&) = delete;
  HeadlessBrowser& operator=(const HeadlessBrowser&) = delete;

  bool ok() const { return ok_; }
  const std::string& error() const { return error_; }

  // Opens a tab on `url` (network events recorded from before the first request); false with
  // error() when the tab could not be opened or navigated.
  bool open(const std::string& url);
  // `expression` evaluated in the tab, its value as JSON (returnByValue); nullopt when it threw
  // or the browser did not answer in time (error() says which).
  std::optional<nlohmann::json> evaluate(const std::string& expression);
  // Polls evaluate(`expression`) until it gives `expected` or `timeout` passes; whether it did.
  // The last value seen is left in *last when given.
  bool waitFor(const std::string& expression, const nlohmann::json& expected,
               std::chrono::milliseconds timeout, nlohmann::json* last = nullptr);
  // Every URL the tab requested so far (documents, scripts, styles, fetches), in order.
  std::vector<std::string> requestedUrls();
  // What the browser wrote to stderr and stdout (for failure messages).
  std::string log() const;

 private:
  // Sends a command (on the tab's session unless `browser_level`) and waits for its reply;
  // nullopt on an error reply or at the deadline.
  std::optional<nlohmann::json> call(const std::string& method, nlohmann::json params,
                                     bool browser_level = false);
  // Reads what the browser has written until `deadline`; false when the pipe closed or the
  // deadline passed. Messages go to replies_/events seen.
  bool readSome(std::chrono::steady_clock::time_point deadline);
  void handle(const nlohmann::json& message);

  TempDir profile_;
  pid_t pid_ = -1;
  int to_browser_ = -1;
  int from_browser_ = -1;
  bool ok_ = false;
  std::string error_;
  std::string session_;
  std::uint64_t next_id_ = 1;
  std::string buffer_;
  std::deque<nlohmann::json> replies_;
  std::vector<std::string> requested_;
};

}  // namespace nines::testing
