// libFuzzer target for dnsd's HTTP API: arbitrary bytes as one request on a connection, through
// cpp-httplib's request handling and HttpApi's limits and routes, in-process (a memory stream
// stands in for the socket; HttpApi::configure is the seam). The server's side of each route is a
// stub that records what reached it, except POST /v1/reports, which goes to a real ReportIngest.
// To get the fuzzer past the HMAC, a report whose X-Nines-Signature is "fuzz-sign" is signed here
// with the prober's key before ingestion. What must hold: nothing crashes; every request gets one
// response with a status from 100 to 599; the admin routes reach the server only with the bearer
// token; no body over its limit reaches a handler; JSON replies are JSON. fuzz_seeds_test.cc runs
// the seed corpus (tests/fuzz/corpus/http_api) through the same checks on every build.
#include <httplib.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_targets.h"
#include "nines/dnsd/control/http_api.h"
#include "nines/dnsd/health/report_ingest.h"
#include "nines/dnsd/health/vote_table.h"
#include "nines/probers/report.h"

namespace {

constexpr const char* kToken = "fuzz-admin-token-0123456789";
constexpr const char* kProberKey = "fuzz-prober-key-0123456789";
constexpr std::size_t kMaxOtherBody = 64 * 1024;  // http_api.h: every body but a report's

// The connection: reads the input, collects what the server writes.
class MemoryStream : public httplib::Stream {
 public:
  explicit MemoryStream(std::string_view input) : input_(input) {}
  bool is_readable() const override { return true; }
  bool is_writable() const override { return true; }
  ssize_t read(char* ptr, std::size_t size) override {
    const std::size_t n = std::min(size, input_.size());
    std::memcpy(ptr, input_.data(), n);
    input_.remove_prefix(n);
    return static_cast<ssize_t>(n);
  }
  ssize_t write(const char* ptr, std::size_t size) override {
    output_.append(ptr, size);
    return static_cast<ssize_t>(size);
  }
  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    ip = "127.0.0.1";
    port = 40000;
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    ip = "127.0.0.1";
    port = 8053;
  }
  socket_t socket() const override { return INVALID_SOCKET; }
  const std::string& output() const { return output_; }

 private:
  std::string_view input_;
  std::string output_;
};

// cpp-httplib's request handling is protected: reachable from a subclass.
class InProcessServer : public httplib::Server {
 public:
  void serve(httplib::Stream& stream) {
    bool closed = false;
    process_request(stream, /*close_connection=*/true, closed, nullptr);
  }
};

// What reached the server's side of the routes.
struct Reached {
  bool admin = false;            // drain, undrain or reload
  std::size_t largest_body = 0;  // of a report
  std::size_t largest_other = 0;
};

}  // namespace

std::vector<std::string> httpApiInvariantsBroken(const std::uint8_t* data, std::size_t size) {
  using namespace nines;
  std::vector<std::string> broken;
  auto check = [&](bool holds, const char* invariant) {
    if (!holds) broken.push_back(invariant);
  };
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  dnsd::VoteTable table({0.5, 10.0}, [] { return 1000.0; });
  table.setTargets({"a", "b"});
  dnsd::ReportIngest ingest(
      {{"fuzz", kProberKey, ""}}, 1e300, table, [] { return 1000.0; },
      [](base::LogLevel, const std::string&) {});
  Reached reached;
  dnsd::ControlHandlers handlers;
  handlers.status = [](const dnsd::StatusFilter& filter) {
    return nlohmann::json{{"zone", filter.pools.zone}, {"events", filter.events}}.dump();
  };
  handlers.drain = [&](const dnsd::HealthSelector& selector, bool, std::string& body) {
    reached.admin = true;
    body = nlohmann::json{{"drained", dnsd::describe(selector)}}.dump();
    return 200;
  };
  handlers.setHealth = [&](const dnsd::HealthSelector& selector, const std::string& state,
                           std::string& body) {
    reached.largest_other = std::max(reached.largest_other, state.size() + selector.zone.size());
    body = nlohmann::json{{"state", state}}.dump();
    return state == "up" || state == "down" ? 200 : 400;
  };
  handlers.report = [&](const std::string& prober, const std::string& signature,
                        const std::string& body, std::string& reply) {
    reached.largest_body = std::max(reached.largest_body, body.size());
    const std::string signed_as =
        signature == "fuzz-sign" ? probers::signBody(kProberKey, body) : signature;
    dnsd::IngestReply result = ingest.ingest(prober, signed_as, body);
    reply = result.body;
    return result.status;
  };
  handlers.reportTooLarge = [&](const std::string& prober, std::size_t length, std::string& reply) {
    dnsd::IngestReply result = ingest.tooLarge(prober, length);
    reply = result.body;
    return result.status;
  };
  handlers.reload = [&](std::string& body) {
    reached.admin = true;
    body = R"({"result":"success"})";
    return 200;
  };
  handlers.checks = [] { return std::string("[]"); };
  handlers.metrics = [] { return std::string("# no metrics\n"); };

  dnsd::HttpConfig config;
  config.token = kToken;
  config.test_hooks = true;
  dnsd::HttpApi api(config, handlers);
  InProcessServer server;
  api.configure(server);
  MemoryStream stream(input);
  server.serve(stream);

  const std::string& output = stream.output();
  if (output.empty()) {
    // cpp-httplib answers nothing only when there was no request line at all.
    check(input.find('\n') == std::string_view::npos, "a request gets a response");
    return broken;
  }
  int status = 0;
  check(output.rfind("HTTP/1.1 ", 0) == 0 && output.size() >= 12 &&
            std::sscanf(output.c_str() + 9, "%3d", &status) == 1 && status >= 100 && status < 600,
        "the response starts with a status line");
  check(!reached.admin || input.find(std::string("Bearer ") + kToken) != std::string_view::npos,
        "drain, undrain and reload reach the server only with the bearer token");
  check(reached.largest_body <= probers::kMaxReportBody && reached.largest_other <= kMaxOtherBody,
        "no body over its limit reaches a handler");
  const std::size_t head_end = output.find("\r\n\r\n");
  check(head_end != std::string::npos, "the response has a complete head");
  if (head_end != std::string::npos) {
    const std::string head = output.substr(0, head_end);
    // A HEAD request's reply has the type and no body.
    if (head.find("Content-Type: application/json") != std::string::npos &&
        head.find("Content-Encoding") == std::string::npos && output.size() > head_end + 4) {
      check(!nlohmann::json::parse(output.substr(head_end + 4), nullptr, false).is_discarded(),
            "a JSON reply is JSON");
    }
  }
  return broken;
}

#ifdef NINES_FUZZ_HTTP_API_MAIN
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (!httpApiInvariantsBroken(data, size).empty()) __builtin_trap();
  return 0;
}
#endif
