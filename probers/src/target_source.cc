#include "nines/probers/target_source.h"

#include <algorithm>

#include "curl_library.h"
#include "nines/zones/loader.h"

namespace nines::probers {

namespace {

// A /v1/checks body for 100000 targets is a few tens of MB; anything past this is refused.
constexpr std::size_t kMaxChecksBody = 128 * 1024 * 1024;

std::size_t keepBody(char* data, std::size_t size, std::size_t count, void* user) {
  auto* body = static_cast<std::string*>(user);
  std::size_t bytes = size * count;
  if (body->size() + bytes > kMaxChecksBody) return 0;  // aborts the transfer
  body->append(data, bytes);
  return bytes;
}

}  // namespace

TargetLoad loadTargetsFromZones(const std::string& path,
                                const std::vector<zones::Cidr>& allow_nets) {
  TargetLoad load;
  zones::LoadResult loaded = zones::loadZones(path);
  if (!loaded.errors.empty()) {
    load.errors = std::move(loaded.errors);
    return load;
  }
  load.targets = buildTargets(loaded.zones, allow_nets, &load.refusals);
  return load;
}

std::optional<std::vector<CheckTarget>> fetchTargets(const std::string& base_url, double timeout,
                                                     std::string* error) {
  std::string load_error;
  const detail::CurlLibrary* curl = detail::curlLibrary(&load_error);
  if (!curl) {
    if (error) *error = "libcurl cannot be loaded: " + load_error;
    return std::nullopt;
  }
  CURL* easy = curl->easy_init();
  if (!easy) {
    if (error) *error = "curl: cannot create a transfer";
    return std::nullopt;
  }
  std::string url = base_url + "/v1/checks";
  std::string body;
  char problem[CURL_ERROR_SIZE] = {};
  long timeout_ms = std::max(1L, static_cast<long>(timeout * 1000));
  curl->easy_setopt(easy, CURLOPT_URL, url.c_str());
  curl->easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
  curl->easy_setopt(easy, CURLOPT_PROXY, "");
  curl->easy_setopt(easy, CURLOPT_NOPROXY, "*");
  curl->easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl->easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
  curl->easy_setopt(easy, CURLOPT_TIMEOUT_MS, timeout_ms);
  curl->easy_setopt(easy, CURLOPT_USERAGENT, "Nines-prober/0.1");
  curl->easy_setopt(easy, CURLOPT_WRITEFUNCTION, keepBody);
  curl->easy_setopt(easy, CURLOPT_WRITEDATA, &body);
  curl->easy_setopt(easy, CURLOPT_ERRORBUFFER, problem);
  CURLcode result = curl->easy_perform(easy);
  long status = 0;
  curl->easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
  curl->easy_cleanup(easy);
  if (result != CURLE_OK) {
    if (error) *error = url + ": " + (problem[0] ? problem : curl->easy_strerror(result));
    return std::nullopt;
  }
  if (status != 200) {
    if (error) *error = url + ": HTTP " + std::to_string(status);
    return std::nullopt;
  }
  std::string problem_text;
  auto targets = decodeTargets(body, &problem_text);
  if (!targets && error) *error = url + ": " + problem_text;
  return targets;
}

}  // namespace nines::probers
