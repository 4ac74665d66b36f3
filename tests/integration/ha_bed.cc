#include "ha_bed.h"

#include <fcntl.h>
#include <httplib.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <utility>

#include "dns_client.h"

namespace nines::integration {

namespace {

using nines::testing::CommandResult;
using nines::testing::runCommand;

std::string scriptPath() { return std::string(NINES_SOURCE_DIR) + "/tools/ha-bed.sh"; }

// What the SIGINT/SIGTERM handler needs to tear the bed down, prepared before it can run: the
// argv of `env HA_BED_DIR=... tools/ha-bed.sh stop`.
std::vector<std::string> g_stop_strings;
std::vector<char*> g_stop_argv;
struct sigaction g_previous_int, g_previous_term;
// This process's own network namespace: the teardown must not run inside the client namespace,
// or the script would take itself for one of the bed's processes.
int g_home_netns = -1;

void stopOnSignal(int number) {
  if (g_home_netns >= 0) setns(g_home_netns, CLONE_NEWNET);
  if (!g_stop_argv.empty()) {
    const pid_t pid = fork();
    if (pid == 0) {
      execv(g_stop_argv[0], g_stop_argv.data());
      _exit(127);
    }
    if (pid > 0) waitpid(pid, nullptr, 0);
  }
  sigaction(SIGINT, &g_previous_int, nullptr);
  sigaction(SIGTERM, &g_previous_term, nullptr);
  raise(number);
}

std::vector<std::string> scriptArgs(const std::string& dir, const std::string& owner) {
  return {"/usr/bin/env", "HA_BED_DIR=" + dir, "HA_BED_OWNER=" + owner,
          "HA_BED_BIN=" + std::string(NINES_BIN_DIR), scriptPath()};
}

}  // namespace

std::string bedRegionOf(const std::string& address) {
  if (address.rfind("192.0.2.", 0) == 0) return "us-east";
  if (address.rfind("198.51.100.", 0) == 0) return "eu-west";
  if (address.rfind("203.0.113.", 0) == 0) return "ap-south";
  return "?";
}

HaBed::~HaBed() { stop(); }

std::string HaBed::unavailableReason() {
  if (geteuid() != 0) return "the HA bed needs root (network namespaces); run as root to test it";
  if (access("/usr/sbin/ip", X_OK) != 0 && access("/sbin/ip", X_OK) != 0 &&
      access("/usr/bin/ip", X_OK) != 0) {
    return "the HA bed needs iproute2's `ip`";
  }
  CommandResult probe = runCommand({"/usr/bin/env", "ip", "netns", "list"});
  if (probe.status != 0) return "`ip netns` does not work here: " + probe.err;
  return "";
}

bool HaBed::start() {
  const std::string owner = std::to_string(getpid());
  prefix_ = "hab-" + owner;
  g_stop_strings = scriptArgs(dir_.path() + "/bed", owner);
  g_stop_strings.push_back("stop");
  g_stop_argv.clear();
  for (auto& text : g_stop_strings) g_stop_argv.push_back(text.data());
  g_stop_argv.push_back(nullptr);
  struct sigaction action {};
  action.sa_handler = stopOnSignal;
  sigaction(SIGINT, &action, &g_previous_int);
  sigaction(SIGTERM, &action, &g_previous_term);
  started_ = true;

  auto args = scriptArgs(dir_.path() + "/bed", owner);
  args.push_back("start");
  CommandResult result = runCommand(args, std::chrono::seconds(60));
  if (result.status != 0) {
    error_ = "tools/ha-bed.sh start: " + result.out + result.err;
    return false;
  }
  home_netns_ = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  g_home_netns = home_netns_;
  const int client = open(("/run/netns/" + prefix_ + "-client").c_str(), O_RDONLY | O_CLOEXEC);
  if (client < 0 || setns(client, CLONE_NEWNET) != 0) {
    error_ = "cannot enter the client namespace " + prefix_ + "-client";
    if (client >= 0) close(client);
    return false;
  }
  close(client);
  return true;
}

void HaBed::stop() {
  if (!started_) return;
  started_ = false;
  if (home_netns_ >= 0) {
    g_home_netns = -1;
    setns(home_netns_, CLONE_NEWNET);
    close(home_netns_);
    home_netns_ = -1;
  }
  auto args = scriptArgs(dir_.path() + "/bed", std::to_string(getpid()));
  args.push_back("stop");
  runCommand(args, std::chrono::seconds(60));
  sigaction(SIGINT, &g_previous_int, nullptr);
  sigaction(SIGTERM, &g_previous_term, nullptr);
  g_stop_argv.clear();
}

bool HaBed::run(const std::vector<std::string>& command) {
  auto args = scriptArgs(dir_.path() + "/bed", std::to_string(getpid()));
  args.insert(args.end(), command.begin(), command.end());
  CommandResult result = runCommand(args, std::chrono::seconds(30));
  if (result.status != 0) {
    error_ = "tools/ha-bed.sh: " + result.out + result.err;
    return false;
  }
  return true;
}

std::string HaBed::log(const std::string& process) const {
  return nines::testing::readFile(dir_.path() + "/bed/logs/" + process + ".log");
}

std::string HaBed::configPath(const std::string& nameserver) const {
  return dir_.path() + "/bed/config/" + nameserver + ".toml";
}

Strings HaBed::answer(const std::string& server, const std::string& service,
                      const std::string& ecs) {
  auto query =
      nines::testing::buildQuery(service + ".ha.test.", "A", nines::testing::ecsQuery(ecs));
  auto wire = nines::testing::exchangeUdpWith(server, 53, query, 1000);
  if (!wire) return {"<no answer>"};
  auto response = nines::testing::decodeResponse(*wire);
  if (!response.parsed || response.rcode != "NOERROR") return {"<" + response.rcode + ">"};
  Strings addresses = addressesOf(response.answer);
  std::sort(addresses.begin(), addresses.end());
  return addresses;
}

std::string HaBed::httpText(const std::string& server, const std::string& path) {
  httplib::Client client(server, 8053);
  client.set_connection_timeout(2);
  client.set_read_timeout(5);
  auto reply = client.Get(path);
  return reply && reply->status == 200 ? reply->body : "";
}

nlohmann::json HaBed::statusOf(const std::string& server) {
  return nlohmann::json::parse(httpText(server, "/v1/status"), nullptr, false);
}

std::map<std::string, std::string> HaBed::verdicts(const std::string& server) {
  std::map<std::string, std::string> out;
  auto status = statusOf(server);
  if (!status.is_object() || !status.contains("services")) return out;
  for (const auto& service : status["services"]) {
    for (const auto& region : service["regions"]) {
      out[service["name"].get<std::string>() + "/" + region["name"].get<std::string>()] =
          region["state"].get<std::string>();
    }
  }
  return out;
}

AnswerPoller::AnswerPoller(std::string service, std::string ecs)
    : service_(std::move(service)), ecs_(std::move(ecs)) {
  thread_ = std::thread([this] {
    // Bounded: it stops when told or after 10 minutes, whichever comes first.
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::minutes(10);
    while (!stop_ && std::chrono::steady_clock::now() < give_up) {
      const auto next = std::chrono::steady_clock::now() + std::chrono::milliseconds(100);
      for (std::size_t s = 0; s < kBedNameservers.size(); ++s) {
        Strings addresses = HaBed::answer(kBedNameservers[s], service_, ecs_);
        std::lock_guard<std::mutex> lock(mutex_);
        samples_.push_back({std::chrono::steady_clock::now(), s, std::move(addresses)});
      }
      std::this_thread::sleep_until(next);
    }
  });
}

AnswerPoller::~AnswerPoller() { stop(); }

void AnswerPoller::stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

std::vector<AnswerPoller::Sample> AnswerPoller::samples() {
  std::lock_guard<std::mutex> lock(mutex_);
  return samples_;
}

}  // namespace nines::integration
