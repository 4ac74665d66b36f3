#include "process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

namespace nines::testing {

namespace fs = std::filesystem;

bool waitUntil(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (condition()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

TempDir::TempDir() {
  std::string pattern = (fs::temp_directory_path() / "nines-test.XXXXXX").string();
  path_ = mkdtemp(pattern.data());
}

TempDir::~TempDir() {
  std::error_code ignored;
  fs::remove_all(path_, ignored);
}

std::string TempDir::write(const std::string& relative, const std::string& content) const {
  fs::path full = fs::path(path_) / relative;
  fs::create_directories(full.parent_path());
  std::ofstream(full) << content;
  return full.string();
}

std::string readFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

ChildProcess::ChildProcess(const std::string& binary_name, const std::string& config_path,
                           const std::vector<std::string>& extra_args)
    : log_path_(config_path + ".log") {
  std::string binary = std::string(NINES_BIN_DIR) + "/" + binary_name;
  pid_ = fork();
  if (pid_ == 0) {
    FILE* log = std::fopen(log_path_.c_str(), "w");
    if (log) {
      dup2(fileno(log), STDERR_FILENO);
      dup2(fileno(log), STDOUT_FILENO);
    }
    std::vector<std::string> args = {binary, "--config", config_path};
    args.insert(args.end(), extra_args.begin(), extra_args.end());
    std::vector<char*> argv;
    for (auto& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    execv(binary.c_str(), argv.data());
    _exit(127);
  }
}

ChildProcess::~ChildProcess() {
  if (pid_ > 0 && !status_) {
    kill(pid_, SIGKILL);
    int status;
    waitpid(pid_, &status, 0);
  }
}

bool ChildProcess::running() {
  if (status_) return false;
  int status;
  if (waitpid(pid_, &status, WNOHANG) == pid_) {
    status_ = status;
    return false;
  }
  return true;
}

std::string ChildProcess::log() const { return readFile(log_path_); }

void ChildProcess::signal(int number) {
  if (pid_ > 0 && !status_) kill(pid_, number);
}

int ChildProcess::waitExit(std::chrono::milliseconds timeout) {
  waitUntil([&] { return !running(); }, timeout);
  if (!status_) return -1;
  return WIFEXITED(*status_) ? WEXITSTATUS(*status_) : -1;
}

int ChildProcess::stop(std::chrono::milliseconds timeout) {
  signal(SIGTERM);
  return waitExit(timeout);
}

DnsdProcess::DnsdProcess(std::string config_path, std::vector<std::string> extra_args)
    : ChildProcess("dnsd", config_path, extra_args) {}

bool DnsdProcess::waitReady(std::chrono::milliseconds timeout) {
  static const std::regex listening(R"(dnsd info: listening on 127\.0\.0\.1:(\d+))");
  return waitUntil(
             [&] {
               if (!running()) return true;  // stop waiting; reported below
               std::smatch match;
               std::string text = log();
               if (std::regex_search(text, match, listening) &&
                   text.find("dnsd info: ready") != std::string::npos) {
                 port_ = static_cast<std::uint16_t>(std::stoi(match[1]));
                 return true;
               }
               return false;
             },
             timeout) &&
         port_ != 0 && running();
}

std::vector<std::string> DnsdProcess::listenAddresses() const {
  static const std::regex listening(R"(listening on (\S+:\d+) \()");
  std::vector<std::string> addresses;
  std::string text = log();
  for (std::sregex_iterator it(text.begin(), text.end(), listening), end; it != end; ++it) {
    addresses.push_back((*it)[1]);
  }
  return addresses;
}

std::uint16_t DnsdProcess::portFor(const std::string& host) const {
  for (const auto& address : listenAddresses()) {
    auto colon = address.rfind(':');
    if (address.substr(0, colon) == host) {
      return static_cast<std::uint16_t>(std::stoi(address.substr(colon + 1)));
    }
  }
  return 0;
}

std::uint16_t DnsdProcess::httpPort() const {
  static const std::regex listening(R"(http listening on 127\.0\.0\.1:(\d+))");
  std::smatch match;
  std::string text = log();
  if (!std::regex_search(text, match, listening)) return 0;
  return static_cast<std::uint16_t>(std::stoi(match[1]));
}

std::optional<double> logTime(const std::string& log, const std::string& text) {
  const std::size_t at = log.find(text);
  if (at == std::string::npos) return std::nullopt;
  const std::size_t line = log.rfind('\n', at);
  const char* stamp = log.c_str() + (line == std::string::npos ? 0 : line + 1);
  std::tm utc{};
  int milliseconds = 0;
  if (std::sscanf(stamp, "%4d-%2d-%2dT%2d:%2d:%2d.%3dZ", &utc.tm_year, &utc.tm_mon, &utc.tm_mday,
                  &utc.tm_hour, &utc.tm_min, &utc.tm_sec, &milliseconds) != 7) {
    return std::nullopt;
  }
  utc.tm_year -= 1900;
  utc.tm_mon -= 1;
  return static_cast<double>(timegm(&utc)) + milliseconds / 1000.0;
}

std::string binaryPath(const std::string& name) { return std::string(NINES_BIN_DIR) + "/" + name; }

CommandResult runCommand(const std::vector<std::string>& argv, std::chrono::milliseconds timeout) {
  CommandResult result;
  int out[2], err[2];
  if (argv.empty() || pipe2(out, O_CLOEXEC) != 0) return result;
  if (pipe2(err, O_CLOEXEC) != 0) {
    close(out[0]);
    close(out[1]);
    return result;
  }
  pid_t pid = fork();
  if (pid == 0) {
    dup2(out[1], STDOUT_FILENO);
    dup2(err[1], STDERR_FILENO);
    std::vector<std::string> args = argv;
    std::vector<char*> pointers;
    for (auto& arg : args) pointers.push_back(arg.data());
    pointers.push_back(nullptr);
    execv(pointers[0], pointers.data());
    _exit(127);
  }
  close(out[1]);
  close(err[1]);
  // Read both pipes until both close or the deadline passes (bounded: no hung test).
  auto deadline = std::chrono::steady_clock::now() + timeout;
  pollfd fds[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
  std::string* sinks[2] = {&result.out, &result.err};
  int open_pipes = pid > 0 ? 2 : 0;
  bool timed_out = false;
  while (open_pipes > 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    if (poll(fds, 2, static_cast<int>(left.count())) < 0 && errno != EINTR) break;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      char buffer[4096];
      ssize_t n = read(fds[i].fd, buffer, sizeof buffer);
      if (n > 0) {
        sinks[i]->append(buffer, static_cast<std::size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_pipes;
      }
    }
  }
  for (auto& fd : fds) {
    if (fd.fd >= 0) close(fd.fd);
  }
  if (pid <= 0) return result;
  int status = 0;
  auto reaped = [&] { return waitpid(pid, &status, WNOHANG) == pid; };
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  if (timed_out || !waitUntil(reaped, std::max(left, std::chrono::milliseconds(0)))) {
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    return result;
  }
  if (WIFEXITED(status)) result.status = WEXITSTATUS(status);
  return result;
}

std::string testServerConfig(const std::string& zones_dir, const std::string& extra) {
  return "[server]\nlisten = [\"127.0.0.1:0\"]\nzones = \"" + zones_dir + "\"\nthreads = 1\n" +
         extra;
}

}  // namespace nines::testing
