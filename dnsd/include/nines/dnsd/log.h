// Operator-facing log lines on stderr, one line each, never on the query path.
#pragma once

#include <cstdio>
#include <string_view>

namespace nines::dnsd {

enum class LogLevel { Info, Warning, Error };

void logLine(LogLevel level, std::string_view message);
inline void logInfo(std::string_view message) { logLine(LogLevel::Info, message); }
inline void logWarning(std::string_view message) { logLine(LogLevel::Warning, message); }
inline void logError(std::string_view message) { logLine(LogLevel::Error, message); }

}  // namespace nines::dnsd
