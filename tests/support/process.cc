#include "process.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

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

DnsdProcess::DnsdProcess(std::string config_path, std::vector<std::string> extra_args) {
  log_path_ = config_path + ".log";
  std::string binary = std::string(NINES_BIN_DIR) + "/dnsd";
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

DnsdProcess::~DnsdProcess() {
  if (pid_ > 0 && !status_) {
    kill(pid_, SIGKILL);
    int status;
    waitpid(pid_, &status, 0);
  }
}

bool DnsdProcess::running() {
  if (status_) return false;
  int status;
  if (waitpid(pid_, &status, WNOHANG) == pid_) {
    status_ = status;
    return false;
  }
  return true;
}

bool DnsdProcess::waitReady(std::chrono::milliseconds timeout) {
  static const std::regex listening(R"(listening on 127\.0\.0\.1:(\d+))");
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

std::string DnsdProcess::log() const { return readFile(log_path_); }

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

void DnsdProcess::signal(int number) {
  if (pid_ > 0 && !status_) kill(pid_, number);
}

int DnsdProcess::waitExit(std::chrono::milliseconds timeout) {
  waitUntil([&] { return !running(); }, timeout);
  if (!status_) return -1;
  return WIFEXITED(*status_) ? WEXITSTATUS(*status_) : -1;
}

int DnsdProcess::stop(std::chrono::milliseconds timeout) {
  signal(SIGTERM);
  return waitExit(timeout);
}

std::string testServerConfig(const std::string& zones_dir, const std::string& extra) {
  return "[server]\nlisten = [\"127.0.0.1:0\"]\nzones = \"" + zones_dir + "\"\nthreads = 1\n" +
         extra;
}

}  // namespace nines::testing
