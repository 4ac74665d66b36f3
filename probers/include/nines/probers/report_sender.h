// Delivers each signed report to every dnsd at once (one libcurl multi handle, one thread): a
// slow or dead dnsd never delays the others. Each dnsd has its own state: while its previous POST
// is still running it is skipped, and after a failure it waits (interval, 2x, 4x ... up to
// `max_backoff`) before the next try. Failures are logged once when they start, then at most once
// per `log_every` seconds, and once more on recovery.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace nines::probers {

// What came of one report POST to one dnsd.
enum class DeliveryResult {
  Accepted,  // 2xx
  Refused,   // dnsd answered with another status (a bad signature, a replay, too large ...)
  Error,     // no answer: connection refused, timeout
  Skipped,   // not sent: the previous POST was still running, or backing off after failures
};

struct SenderOptions {
  std::vector<std::string> dnsd;  // base URLs; reports go to URL + "/v1/reports"
  std::string prober_id;          // the X-Nines-Prober header
  double interval = 1.0;          // the report interval: the first retry comes one interval later
  double timeout = 1.0;           // per POST, connecting included
  double max_backoff = 10.0;
  double log_every = 30.0;        // seconds between repeated failure lines of one dnsd
  std::function<double()> clock;  // steady seconds; default std::chrono::steady_clock
  // Told of every POST's result (and every skip), with the dnsd's index in `dnsd`; on the thread
  // calling send() and poll(). May be empty.
  std::function<void(std::size_t dnsd_index, DeliveryResult result)> on_result;
};

struct DnsdDelivery {
  std::string url;
  std::uint64_t sent = 0;     // POSTs answered 2xx
  std::uint64_t failed = 0;   // POSTs that failed (no answer, timeout or non-2xx)
  std::uint64_t skipped = 0;  // reports not sent: busy with the previous one or backing off
  std::uint32_t consecutive_failures = 0;
  bool busy = false;
  std::string last_error;
};

class ReportSender {
 public:
  explicit ReportSender(SenderOptions options);
  ~ReportSender();
  ReportSender(const ReportSender&) = delete;
  ReportSender& operator=(const ReportSender&) = delete;

  // Starts a POST of `body` with `signature` to every dnsd that is free and not backing off.
  // Does not block.
  void send(const std::string& body, const std::string& signature);
  // The same for a report sent in parts (encodeReportParts): each dnsd gets them one after the
  // other, in order (their seqs must arrive rising); a failed part ends the round for that dnsd.
  struct SignedBody {
    std::string body;
    std::string signature;
  };
  void send(std::vector<SignedBody> parts);
  // Drives the POSTs in flight for up to `timeout_ms` (less when one finishes or wakeup() is
  // called).
  void poll(int timeout_ms);
  void wakeup();  // thread-safe
  std::vector<DnsdDelivery> deliveries() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace nines::probers
