#include "nines/probers/report_sender.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <mutex>
#include <stdexcept>

#include "curl_library.h"
#include "nines/base/log.h"
#include "nines/probers/report.h"
#include "probe_transport.h"

namespace nines::probers {

namespace {

constexpr std::size_t kMaxReplyKept = 512;  // of an error reply, for the log

double steadySeconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

std::size_t keepReply(char* data, std::size_t size, std::size_t count, void* user) {
  auto* reply = static_cast<std::string*>(user);
  std::size_t bytes = size * count;
  reply->append(data, std::min(bytes, kMaxReplyKept - std::min(kMaxReplyKept, reply->size())));
  return bytes;
}

std::string oneLine(std::string text, std::size_t limit) {
  for (char& c : text) {
    if (static_cast<unsigned char>(c) < ' ') c = ' ';
  }
  return text.size() <= limit ? text : text.substr(0, limit) + "...";
}

}  // namespace

struct ReportSender::Impl {
  struct Dnsd {
    DnsdDelivery delivery;
    std::string endpoint;  // URL + "/v1/reports"
    CURL* easy = nullptr;  // the POST in flight
    curl_slist* headers = nullptr;
    // This round's parts, and the next one to send after the one in flight.
    std::shared_ptr<const std::vector<SignedBody>> round;
    std::size_t next_part = 0;
    std::string reply;
    char error[CURL_ERROR_SIZE] = {};
    double started = 0;
    double next_attempt = 0;
    double last_logged = -1e18;
    std::size_t index = 0;  // in options.dnsd
  };

  explicit Impl(SenderOptions sender_options) : options(std::move(sender_options)) {
    if (!options.clock) options.clock = steadySeconds;
    std::string error;
    curl = detail::curlLibrary(&error);
    if (!curl)
      throw std::runtime_error("reports are sent with libcurl, which cannot be loaded: " + error);
    multi = curl->multi_init();
    for (const auto& url : options.dnsd) {
      auto dnsd = std::make_unique<Dnsd>();
      dnsd->delivery.url = url;
      dnsd->endpoint = url + "/v1/reports";
      dnsd->index = dnsds.size();
      dnsds.push_back(std::move(dnsd));
    }
  }

  ~Impl() {
    for (auto& dnsd : dnsds) release(*dnsd);
    curl->multi_cleanup(multi);
  }

  void release(Dnsd& dnsd) {
    if (dnsd.easy) {
      curl->multi_remove_handle(multi, dnsd.easy);
      curl->easy_cleanup(dnsd.easy);
      dnsd.easy = nullptr;
    }
    if (dnsd.headers) curl->slist_free_all(dnsd.headers);
    dnsd.headers = nullptr;
    std::lock_guard lock(mutex);
    dnsd.delivery.busy = false;
  }

  // Posts part `next_part` of the dnsd's round.
  void start(Dnsd& dnsd, double now);
  void done(Dnsd& dnsd, CURLcode result, double now);
  void tell(const Dnsd& dnsd, DeliveryResult result) const {
    if (options.on_result) options.on_result(dnsd.index, result);
  }

  SenderOptions options;
  const detail::CurlLibrary* curl = nullptr;
  CURLM* multi = nullptr;
  std::vector<std::unique_ptr<Dnsd>> dnsds;
  mutable std::mutex mutex;  // guards each Dnsd::delivery for deliveries()
};

void ReportSender::Impl::start(Dnsd& dnsd, double now) {
  if (!dnsd.round || dnsd.next_part >= dnsd.round->size()) return;
  const SignedBody& part = (*dnsd.round)[dnsd.next_part++];
  const std::string& signature = part.signature;
  dnsd.easy = curl->easy_init();
  if (!dnsd.easy) return;
  dnsd.reply.clear();
  dnsd.error[0] = '\0';
  dnsd.started = now;
  dnsd.headers = curl->slist_append(nullptr, "Content-Type: application/json");
  dnsd.headers = curl->slist_append(
      dnsd.headers, (std::string(kProberHeader) + ": " + options.prober_id).c_str());
  dnsd.headers =
      curl->slist_append(dnsd.headers, (std::string(kSignatureHeader) + ": " + signature).c_str());
  // No "Expect: 100-continue" round trip (curl adds one for bodies over 1 KiB).
  dnsd.headers = curl->slist_append(dnsd.headers, "Expect:");
  long timeout_ms = std::max(1L, static_cast<long>(options.timeout * 1000));
  CURL* easy = dnsd.easy;
  curl->easy_setopt(easy, CURLOPT_URL, dnsd.endpoint.c_str());
  curl->easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
  curl->easy_setopt(easy, CURLOPT_PROXY, "");
  curl->easy_setopt(easy, CURLOPT_NOPROXY, "*");
  curl->easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl->easy_setopt(easy, CURLOPT_HTTPHEADER, dnsd.headers);
  // The round's parts live until every dnsd is done with them (a shared_ptr each).
  curl->easy_setopt(easy, CURLOPT_POSTFIELDS, part.body.data());
  curl->easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(part.body.size()));
  curl->easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
  curl->easy_setopt(easy, CURLOPT_TIMEOUT_MS, timeout_ms);
  curl->easy_setopt(easy, CURLOPT_USERAGENT, "Nines-prober/0.1");
  curl->easy_setopt(easy, CURLOPT_WRITEFUNCTION, keepReply);
  curl->easy_setopt(easy, CURLOPT_WRITEDATA, &dnsd.reply);
  curl->easy_setopt(easy, CURLOPT_ERRORBUFFER, dnsd.error);
  curl->easy_setopt(easy, CURLOPT_PRIVATE, &dnsd);
  if (curl->multi_add_handle(multi, easy) != CURLM_OK) {
    curl->easy_cleanup(easy);
    dnsd.easy = nullptr;
    return;
  }
  std::lock_guard lock(mutex);
  dnsd.delivery.busy = true;
}

