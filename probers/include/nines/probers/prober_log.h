// The prober daemon's log: one line per event on stderr, "TIME prober LEVEL: message".
#pragma once

#include <string_view>

namespace nines::probers {

enum class LogLevel { Info, Warning, Error };

void logLine(LogLevel level, std::string_view message);
inline void logInfo(std::string_view message) { logLine(LogLevel::Info, message); }
inline void logWarning(std::string_view message) { logLine(LogLevel::Warning, message); }
inline void logError(std::string_view message) { logLine(LogLevel::Error, message); }

}  // namespace nines::probers
