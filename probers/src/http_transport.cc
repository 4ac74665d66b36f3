#include "http_transport.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

namespace nines::probers::detail {

namespace {

std::string bracketed(const zones::IpAddress& address) {
  return address.family == 6 ? "[" + address.toString() + "]" : address.toString();
}

long milliseconds(double seconds) { return std::max(1L, static_cast<long>(seconds * 1000 + 0.5)); }

std::string statusList(const std::vector<std::uint16_t>& codes) {
  std::string text;
  for (std::size_t i = 0; i < codes.size() && i < 5; ++i) {
    text += (i ? "," : "") + std::to_string(codes[i]);
  }
  if (codes.size() > 5) text += ",...";
  return text;
}

std::string clipped(const std::string& text, std::size_t limit) {
  return text.size() <= limit ? text : text.substr(0, limit) + "...";
}

}  // namespace

struct HttpTransport::Transfer {
  const CurlLibrary* curl = nullptr;
  std::uint64_t token = 0;
  CURL* easy = nullptr;
  curl_slist* connect_to = nullptr;
  std::string url;
  std::string connect_spec;
  std::string body;
  char error[CURL_ERROR_SIZE] = {};
  std::vector<std::uint16_t> expect_status;
  std::string expect_body;
  double timeout = 1;

  ~Transfer() {
    if (easy) curl->easy_cleanup(easy);
    if (connect_to) curl->slist_free_all(connect_to);
  }
};

namespace {

// Keeps the first kMaxBodyKept bytes; past them, ends the transfer (curl reports a write error,
// which finish() knows to be this and not a failure).
std::size_t keepBody(char* data, std::size_t size, std::size_t count, void* user) {
  auto* body = static_cast<std::string*>(user);
  std::size_t bytes = size * count;
  std::size_t room = kMaxBodyKept - std::min(kMaxBodyKept, body->size());
  body->append(data, std::min(bytes, room));
  return bytes <= room ? bytes : 0;
}

}  // namespace

HttpTransport::HttpTransport(std::string user_agent)
    : user_agent_(std::move(user_agent)), wake_fd_(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {}

HttpTransport::~HttpTransport() {
  cancelAll();
  if (multi_) curl_->multi_cleanup(multi_);
  if (wake_fd_ >= 0) close(wake_fd_);
}

bool HttpTransport::ready(std::string& error) {
  if (multi_) return true;
  curl_ = curlLibrary(&error);
  if (!curl_) return false;
  multi_ = curl_->multi_init();
  if (!multi_) error = "cannot create a transfer set";
  return multi_ != nullptr;
}

void HttpTransport::start(std::uint64_t token, const CheckTarget& target, Outcomes& out) {
  std::string error;
  if (!ready(error)) {
    out.push_back({token, false, "curl: " + error});
    return;
  }
  auto transfer = std::make_unique<Transfer>();
  transfer->curl = curl_;
  transfer->token = token;
  transfer->easy = curl_->easy_init();
  if (!transfer->easy) {
    out.push_back({token, false, "curl: cannot create a transfer"});
    return;
  }
  const zones::Check& check = target.check;
  std::string host = target.host.empty() ? bracketed(target.address) : target.host;
  std::string port = std::to_string(target.port);
  transfer->url = check.type + "://" + host + ":" + port + check.path;
  // "::ADDR:PORT": whatever host and port the URL names, connect to ADDR:PORT. The URL keeps the
  // service name for the Host header and SNI, and no name is ever resolved.
  transfer->connect_spec = "::" + bracketed(target.address) + ":" + port;
  transfer->connect_to = curl_->slist_append(nullptr, transfer->connect_spec.c_str());
  transfer->expect_status = check.expect_status;
  transfer->expect_body = check.expect_body;
  transfer->timeout = check.timeout;

  CURL* easy = transfer->easy;
  auto set = curl_->easy_setopt;
  set(easy, CURLOPT_URL, transfer->url.c_str());
  set(easy, CURLOPT_CONNECT_TO, transfer->connect_to);
  set(easy, CURLOPT_PROTOCOLS_STR, "http,https");
  set(easy, CURLOPT_PATH_AS_IS, 1L);
  // Never through a proxy, whatever the environment says: a check is about the path from here.
  set(easy, CURLOPT_PROXY, "");
  set(easy, CURLOPT_NOPROXY, "*");
  set(easy, CURLOPT_FOLLOWLOCATION, 0L);
  set(easy, CURLOPT_FRESH_CONNECT, 1L);
  set(easy, CURLOPT_FORBID_REUSE, 1L);
  set(easy, CURLOPT_NOSIGNAL, 1L);
  set(easy, CURLOPT_CONNECTTIMEOUT_MS, milliseconds(check.timeout));
  set(easy, CURLOPT_TIMEOUT_MS, milliseconds(check.timeout));
  set(easy, CURLOPT_USERAGENT, user_agent_.c_str());
  set(easy, CURLOPT_SSL_VERIFYPEER, check.tls_verify ? 1L : 0L);
  set(easy, CURLOPT_SSL_VERIFYHOST, check.tls_verify ? 2L : 0L);
  set(easy, CURLOPT_WRITEFUNCTION, keepBody);
  set(easy, CURLOPT_WRITEDATA, &transfer->body);
  set(easy, CURLOPT_ERRORBUFFER, transfer->error);
  set(easy, CURLOPT_PRIVATE, transfer.get());
  if (curl_->multi_add_handle(multi_, easy) != CURLM_OK) {
    out.push_back({token, false, "curl: cannot start a transfer"});
    return;
  }
  transfers_[token] = std::move(transfer);
}

void HttpTransport::cancel(std::uint64_t token) {
  auto it = transfers_.find(token);
  if (it == transfers_.end()) return;
  curl_->multi_remove_handle(multi_, it->second->easy);
  transfers_.erase(it);
}

void HttpTransport::cancelAll() {
  for (auto& [token, transfer] : transfers_) curl_->multi_remove_handle(multi_, transfer->easy);
  transfers_.clear();
}

void HttpTransport::wait(int extra_fd, int timeout_ms) {
  timeout_ms = std::max(0, timeout_ms);
  curl_waitfd extra[2] = {};
  unsigned count = 0;
  for (int fd : {extra_fd, wake_fd_}) {
    if (fd < 0) continue;
    extra[count].fd = fd;
    extra[count].events = CURL_WAIT_POLLIN;
    ++count;
  }
  if (multi_) {
    curl_->multi_poll(multi_, extra, count, timeout_ms, nullptr);
  } else {  // no HTTP check yet, so no libcurl either
    pollfd fds[2] = {};
    for (unsigned i = 0; i < count; ++i) fds[i] = {extra[i].fd, POLLIN, 0};
    poll(fds, count, timeout_ms);
  }
  std::uint64_t wakeups = 0;
  if (wake_fd_ >= 0 && read(wake_fd_, &wakeups, sizeof wakeups) < 0) {
    // EAGAIN: nobody called wakeup(); nothing to drain.
  }
}

void HttpTransport::wakeup() {
  const std::uint64_t one = 1;
  if (wake_fd_ >= 0 && write(wake_fd_, &one, sizeof one) < 0) {
    // EAGAIN: the counter is already non-zero, so the wait ends anyway.
  }
}

void HttpTransport::collect(Outcomes& out) {
  if (!multi_) return;
  int running = 0;
  curl_->multi_perform(multi_, &running);
  int left = 0;
  while (CURLMsg* message = curl_->multi_info_read(multi_, &left)) {
    if (message->msg != CURLMSG_DONE) continue;
    Transfer* transfer = nullptr;
    curl_->easy_getinfo(message->easy_handle, CURLINFO_PRIVATE, &transfer);
    if (!transfer) continue;
    finish(*transfer, message->data.result, out);
    std::uint64_t token = transfer->token;
    curl_->multi_remove_handle(multi_, transfer->easy);
    transfers_.erase(token);  // `message` is not touched after this
  }
}

void HttpTransport::finish(Transfer& transfer, int code, Outcomes& out) {
  auto result = static_cast<CURLcode>(code);
  if (result == CURLE_WRITE_ERROR && transfer.body.size() >= kMaxBodyKept) result = CURLE_OK;
  ProbeOutcome outcome{transfer.token, false, ""};
  if (result == CURLE_OPERATION_TIMEDOUT) {
    outcome.reason = timeoutReason(transfer.timeout);
  } else if (result != CURLE_OK) {
    const char* detail = transfer.error[0] ? transfer.error : curl_->easy_strerror(result);
    outcome.reason = (result == CURLE_COULDNT_CONNECT ? "connect: " : "") + std::string(detail);
  } else {
    long status = 0;
    curl_->easy_getinfo(transfer.easy, CURLINFO_RESPONSE_CODE, &status);
    outcome.reason = "HTTP " + std::to_string(status);
    bool status_ok = transfer.expect_status.empty()
                         ? status >= 200 && status < 400
                         : std::find(transfer.expect_status.begin(), transfer.expect_status.end(),
                                     status) != transfer.expect_status.end();
    if (!status_ok) {
      outcome.reason += ", expected " + statusList(transfer.expect_status);
    } else if (!transfer.expect_body.empty() &&
               transfer.body.find(transfer.expect_body) == std::string::npos) {
      outcome.reason += ", body lacks \"" + clipped(transfer.expect_body, 60) + "\"";
    } else {
      outcome.ok = true;
    }
  }
  out.push_back(std::move(outcome));
}

}  // namespace nines::probers::detail
