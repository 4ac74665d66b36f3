// ninesctl consistency URL...: fetch /v1/status from each nameserver and print what differs
// (status_comparison.h says what is compared and why).
#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <thread>

#include "commands.h"
#include "status_comparison.h"

namespace nines::ctl {

namespace {

using nlohmann::json;

// Between two rounds of --wait: a fraction of a report interval (1 s and more), so a converging
// pair is seen agreeing soon after it does, without hammering the nameservers.
constexpr auto kRetryPause = std::chrono::milliseconds(250);

std::string withScheme(const std::string& url) {
  return url.find("://") == std::string::npos ? "http://" + url : url;
}

// The view of `url`'s status, or false with `error` set (unreachable, refused, not a status).
bool fetchView(const std::string& url, NameserverView& view, std::string& error) {
  httplib::Client client(withScheme(url));
  client.set_connection_timeout(3, 0);
  client.set_read_timeout(10, 0);
  // Without the per-prober votes and events: only the verdicts are compared.
  auto result = client.Get("/v1/status?votes=0&events=0");
  if (!result) {
    error = "cannot reach it (" + httplib::to_string(result.error()) + " error)";
    return false;
  }
  if (result->status != 200) {
    error = "GET /v1/status answered HTTP " + std::to_string(result->status);
    return false;
  }
  json status = json::parse(result->body, nullptr, false);
  if (status.is_discarded() || !status.is_object()) {
    error = "/v1/status is not a JSON object";
    return false;
  }
  view = viewOfStatus(url, status);
  return true;
}

}  // namespace

int runConsistency(const ConsistencyOptions& options) {
  if (options.servers.size() < 2) {
    std::fprintf(stderr, "ninesctl: consistency needs two or more nameservers' URLs\n");
    return kExitProblems;
  }
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                            std::chrono::duration<double>(std::max(0.0, options.wait)));
  while (true) {
    std::vector<NameserverView> views;
    std::vector<std::string> errors;
    for (const auto& server : options.servers) {
      NameserverView view;
      std::string error;
      if (fetchView(server, view, error)) {
        views.push_back(std::move(view));
      } else {
        errors.push_back(server + ": " + error);
      }
    }
    const Comparison comparison = compareViews(views);
    const bool settled = errors.empty() && comparison.agree();
    if (settled || std::chrono::steady_clock::now() >= deadline) {
      for (const auto& error : errors) std::fprintf(stderr, "ninesctl: %s\n", error.c_str());
      if (views.size() >= 2) {
        std::fputs(describeComparison(views, comparison).c_str(), stdout);
      }
      if (!errors.empty()) return kExitUnreachable;
      return comparison.agree() ? kExitOk : kExitDisagree;
    }
    std::this_thread::sleep_for(kRetryPause);
  }
}

}  // namespace nines::ctl
