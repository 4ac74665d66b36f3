#include "http_transport.h"

#include <curl/curl.h>

#include <algorithm>
#include <cstring>
#include <mutex>

namespace nines::probers::detail {

namespace {

CURLM* multiOf(void* multi) { return static_cast<CURLM*>(multi); }

// libcurl's global set-up is not ours to repeat per engine; once per process is what it asks.
void globalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

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
    if (easy) curl_easy_cleanup(easy);
    if (connect_to) curl_slist_free_all(connect_to);
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

HttpTransport::HttpTransport(std::string user_agent) : user_agent_(std::move(user_agent)) {
  globalInit();
  multi_ = curl_multi_init();
}

HttpTransport::~HttpTransport() {
  cancelAll();
  curl_multi_cleanup(multiOf(multi_));
}

void HttpTransport::start(std::uint64_t token, const CheckTarget& target, Outcomes& out) {
  auto transfer = std::make_unique<Transfer>();
  transfer->token = token;
  transfer->easy = curl_easy_init();
  if (!multi_ || !transfer->easy) {
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
  transfer->connect_to = curl_slist_append(nullptr, transfer->connect_spec.c_str());
  transfer->expect_status = check.expect_status;
  transfer->expect_body = check.expect_body;
  transfer->timeout = check.timeout;

  CURL* easy = transfer->easy;
  curl_easy_setopt(easy, CURLOPT_URL, transfer->url.c_str());
  curl_easy_setopt(easy, CURLOPT_CONNECT_TO, transfer->connect_to);
  curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(easy, CURLOPT_PATH_AS_IS, 1L);
  // Never through a proxy, whatever the environment says: a check is about the path from here.
  curl_easy_setopt(easy, CURLOPT_PROXY, "");
  curl_easy_setopt(easy, CURLOPT_NOPROXY, "*");
  curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(easy, CURLOPT_FRESH_CONNECT, 1L);
  curl_easy_setopt(easy, CURLOPT_FORBID_REUSE, 1L);
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, milliseconds(check.timeout));
  curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, milliseconds(check.timeout));
  curl_easy_setopt(easy, CURLOPT_USERAGENT, user_agent_.c_str());
  curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, check.tls_verify ? 1L : 0L);
  curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, check.tls_verify ? 2L : 0L);
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, keepBody);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, &transfer->body);
  curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, transfer->error);
  curl_easy_setopt(easy, CURLOPT_PRIVATE, transfer.get());
  if (curl_multi_add_handle(multiOf(multi_), easy) != CURLM_OK) {
    out.push_back({token, false, "curl: cannot start a transfer"});
    return;
  }
  transfers_[token] = std::move(transfer);
}

void HttpTransport::cancel(std::uint64_t token) {
  auto it = transfers_.find(token);
  if (it == transfers_.end()) return;
  curl_multi_remove_handle(multiOf(multi_), it->second->easy);
  transfers_.erase(it);
}

void HttpTransport::cancelAll() {
  for (auto& [token, transfer] : transfers_) {
    curl_multi_remove_handle(multiOf(multi_), transfer->easy);
  }
  transfers_.clear();
}

void HttpTransport::wait(int extra_fd, int timeout_ms) {
  curl_waitfd extra{};
  extra.fd = extra_fd;
  extra.events = CURL_WAIT_POLLIN;
  curl_multi_poll(multiOf(multi_), extra_fd >= 0 ? &extra : nullptr, extra_fd >= 0 ? 1 : 0,
                  std::max(0, timeout_ms), nullptr);
}

void HttpTransport::wakeup() { curl_multi_wakeup(multiOf(multi_)); }

void HttpTransport::collect(Outcomes& out) {
  int running = 0;
  curl_multi_perform(multiOf(multi_), &running);
  int left = 0;
  while (CURLMsg* message = curl_multi_info_read(multiOf(multi_), &left)) {
    if (message->msg != CURLMSG_DONE) continue;
    Transfer* transfer = nullptr;
    curl_easy_getinfo(message->easy_handle, CURLINFO_PRIVATE, &transfer);
    if (!transfer) continue;
    finish(*transfer, message->data.result, out);
    std::uint64_t token = transfer->token;
    curl_multi_remove_handle(multiOf(multi_), transfer->easy);
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
    const char* detail = transfer.error[0] ? transfer.error : curl_easy_strerror(result);
    outcome.reason = (result == CURLE_COULDNT_CONNECT ? "connect: " : "") + std::string(detail);
  } else {
    long status = 0;
    curl_easy_getinfo(transfer.easy, CURLINFO_RESPONSE_CODE, &status);
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
