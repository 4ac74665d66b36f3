#include "health_harness.h"

#include <httplib.h>
#include <sys/socket.h>

#include <chrono>
#include <cstdio>
#include <thread>

#include "nines/probers/check_target.h"
#include "nines/probers/report.h"
#include "nines/zones/ip.h"

namespace nines::integration {

namespace {

std::string number(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", value);
  return text;
}

double wallSeconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

std::string healthZone(std::uint16_t port, const CheckTiming& timing, double slow_start) {
  std::string zone = nines::testing::zoneHead(kHealthZone, 5) + R"("@" = ["NS ns1.health.test."]
ns1 = ["A 127.0.0.53"]

[checks.web]
type = "http"
port = )" + std::to_string(port) +
                     R"(
path = "/health"
expect_status = [200]
interval = )" + number(timing.interval) +
                     "\ntimeout = " + number(timing.timeout) +
                     "\nrise = " + std::to_string(timing.rise) +
                     "\nfall = " + std::to_string(timing.fall) + "\n\n" + kRegionTables;
  for (const char* service : {"app", "ramp"}) {
    const std::string name = service;
    zone += "\n[services." + name +
            "]\npolicy = \"failover\"\nttl = 5\ncheck = \"web\"\norder = [\"us-east\", "
            "\"eu-west\", \"ap-south\"]\n";
    if (name == "ramp") zone += "slow_start = " + number(slow_start) + "\n";
    for (std::size_t i = 0; i < kHealthRegions.size(); ++i) {
      zone += "[services." + name + ".pools." + kHealthRegions[i] + "]\nendpoints = [\"" +
              kHealthEndpoints[i] + "\"]\n";
    }
  }
  return zone;
}

std::string healthTarget(const std::string& address) {
  return nines::probers::targetId(kHealthZone, "web", *zones::IpAddress::parse(address));
}

bool waitAllAppEndpointsUp(std::uint16_t http_port) {
  return nines::testing::waitUntil(
      [&] {
        for (const auto& address : kHealthEndpoints) {
          if (endpointState(http_port, "app", address) != "up") return false;
        }
        return true;
      },
      std::chrono::seconds(15));
}

const std::vector<ProberSpec>& testProbers() {
  static const std::vector<ProberSpec> probers = {
      {"p1", "bmluZXMtdGVzdC1rZXktb2YtcHJvYmVyLXAxLTAwMDE=", "nines-test-key-of-prober-p1-0001"},
      {"p2", "bmluZXMtdGVzdC1rZXktb2YtcHJvYmVyLXAyLTAwMDI=", "nines-test-key-of-prober-p2-0002"},
      {"p3", "bmluZXMtdGVzdC1rZXktb2YtcHJvYmVyLXAzLTAwMDM=", "nines-test-key-of-prober-p3-0003"},
  };
  return probers;
}

std::string healthSections(std::uint16_t http_port, double report_ttl,
                           const std::vector<ProberSpec>& probers) {
  std::string out =
      "[http]\nlisten = \"127.0.0.1:" + std::to_string(http_port) +
      "\"\n[health]\nallow_nets = [\"127.0.0.0/8\"]\nreport_ttl = " + number(report_ttl) + "\n";
  for (const auto& prober : probers) {
    out += "[[health.probers]]\nid = \"" + prober.id + "\"\nkey = \"" + prober.key_base64 + "\"\n";
  }
  return out;
}

LoopbackBackend::LoopbackBackend() = default;

LoopbackBackend::~LoopbackBackend() { stop(); }

std::uint16_t LoopbackBackend::start(const std::string& host, std::uint16_t port) {
  stop();
  server_ = std::make_unique<httplib::Server>();
  server_->set_socket_options([](socket_t fd) {
    int yes = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  server_->Get(R"(/.*)", [](const httplib::Request&, httplib::Response& response) {
    response.set_content("ok", "text/plain");
  });
  const int bound =
      port == 0 ? server_->bind_to_any_port(host) : (server_->bind_to_port(host, port) ? port : -1);
  if (bound <= 0) {
    server_.reset();
    return 0;
  }
  thread_ = std::thread([server = server_.get()] { server->listen_after_bind(); });
  nines::testing::waitUntil([&] { return server_->is_running(); }, std::chrono::seconds(10));
  return static_cast<std::uint16_t>(bound);
}

void LoopbackBackend::stop() {
  if (server_) server_->stop();
  if (thread_.joinable()) thread_.join();
  server_.reset();
}

bool Backends::start() {
  for (int attempt = 0; attempt < 20; ++attempt) {
    port_ = backends_[0].start(kHealthEndpoints[0], 0);
    if (port_ == 0) continue;
    if (backends_[1].start(kHealthEndpoints[1], port_) != 0 &&
        backends_[2].start(kHealthEndpoints[2], port_) != 0) {
      return true;
    }
    for (auto& backend : backends_) backend.stop();
  }
  port_ = 0;
  return false;
}

void Backends::stop(std::size_t index) { backends_[index].stop(); }

bool Backends::restart(std::size_t index) {
  return nines::testing::waitUntil(
      [&] { return backends_[index].start(kHealthEndpoints[index], port_) != 0; },
      std::chrono::seconds(10));
}

Strings healthAnswer(const DnsdServer& server, const std::string& service, const std::string& ecs) {
  return addressesOf(server.askEcs(service + "." + kHealthZone, "A", ecs).answer);
}

HttpReply postReport(std::uint16_t port, const std::string& prober, const std::string& signature,
                     const std::string& body) {
  nines::testing::HttpHeaders headers;
  if (!prober.empty()) headers.emplace_back(nines::probers::kProberHeader, prober);
  if (!signature.empty()) headers.emplace_back(nines::probers::kSignatureHeader, signature);
  return httpPost(port, "/v1/reports", body, "", headers);
}

std::string reportBody(const std::string& id, std::uint64_t seq,
                       const std::vector<std::pair<std::string, bool>>& results, double time) {
  nines::probers::Report report;
  report.prober = id;
  report.region = "test";
  report.seq = seq;
  report.time = time > 0 ? time : wallSeconds();
  for (const auto& [address, up] : results) {
    report.results.push_back(
        {healthTarget(address), up, up ? 1.0 : -1.0, up ? "HTTP 200" : "connect: refused"});
  }
  return nines::probers::encodeReport(report);
}

int postSigned(std::uint16_t port, const ProberSpec& prober, std::uint64_t seq,
               const std::vector<std::pair<std::string, bool>>& results) {
  const std::string body = reportBody(prober.id, seq, results);
  return postReport(port, prober.id, nines::probers::signBody(prober.key, body), body).status;
}

int postOversized(std::uint16_t port, const std::string& prober, std::size_t content_length) {
  return nines::testing::rawHttpExchange(
             port, "POST /v1/reports HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
                       std::string(nines::probers::kProberHeader) + ": " + prober +
                       "\r\nContent-Type: application/json\r\nContent-Length: " +
                       std::to_string(content_length) + "\r\n\r\n{")
      .status;
}

double secondsUntil(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
  const auto start = std::chrono::steady_clock::now();
  if (!nines::testing::waitUntil(condition, timeout)) return -1;
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace nines::integration
