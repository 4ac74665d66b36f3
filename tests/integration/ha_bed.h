// The multi-region HA bed for the scenario tests (ha_bed_test.cc): tools/ha-bed.sh builds it
// (network namespaces: three regions with two backends and a prober each, ns1 and ns2, a client;
// see the script for the addresses), this class starts and removes it, injects faults through the
// same script, and queries both nameservers from the client namespace, which the calling thread
// enters for the bed's lifetime.
#pragma once

#include <atomic>
#include <chrono>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "integration_harness.h"
#include "process.h"

namespace nines::integration {

inline const Strings kBedRegions = {"us-east", "eu-west", "ap-south"};
inline const Strings kBedNameservers = {"192.0.2.53", "198.51.100.53"};  // ns1, ns2
// A client subnet in each region (dnsd.toml [geo.nets] of the bed), in kBedRegions order.
inline const Strings kBedClientNets = {"192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24"};
// The bed's intervals (tools/ha-bed.sh): checks every 0.5 s (fall 2), reports every 0.5 s,
// report_ttl 2 s.
inline constexpr double kBedReportInterval = 0.5;

// The region of a bed endpoint address ("192.0.2.11" -> "us-east"), "?" for any other.
std::string bedRegionOf(const std::string& address);

class HaBed {
 public:
  HaBed() = default;
  ~HaBed();  // stop()
  HaBed(const HaBed&) = delete;
  HaBed& operator=(const HaBed&) = delete;

  // Why the bed cannot run here ("" when it can): not root, or no `ip netns`.
  static std::string unavailableReason();
  // Builds and starts the bed and enters its client namespace; false (with the script's output in
  // error()) when it failed.
  bool start();
  // Leaves the client namespace, stops everything, removes the namespaces. Idempotent.
  void stop();
  const std::string& error() const { return error_; }

  // tools/ha-bed.sh COMMAND ARGS... (a fault or its undo); false with the output in error().
  bool run(const std::vector<std::string>& args);
  std::string log(const std::string& process) const;  // e.g. "ns1", "prober-us-east"

  // The sorted A addresses `service`.ha.test. from nameserver `server` (an address of
  // kBedNameservers) for a client in `ecs`; {"<no answer>"} when none came or it was not NOERROR.
  static Strings answer(const std::string& server, const std::string& service,
                        const std::string& ecs);
  // GET http://SERVER:8053/PATH parsed as JSON (null on failure), or the raw body.
  static nlohmann::json statusOf(const std::string& server);
  static std::string httpText(const std::string& server, const std::string& path);
  // "service/region" -> state, for every region of every service in /v1/status of `server`.
  static std::map<std::string, std::string> verdicts(const std::string& server);
  std::string configPath(const std::string& nameserver) const;  // "ns1" -> its dnsd.toml

 private:
  nines::testing::TempDir dir_;
  bool started_ = false;
  int home_netns_ = -1;
  std::string prefix_;
  std::string error_;
};

// A client polling both nameservers every 100 ms for one (service, client subnet) and keeping
// every answer with the time it came, until stopped.
class AnswerPoller {
 public:
  struct Sample {
    std::chrono::steady_clock::time_point at;
    std::size_t server;  // index in kBedNameservers
    Strings addresses;
  };
  AnswerPoller(std::string service, std::string ecs);
  ~AnswerPoller();  // stop()
  void stop();
  std::vector<Sample> samples();

 private:
  std::string service_, ecs_;
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  std::vector<Sample> samples_;
  std::thread thread_;
};

}  // namespace nines::integration
