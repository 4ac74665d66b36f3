// nines-bench-reports: N stand-in probers reporting on every target of some zone files, each once
// per interval, for probe_bench.sh's dnsd ingest test. A report is what the `prober` daemon sends
// (encodeReport + signBody of the probers library, the same headers, a fresh connection per
// POST), with every target up and an RTT that moves from report to report (eight variants of the
// results, in turn), as a live fleet's does. The probers send evenly spread over the interval, as
// unsynchronised probers would.
//
//   nines-bench-reports --zones DIR --dnsd http://127.0.0.1:PORT --keys FILE --seconds S
//   FILE: one "ID BASE64KEY" per line, one line per prober (the same pairs as dnsd.toml's
//   [[health.probers]]).
//
// Prints one line at the end:
//   reports=N ok=N refused=N failed=N skipped=N applied=N ignored=N targets=N body_bytes=N
//   encode_ms=X post_ms=X
// where ok counts 200 answers, refused other HTTP statuses, failed POSTs without an answer,
// skipped turns missed because that prober's previous POST was still running, applied/ignored
// the sums of dnsd's {"applied", "ignored"} replies. Exits 1 when any report was not accepted.
#include <curl/curl.h>
#include <signal.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "nines/probers/report.h"
#include "nines/probers/target_source.h"

namespace {

using namespace nines;

std::atomic<bool> g_stop{false};

double steadySeconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

double wallSeconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

struct Prober {
  std::string id;
  std::string key;  // raw bytes
  std::uint64_t seq = 0;
  double next = 0;  // steady seconds of its next report
  CURL* easy = nullptr;
  curl_slist* headers = nullptr;
  std::string body, reply;
  double started = 0;
};

struct Totals {
  std::uint64_t reports = 0, ok = 0, refused = 0, failed = 0, skipped = 0;
  std::uint64_t applied = 0, ignored = 0, body_bytes = 0;
  double encode_seconds = 0, post_seconds = 0;
};

std::size_t keepReply(char* data, std::size_t size, std::size_t count, void* user) {
  auto* reply = static_cast<std::string*>(user);
  std::size_t bytes = size * count;
  if (reply->size() < 4096) reply->append(data, std::min<std::size_t>(bytes, 4096));
  return bytes;
}

void startPost(CURLM* multi, Prober& prober, const std::string& url) {
  prober.easy = curl_easy_init();
  prober.headers = curl_slist_append(nullptr, "Content-Type: application/json");
  prober.headers = curl_slist_append(prober.headers, "Expect:");
  prober.headers = curl_slist_append(
      prober.headers, (std::string(probers::kProberHeader) + ": " + prober.id).c_str());
  prober.headers = curl_slist_append(
      prober.headers,
      (std::string(probers::kSignatureHeader) + ": " + probers::signBody(prober.key, prober.body))
          .c_str());
  prober.reply.clear();
  CURL* easy = prober.easy;
  curl_easy_setopt(easy, CURLOPT_URL, url.c_str());
  curl_easy_setopt(easy, CURLOPT_PROXY, "");
  curl_easy_setopt(easy, CURLOPT_NOPROXY, "*");
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, prober.headers);
  curl_easy_setopt(easy, CURLOPT_POSTFIELDS, prober.body.data());
  curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(prober.body.size()));
  curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, 2000L);
  curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, 2000L);
  curl_easy_setopt(easy, CURLOPT_FRESH_CONNECT, 1L);
  curl_easy_setopt(easy, CURLOPT_FORBID_REUSE, 1L);
  curl_easy_setopt(easy, CURLOPT_USERAGENT, "Nines-prober/0.1 (bench)");
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, keepReply);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, &prober.reply);
  curl_easy_setopt(easy, CURLOPT_PRIVATE, &prober);
  prober.started = steadySeconds();
  curl_multi_add_handle(multi, easy);
}

