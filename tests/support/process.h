// Test-side processes and files: a temporary directory, the real dnsd binary started on a port
// it picks itself, and waiting with a deadline instead of sleeping.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace nines::testing {

// Polls `condition` until it holds or `timeout` passes. Returns whether it held.
bool waitUntil(const std::function<bool()>& condition,
               std::chrono::milliseconds timeout = std::chrono::seconds(10));

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  // Writes `content` to `relative` (creating directories) and returns the full path.
  std::string write(const std::string& relative, const std::string& content) const;

 private:
  std::string path_;
};

std::string readFile(const std::string& path);

// One of this build's binaries (dnsd, prober), started with `--config CONFIG` and extra
// arguments; its stdout and stderr go to CONFIG.log.
class ChildProcess {
 public:
  ChildProcess(const std::string& binary_name, const std::string& config_path,
               const std::vector<std::string>& extra_args = {});
  ~ChildProcess();  // SIGKILL if still running
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  std::string log() const;
  pid_t pid() const { return pid_; }
  bool running();
  void signal(int number);
  // SIGTERM, then waits; returns the exit status (-1 on timeout or abnormal end).
  int stop(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // Waits for the process to exit by itself; returns its exit status or -1.
  int waitExit(std::chrono::milliseconds timeout);

 private:
  pid_t pid_ = -1;
  std::optional<int> status_;
  std::string log_path_;
};

class DnsdProcess : public ChildProcess {
 public:
  explicit DnsdProcess(std::string config_path, std::vector<std::string> extra_args = {});

  // Waits for "listening on 127.0.0.1:PORT" in the log; returns false if dnsd exited or the
  // deadline passed.
  bool waitReady(std::chrono::milliseconds timeout = std::chrono::seconds(20));
  std::uint16_t port() const { return port_; }  // the IPv4 port (first listen address)
  // Every address from a "listening on ADDRESS:PORT" line of the log, in order, e.g.
  // "127.0.0.1:41234", "[::1]:40321" (with port 0 each address gets a port of its own).
  std::vector<std::string> listenAddresses() const;
  // The port of the first listen address whose host part is `host` ("127.0.0.1", "[::1]"), or 0.
  std::uint16_t portFor(const std::string& host) const;
  // The port of the first "http listening on 127.0.0.1:PORT" line of the log, or 0.
  std::uint16_t httpPort() const;

 private:
  std::uint16_t port_ = 0;
};

// The time of the first line of `log` that contains `text`, read from the line's own stamp (the
// log format of base/log.cc: "2024-06-01T12:00:00.123Z dnsd info: ..."), in seconds since the
// epoch; nullopt when there is no such line. For timing what a process did by its own clock.
std::optional<double> logTime(const std::string& log, const std::string& text);

// A binary of this build, e.g. binaryPath("ninesctl").
std::string binaryPath(const std::string& name);

// What a finished command left: its exit status (-1 when it ended abnormally or was killed at the
// deadline) and everything it wrote to stdout and stderr.
struct CommandResult {
  int status = -1;
  std::string out;
  std::string err;
};
// Runs `argv` (argv[0] a path, no shell) and waits at most `timeout`, then kills it.
CommandResult runCommand(const std::vector<std::string>& argv,
                         std::chrono::milliseconds timeout = std::chrono::seconds(10));

// The dnsd.toml for tests: loopback on a port dnsd picks, `zones_dir` served, one worker.
std::string testServerConfig(const std::string& zones_dir, const std::string& extra = "");

}  // namespace nines::testing
