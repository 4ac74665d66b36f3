// Operator-facing log lines on stderr, one line per event, shared by dnsd and the prober; never
// on the query path. Two formats:
//   text: "2024-06-01T12:00:00.123Z dnsd info: message"
//   json: {"time":"2024-06-01T12:00:00.123Z","level":"info","program":"dnsd","message":"..."}
// (one object per line, for journald/Loki/Elasticsearch shippers). Lines below the minimum level
// are dropped before anything is formatted.
#pragma once

#include <atomic>
#include <optional>
#include <string>
#include <string_view>

namespace nines::base {

enum class LogLevel { Debug, Info, Warning, Error };
enum class LogFormat { Text, Json };

// What [log] in dnsd.toml and prober.toml says.
struct LogSettings {
  LogFormat format = LogFormat::Text;
  LogLevel level = LogLevel::Info;
};

// Names the program in every line ("dnsd", "prober"); call once at start.
void setLogProgram(std::string_view name);
void setLogFormat(LogFormat format);
void setLogLevel(LogLevel minimum);
inline void applyLogSettings(const LogSettings& settings) {
  setLogFormat(settings.format);
  setLogLevel(settings.level);
}

// "debug", "info", "warning", "error"; nullopt for anything else.
std::optional<LogLevel> parseLogLevel(std::string_view name);
// "text", "json"; nullopt for anything else.
std::optional<LogFormat> parseLogFormat(std::string_view name);
const char* logLevelName(LogLevel level);

namespace detail {
extern std::atomic<int> log_minimum;
}
inline bool logEnabled(LogLevel level) {
  return static_cast<int>(level) >= detail::log_minimum.load(std::memory_order_relaxed);
}

// The line `message` becomes at `level` in `format` (no trailing newline), stamped `time`
// ("2024-06-01T12:00:00.123Z"). Separate from logLine() so tests can pin the formats.
std::string formatLogLine(LogFormat format, std::string_view time, std::string_view program,
                          LogLevel level, std::string_view message);

void logLine(LogLevel level, std::string_view message);
inline void logDebug(std::string_view message) { logLine(LogLevel::Debug, message); }
inline void logInfo(std::string_view message) { logLine(LogLevel::Info, message); }
inline void logWarning(std::string_view message) { logLine(LogLevel::Warning, message); }
inline void logError(std::string_view message) { logLine(LogLevel::Error, message); }

}  // namespace nines::base