void finishPost(CURLM* multi, Prober& prober, CURLcode code, Totals& totals) {
  long status = 0;
  curl_easy_getinfo(prober.easy, CURLINFO_RESPONSE_CODE, &status);
  totals.post_seconds += steadySeconds() - prober.started;
  if (code != CURLE_OK) {
    ++totals.failed;
    std::fprintf(stderr, "nines-bench-reports: %s: %s\n", prober.id.c_str(),
                 curl_easy_strerror(code));
  } else if (status != 200) {
    ++totals.refused;
    std::fprintf(stderr, "nines-bench-reports: %s: HTTP %ld %s\n", prober.id.c_str(), status,
                 prober.reply.c_str());
  } else {
    ++totals.ok;
    auto reply = nlohmann::json::parse(prober.reply, nullptr, false);
    if (reply.is_object()) {
      totals.applied += reply.value("applied", std::uint64_t{0});
      totals.ignored += reply.value("ignored", std::uint64_t{0});
    }
  }
  curl_multi_remove_handle(multi, prober.easy);
  curl_easy_cleanup(prober.easy);
  curl_slist_free_all(prober.headers);
  prober.easy = nullptr;
  prober.headers = nullptr;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"nines-bench-reports: stand-in probers POSTing signed reports to a dnsd"};
  std::string zones_path, dnsd, keys_path, region = "bench";
  double seconds = 10, interval = 1.0;
  app.add_option("--zones", zones_path, "zone files whose targets are reported on")->required();
  app.add_option("--dnsd", dnsd, "dnsd's HTTP API, e.g. http://127.0.0.1:8053")->required();
  app.add_option("--keys", keys_path, "file of \"ID BASE64KEY\" lines, one per prober")->required();
  app.add_option("--seconds", seconds, "how long to report")
      ->required()
      ->check(CLI::Range(0.1, 600.0));
  app.add_option("--interval", interval, "seconds between two reports of one prober")
      ->capture_default_str()
      ->check(CLI::Range(0.05, 60.0));
  app.add_option("--region", region, "the probers' region")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  signal(SIGTERM, [](int) { g_stop = true; });
  signal(SIGINT, [](int) { g_stop = true; });
  signal(SIGPIPE, SIG_IGN);

  std::vector<Prober> fleet;
  std::ifstream keys(keys_path);
  for (std::string line; std::getline(keys, line);) {
    std::istringstream words(line);
    std::string id, key;
    if (!(words >> id >> key)) continue;
    auto raw = probers::decodeKey(key);
    if (!raw) {
      std::fprintf(stderr, "nines-bench-reports: %s: key of %s is not base64 of 16+ bytes\n",
                   keys_path.c_str(), id.c_str());
      return 2;
    }
    Prober prober;
    prober.id = id;
    prober.key = *raw;
    fleet.push_back(std::move(prober));
  }
  if (fleet.empty()) {
    std::fprintf(stderr, "nines-bench-reports: no probers in %s\n", keys_path.c_str());
    return 2;
  }
  probers::TargetLoad load = probers::loadTargetsFromZones(zones_path, {});
  for (const auto& error : load.errors) std::fprintf(stderr, "%s\n", error.toString().c_str());
  if (!load.errors.empty() || load.targets.empty()) {
    std::fprintf(stderr, "nines-bench-reports: no targets in %s\n", zones_path.c_str());
    return 2;
  }

  curl_global_init(CURL_GLOBAL_DEFAULT);
  CURLM* multi = curl_multi_init();
  const std::string url = dnsd + "/v1/reports";
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> rtt(0.2, 1.5);
  Totals totals;
  const double start = steadySeconds();
  const double end = start + seconds;
  const auto first_seq = static_cast<std::uint64_t>(wallSeconds() * 1000);
  for (std::size_t i = 0; i < fleet.size(); ++i) {
    fleet[i].seq = first_seq;
    fleet[i].next = start + interval * static_cast<double>(i) / static_cast<double>(fleet.size());
  }
  // Encoding 5,000 results takes about 10 ms: ten probers encoding anew every second would take a
  // tenth of the CPU this shares with the query load, and slow the load rather than dnsd. So the
  // results are encoded once, in a few variants whose RTTs differ, and each report puts its own
  // header (prober, seq, time) in front of one of them, in turn.
  constexpr std::size_t kVariants = 8;
  const std::string kResultsKey = ",\"results\":";
  probers::Report report;
  report.region = region;
  report.results.reserve(load.targets.size());
  for (const auto& target : load.targets)
    report.results.push_back({target.id, true, 1, "HTTP 200"});
  std::vector<std::string> results_json;
  for (std::size_t v = 0; v < kVariants; ++v) {
    for (auto& result : report.results) result.rtt_ms = rtt(rng);
    std::string body = probers::encodeReport(report);
    results_json.push_back(body.substr(body.find(kResultsKey)));
  }
  report.results.clear();
  std::size_t variant = 0;

  while (!g_stop.load()) {
    double now = steadySeconds();
    bool reporting = now < end;
    double wake = end;
    for (auto& prober : fleet) {
      if (reporting && now >= prober.next) {
        prober.next += interval;
        if (prober.next <= now) prober.next = now + interval;  // fell behind: skip, no burst
        if (prober.easy) {
          ++totals.skipped;
        } else {
          double encode_start = steadySeconds();
          report.prober = prober.id;
          report.seq = prober.seq++;
          report.time = wallSeconds();
          prober.body = probers::encodeReport(report);
          prober.body.resize(prober.body.find(kResultsKey));
          prober.body += results_json[variant++ % kVariants];
          totals.encode_seconds += steadySeconds() - encode_start;
          totals.body_bytes = prober.body.size();
          ++totals.reports;
          startPost(multi, prober, url);
        }
      }
      wake = std::min(wake, prober.next);
    }
    bool in_flight =
        std::any_of(fleet.begin(), fleet.end(), [](const Prober& p) { return p.easy; });
    if (!reporting && !in_flight) break;
    int running = 0;
    curl_multi_perform(multi, &running);
    int left = 0;
    while (CURLMsg* message = curl_multi_info_read(multi, &left)) {
      if (message->msg != CURLMSG_DONE) continue;
      Prober* prober = nullptr;
      curl_easy_getinfo(message->easy_handle, CURLINFO_PRIVATE, &prober);
      finishPost(multi, *prober, message->data.result, totals);
    }
    int timeout_ms =
        reporting
            ? static_cast<int>(std::clamp(std::ceil((wake - steadySeconds()) * 1000), 0.0, 100.0))
            : 10;
    curl_multi_poll(multi, nullptr, 0, timeout_ms, nullptr);
  }
  for (auto& prober : fleet) {
    if (prober.easy) finishPost(multi, prober, CURLE_ABORTED_BY_CALLBACK, totals);
  }
  curl_multi_cleanup(multi);
  std::uint64_t answered = std::max<std::uint64_t>(1, totals.ok + totals.refused + totals.failed);
  std::printf(
      "reports=%llu ok=%llu refused=%llu failed=%llu skipped=%llu applied=%llu ignored=%llu "
      "targets=%zu body_bytes=%llu encode_ms=%.2f post_ms=%.2f\n",
      static_cast<unsigned long long>(totals.reports), static_cast<unsigned long long>(totals.ok),
      static_cast<unsigned long long>(totals.refused),
      static_cast<unsigned long long>(totals.failed),
      static_cast<unsigned long long>(totals.skipped),
      static_cast<unsigned long long>(totals.applied),
      static_cast<unsigned long long>(totals.ignored), load.targets.size(),
      static_cast<unsigned long long>(totals.body_bytes),
      1000 * totals.encode_seconds /
          static_cast<double>(std::max<std::uint64_t>(1, totals.reports)),
      1000 * totals.post_seconds / static_cast<double>(answered));
  return totals.ok == totals.reports && totals.reports > 0 ? 0 : 1;
}