void ReportSender::Impl::done(Dnsd& dnsd, CURLcode result, double now) {
  long status = 0;
  curl->easy_getinfo(dnsd.easy, CURLINFO_RESPONSE_CODE, &status);
  std::string problem;
  if (result == CURLE_OPERATION_TIMEDOUT) {
    problem = detail::timeoutReason(options.timeout);
  } else if (result != CURLE_OK) {
    problem = dnsd.error[0] ? dnsd.error : curl->easy_strerror(result);
  } else if (status < 200 || status > 299) {
    problem = "HTTP " + std::to_string(status) + " " + oneLine(dnsd.reply, 200);
  }
  release(dnsd);
  tell(dnsd, problem.empty()                     ? DeliveryResult::Accepted
             : result == CURLE_OK && status != 0 ? DeliveryResult::Refused
                                                 : DeliveryResult::Error);
  std::unique_lock lock(mutex);
  DnsdDelivery& delivery = dnsd.delivery;
  if (problem.empty()) {
    ++delivery.sent;
    std::uint32_t failures = delivery.consecutive_failures;
    delivery.consecutive_failures = 0;
    delivery.last_error.clear();
    dnsd.next_attempt = 0;
    lock.unlock();
    if (failures > 0) {
      base::logInfo("reports to " + delivery.url + " delivered again after " +
                    std::to_string(failures) + " failures");
    }
    start(dnsd, now);  // the round's next part, if any
    return;
  }
  dnsd.round.reset();
  ++delivery.failed;
  std::uint32_t failures = ++delivery.consecutive_failures;
  delivery.last_error = problem;
  lock.unlock();
  // The first retry comes with the next report; each further failure doubles the wait.
  double backoff =
      std::min(options.max_backoff, options.interval * std::pow(2.0, std::min(failures - 1, 30u)));
  dnsd.next_attempt = dnsd.started + backoff - options.interval / 10;
  if (failures == 1) {
    base::logWarning("report to " + delivery.url + " failed: " + problem +
                     " (retrying with backoff up to " + detail::secondsText(options.max_backoff) +
                     " s)");
    dnsd.last_logged = now;
  } else if (now - dnsd.last_logged >= options.log_every) {
    base::logWarning("reports to " + delivery.url + " still failing (" + std::to_string(failures) +
                     " in a row): " + problem);
    dnsd.last_logged = now;
  }
}

ReportSender::ReportSender(SenderOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}

ReportSender::~ReportSender() = default;

void ReportSender::send(const std::string& body, const std::string& signature) {
  send(std::vector<SignedBody>{{body, signature}});
}

void ReportSender::send(std::vector<SignedBody> parts) {
  double now = impl_->options.clock();
  auto round = std::make_shared<const std::vector<SignedBody>>(std::move(parts));
  for (auto& dnsd : impl_->dnsds) {
    if (dnsd->easy || now < dnsd->next_attempt) {
      {
        std::lock_guard lock(impl_->mutex);
        ++dnsd->delivery.skipped;
      }
      impl_->tell(*dnsd, DeliveryResult::Skipped);
      continue;
    }
    dnsd->round = round;
    dnsd->next_part = 0;
    impl_->start(*dnsd, now);
  }
}

void ReportSender::poll(int timeout_ms) {
  impl_->curl->multi_poll(impl_->multi, nullptr, 0, std::max(0, timeout_ms), nullptr);
  int running = 0;
  impl_->curl->multi_perform(impl_->multi, &running);
  int left = 0;
  while (CURLMsg* message = impl_->curl->multi_info_read(impl_->multi, &left)) {
    if (message->msg != CURLMSG_DONE) continue;
    Impl::Dnsd* dnsd = nullptr;
    impl_->curl->easy_getinfo(message->easy_handle, CURLINFO_PRIVATE, &dnsd);
    if (dnsd) impl_->done(*dnsd, message->data.result, impl_->options.clock());
  }
}

void ReportSender::wakeup() { impl_->curl->multi_wakeup(impl_->multi); }

std::vector<DnsdDelivery> ReportSender::deliveries() const {
  std::lock_guard lock(impl_->mutex);
  std::vector<DnsdDelivery> out;
  for (const auto& dnsd : impl_->dnsds) out.push_back(dnsd->delivery);
  return out;
}

}  // namespace nines::probers
