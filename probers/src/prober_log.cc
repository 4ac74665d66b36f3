#include "nines/probers/prober_log.h"

#include <cstdio>
#include <ctime>
#include <mutex>

namespace nines::probers {

void logLine(LogLevel level, std::string_view message) {
  static std::mutex mutex;
  static constexpr const char* kLevel[] = {"info", "warning", "error"};
  std::timespec now{};
  std::timespec_get(&now, TIME_UTC);
  std::tm utc{};
  gmtime_r(&now.tv_sec, &utc);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &utc);
  std::lock_guard lock(mutex);
  std::fprintf(stderr, "%s.%03ldZ prober %s: %.*s\n", stamp, now.tv_nsec / 1000000,
               kLevel[static_cast<int>(level)], static_cast<int>(message.size()), message.data());
  std::fflush(stderr);
}

}  // namespace nines::probers
