#include "headless_browser.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

namespace nines::testing {

namespace {

using Clock = std::chrono::steady_clock;
// Generous: a loaded machine may take seconds to start a browser or lay out a large page.
constexpr auto kCallTimeout = std::chrono::seconds(30);

bool writeAll(int fd, const std::string& data) {
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace

std::string HeadlessBrowser::executable() {
  if (const char* configured = std::getenv("NINES_CHROMIUM"); configured && *configured) {
    return ::access(configured, X_OK) == 0 ? configured : "";
  }
  return ::access("/usr/bin/chromium", X_OK) == 0 ? "/usr/bin/chromium" : "";
}

HeadlessBrowser::HeadlessBrowser() {
  const std::string binary = executable();
  if (binary.empty()) {
    error_ = "no chromium (install Debian's chromium, or set NINES_CHROMIUM)";
    return;
  }
  int commands[2], replies[2];
  if (::pipe2(commands, O_CLOEXEC) != 0 || ::pipe2(replies, O_CLOEXEC) != 0) {
    error_ = "pipe failed";
    return;
  }
  const std::string log_path = profile_.path() + "/browser.log";
  std::vector<std::string> args = {
      binary, "--headless=new", "--no-sandbox", "--remote-debugging-pipe",
      "--user-data-dir=" + profile_.path() + "/profile", "--no-first-run",
      "--no-default-browser-check", "--disable-gpu", "--disable-extensions", "--disable-sync",
      "--disable-background-networking", "--disable-component-update", "--disable-default-apps",
      "--disable-domain-reliability", "--disable-client-side-phishing-detection", "--no-pings",
      "--mute-audio",
      // Loopback goes direct (Chromium never proxies it); anything else meets a closed port.
      "--proxy-server=http://127.0.0.1:9", "about:blank"};
  pid_ = ::fork();
  if (pid_ == 0) {
    ::setpgid(0, 0);
    // fd 3: commands in; fd 4: replies out. Moved above 4 first, since pipe2 may have handed
    // out 3 or 4 themselves; dup2 clears O_CLOEXEC on the copies.
    const int in = ::fcntl(commands[0], F_DUPFD_CLOEXEC, 10);
    const int out = ::fcntl(replies[1], F_DUPFD_CLOEXEC, 10);
    ::dup2(in, 3);
    ::dup2(out, 4);
    const int log = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (log >= 0) {
      ::dup2(log, 1);
      ::dup2(log, 2);
    }
    std::vector<char*> argv;
    for (auto& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    ::execv(binary.c_str(), argv.data());
    ::_exit(127);
  }
  ::close(commands[0]);
  ::close(replies[1]);
  to_browser_ = commands[1];
  from_browser_ = replies[0];
  if (pid_ < 0) {
    error_ = "fork failed";
    return;
  }
  ::setpgid(pid_, pid_);  // also from here, so the group exists whichever runs first
  auto version = call("Browser.getVersion", nlohmann::json::object(), true);
  if (!version) {
    error_ = "chromium did not answer on its DevTools pipe: " + error_ + "\n" + log();
    return;
  }
  ok_ = true;
}

HeadlessBrowser::~HeadlessBrowser() {
  if (pid_ > 0) {
    // The browser and its renderers, GPU and zygote processes: the whole group it leads.
    ::kill(-pid_, SIGKILL);
    ::kill(pid_, SIGKILL);
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
  }
  if (to_browser_ >= 0) ::close(to_browser_);
  if (from_browser_ >= 0) ::close(from_browser_);
  // profile_ removes the temporary directory.
}

std::string HeadlessBrowser::log() const { return readFile(profile_.path() + "/browser.log"); }

void HeadlessBrowser::handle(const nlohmann::json& message) {
  if (message.contains("id")) {
    replies_.push_back(message);
    return;
  }
  if (message.value("method", "") == "Network.requestWillBeSent") {
    requested_.push_back(message["params"]["request"].value("url", ""));
  }
}

bool HeadlessBrowser::readSome(Clock::time_point deadline) {
  char chunk[65536];
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  if (left.count() <= 0) return false;
  pollfd waiting{from_browser_, POLLIN, 0};
  const int ready = ::poll(&waiting, 1, static_cast<int>(left.count()));
  if (ready <= 0) return ready < 0 && errno == EINTR;
  const ssize_t n = ::read(from_browser_, chunk, sizeof chunk);
  if (n <= 0) return n < 0 && errno == EINTR;
  buffer_.append(chunk, static_cast<std::size_t>(n));
  for (std::size_t end = buffer_.find('\0'); end != std::string::npos; end = buffer_.find('\0')) {
    nlohmann::json message = nlohmann::json::parse(buffer_.substr(0, end), nullptr, false);
    buffer_.erase(0, end + 1);
    if (!message.is_discarded()) handle(message);
  }
  return true;
}

std::optional<nlohmann::json> HeadlessBrowser::call(const std::string& method,
                                                    nlohmann::json params, bool browser_level) {
  if (to_browser_ < 0) return std::nullopt;
  const std::uint64_t id = next_id_++;
  nlohmann::json command = {{"id", id}, {"method", method}, {"params", std::move(params)}};
  if (!browser_level && !session_.empty()) command["sessionId"] = session_;
  if (!writeAll(to_browser_, command.dump() + std::string(1, '\0'))) {
    error_ = method + ": the browser's pipe is closed";
    return std::nullopt;
  }
  const auto deadline = Clock::now() + kCallTimeout;
  while (true) {
    for (auto it = replies_.begin(); it != replies_.end(); ++it) {
      if ((*it)["id"] != id) continue;
      nlohmann::json reply = std::move(*it);
      replies_.erase(it);
      if (reply.contains("error")) {
        error_ = method + ": " + reply["error"].dump();
        return std::nullopt;
      }
      return reply["result"];
    }
    if (!readSome(deadline)) {
      error_ = method + ": no reply " +
               (Clock::now() >= deadline ? "within the deadline" : "(the pipe closed)");
      return std::nullopt;
    }
  }
}

bool HeadlessBrowser::open(const std::string& url) {
  auto target = call("Target.createTarget", {{"url", "about:blank"}}, true);
  if (!target) return false;
  auto attached =
      call("Target.attachToTarget", {{"targetId", (*target)["targetId"]}, {"flatten", true}}, true);
  if (!attached) return false;
  session_ = (*attached)["sessionId"].get<std::string>();
  if (!call("Network.enable", nlohmann::json::object()) ||
      !call("Page.enable", nlohmann::json::object())) {
    return false;
  }
  auto navigated = call("Page.navigate", {{"url", url}});
  if (!navigated) return false;
  if (navigated->contains("errorText")) {
    error_ = "Page.navigate: " + (*navigated)["errorText"].dump();
    return false;
  }
  return true;
}

std::optional<nlohmann::json> HeadlessBrowser::evaluate(const std::string& expression) {
  auto result = call("Runtime.evaluate", {{"expression", expression}, {"returnByValue", true}});
  if (!result) return std::nullopt;
  if (result->contains("exceptionDetails")) {
    error_ = "evaluate " + expression + ": " + (*result)["exceptionDetails"].dump();
    return std::nullopt;
  }
  const auto& value = (*result)["result"];
  return value.contains("value") ? value["value"] : nlohmann::json(nullptr);
}

bool HeadlessBrowser::waitFor(const std::string& expression, const nlohmann::json& expected,
                              std::chrono::milliseconds timeout, nlohmann::json* last) {
  return waitUntil(
      [&] {
        auto value = evaluate(expression);
        if (last) *last = value ? *value : nlohmann::json(nullptr);
        return value && *value == expected;
      },
      timeout);
}

std::vector<std::string> HeadlessBrowser::requestedUrls() {
  // Events that came in since the last reply: drained with a call that answers at once.
  call("Runtime.evaluate", {{"expression", "0"}});
  return requested_;
}

}  // namespace nines::testing
