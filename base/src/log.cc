#include "nines/base/log.h"

#include <cstdio>
#include <ctime>
#include <mutex>
#include <string>

namespace nines::base {

namespace detail {
std::atomic<int> log_minimum{static_cast<int>(LogLevel::Info)};
}

namespace {

std::atomic<LogFormat> log_format{LogFormat::Text};

std::mutex& logMutex() {
  static std::mutex mutex;
  return mutex;
}

std::string& programName() {
  static std::string name = "nines";
  return name;
}

// A JSON string's contents (RFC 8259 §7): quotes, backslashes and control characters escaped.
// Other bytes pass as they are; messages are UTF-8 or ASCII.
void appendJsonEscaped(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += "\\u00";
          out += kHex[(c >> 4) & 0xf];
          out += kHex[c & 0xf];
        } else {
          out += c;
        }
    }
  }
}

}  // namespace

void setLogProgram(std::string_view name) {
  std::lock_guard lock(logMutex());
  programName() = std::string(name);
}

void setLogFormat(LogFormat format) { log_format.store(format); }

void setLogLevel(LogLevel minimum) { detail::log_minimum.store(static_cast<int>(minimum)); }

const char* logLevelName(LogLevel level) {
  switch (level) {
    case LogLevel::Debug:
      return "debug";
    case LogLevel::Info:
      return "info";
    case LogLevel::Warning:
      return "warning";
    case LogLevel::Error:
      return "error";
  }
  return "info";
}

std::optional<LogLevel> parseLogLevel(std::string_view name) {
  for (LogLevel level : {LogLevel::Debug, LogLevel::Info, LogLevel::Warning, LogLevel::Error}) {
    if (name == logLevelName(level)) return level;
  }
  return std::nullopt;
}

std::optional<LogFormat> parseLogFormat(std::string_view name) {
  if (name == "text") return LogFormat::Text;
  if (name == "json") return LogFormat::Json;
  return std::nullopt;
}

std::string formatLogLine(LogFormat format, std::string_view time, std::string_view program,
                          LogLevel level, std::string_view message) {
  std::string line;
  line.reserve(message.size() + 96);
  if (format == LogFormat::Json) {
    line += "{\"time\":\"";
    appendJsonEscaped(line, time);
    line += "\",\"level\":\"";
    line += logLevelName(level);
    line += "\",\"program\":\"";
    appendJsonEscaped(line, program);
    line += "\",\"message\":\"";
    appendJsonEscaped(line, message);
    line += "\"}";
    return line;
  }
  line.append(time).append(" ").append(program).append(" ").append(logLevelName(level));
  line.append(": ");
  // One event, one line: a message with a newline in it would read as two events.
  for (char c : message) line += (c == '\n' || c == '\r') ? ' ' : c;
  return line;
}

void logLine(LogLevel level, std::string_view message) {
  if (!logEnabled(level)) return;
  std::timespec now{};
  std::timespec_get(&now, TIME_UTC);
  std::tm utc{};
  gmtime_r(&now.tv_sec, &utc);
  char seconds[32];
  std::strftime(seconds, sizeof seconds, "%Y-%m-%dT%H:%M:%S", &utc);
  char stamp[64];
  std::snprintf(stamp, sizeof stamp, "%s.%03ldZ", seconds, now.tv_nsec / 1000000);
  std::lock_guard lock(logMutex());
  std::string line = formatLogLine(log_format.load(), stamp, programName(), level, message);
  line += '\n';
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

}  // namespace nines::base
