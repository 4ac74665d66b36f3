#include "nines/base/log.h"

#include <cstdio>
#include <ctime>
#include <mutex>
#include <string>

namespace nines::base {

namespace {

std::mutex& logMutex() {
  static std::mutex mutex;
  return mutex;
}

std::string& programName() {
  static std::string name = "nines";
  return name;
}

}  // namespace

void setLogProgram(std::string_view name) {
  std::lock_guard lock(logMutex());
  programName() = std::string(name);
}

void logLine(LogLevel level, std::string_view message) {
  static constexpr const char* kLevel[] = {"info", "warning", "error"};
  std::timespec now{};
  std::timespec_get(&now, TIME_UTC);
  std::tm utc{};
  gmtime_r(&now.tv_sec, &utc);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &utc);
  std::lock_guard lock(logMutex());
  std::fprintf(stderr, "%s.%03ldZ %s %s: %.*s\n", stamp, now.tv_nsec / 1000000,
               programName().c_str(), kLevel[static_cast<int>(level)],
               static_cast<int>(message.size()), message.data());
  std::fflush(stderr);
}

}  // namespace nines::base
