// Shared by the health tests (health_*_test.cc): a zone whose endpoints are real HTTP backends on
// loopback (127.0.0.11/.12/.13, one per region), dnsd.toml [health] sections, signed reports
// posted by the test itself, and a stopwatch for "how long until". /v1/status is read with
// status_json.h.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "integration_harness.h"

namespace httplib {
class Server;
}

namespace nines::integration {

// The endpoints of health.test, one per region, in the services' failover order.
inline const Strings kHealthEndpoints = {"127.0.0.11", "127.0.0.12", "127.0.0.13"};
inline const Strings kHealthRegions = {"us-east", "eu-west", "ap-south"};
inline const char* const kHealthZone = "health.test.";

// The http check every service of health.test names ("web", GET /health, 200 expected). A loopback
// GET takes a millisecond, but on a loaded machine (CTest runs tests in parallel) the backend's
// thread may wait its turn for a few hundred: a shorter timeout would flap a healthy backend down.
struct CheckTiming {
  double interval = 0.5;  // seconds
  double timeout = 0.4;   // below the interval
  int rise = 2;
  int fall = 2;
};

// health.test: regions us-east, eu-west, ap-south and two failover services over the same
// endpoints (kHealthEndpoints, order us-east, eu-west, ap-south), both checked by "web" on `port`:
//   app   no slow start: the answer moves the moment the health does
//   ramp  slow_start = `slow_start` seconds
std::string healthZone(std::uint16_t port, const CheckTiming& timing, double slow_start);

// The check target id of endpoint `address` of health.test ("health.test.|web|127.0.0.11").
std::string healthTarget(const std::string& address);

// Waits (15 s at most) until /v1/status on `http_port` has every endpoint of health.test's `app`
// up: every endpoint checked and risen before anything is measured.
bool waitAllAppEndpointsUp(std::uint16_t http_port);

// A prober dnsd takes reports from: its id and its key as written in dnsd.toml (base64).
struct ProberSpec {
  std::string id;
  std::string key_base64;
  std::string key;  // the raw bytes, for signing
};
// Three probers for the tests, p1, p2 and p3 (keys of printable text, so a log can be searched for
// the raw key as well as its base64).
const std::vector<ProberSpec>& testProbers();

// dnsd.toml sections: [http] on 127.0.0.1:`http_port` (0: any), [health] with allow_nets
// ["127.0.0.0/8"], `report_ttl` and one [[health.probers]] per entry of `probers` (none: the
// embedded prober).
std::string healthSections(std::uint16_t http_port, double report_ttl,
                           const std::vector<ProberSpec>& probers);

// An HTTP server answering every GET with 200 "ok" on one address. Its socket has SO_REUSEADDR
// only (cpp-httplib's default is SO_REUSEPORT, which would let a backend of another test run on
// the same address and port, and a stopped backend would still seem to answer).
class LoopbackBackend {
 public:
  LoopbackBackend();
  ~LoopbackBackend();
  LoopbackBackend(const LoopbackBackend&) = delete;
  LoopbackBackend& operator=(const LoopbackBackend&) = delete;
  // Listens on `host`:`port` (0: any); the port, or 0 when it could not be bound.
  std::uint16_t start(const std::string& host, std::uint16_t port);
  void stop();

 private:
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
};

// One HTTP backend on each of kHealthEndpoints, all on the same port (found at start()).
class Backends {
 public:
  // Starts all three; false when no common port could be bound.
  bool start();
  std::uint16_t port() const { return port_; }
  void stop(std::size_t index);
  // Starts backend `index` again on the same port (retrying for a moment if the port is still
  // held); whether it listens.
  bool restart(std::size_t index);

 private:
  std::uint16_t port_ = 0;
  LoopbackBackend backends_[3];
};

// The addresses of the A answer of `service`.health.test. (RD off, EDNS, the ECS net `ecs` when
// not empty), decoded by ldns.
Strings healthAnswer(const DnsdServer& server, const std::string& service,
                     const std::string& ecs = "");

// POST /v1/reports with the two headers (left out when empty) and `body`.
HttpReply postReport(std::uint16_t port, const std::string& prober, const std::string& signature,
                     const std::string& body);
// A report body of prober `id` (region "test"), with one result per (address, up) pair for the
// targets of health.test; `time` 0: now.
std::string reportBody(const std::string& id, std::uint64_t seq,
                       const std::vector<std::pair<std::string, bool>>& results, double time = 0);
// reportBody() signed with `prober`'s key and posted; the HTTP status.
int postSigned(std::uint16_t port, const ProberSpec& prober, std::uint64_t seq,
               const std::vector<std::pair<std::string, bool>>& results);
// A POST /v1/reports announcing `content_length` bytes of body from prober `prober`, written on a
// raw socket with no body at all: the status dnsd answers before reading one (0: none).
int postOversized(std::uint16_t port, const std::string& prober, std::size_t content_length);

// Seconds from now until `condition` holds (polled every 10 ms), or -1 when it did not within
// `timeout`.
double secondsUntil(const std::function<bool()>& condition, std::chrono::milliseconds timeout);

}  // namespace nines::integration
