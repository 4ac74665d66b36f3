// Operator-facing log lines on stderr, one line per event ("TIME PROGRAM LEVEL: message"), shared
// by dnsd and the prober; never on the query path.
#pragma once

#include <string_view>

namespace nines::base {

enum class LogLevel { Info, Warning, Error };

// Names the program in every line ("dnsd", "prober"); call once at start.
void setLogProgram(std::string_view name);
void logLine(LogLevel level, std::string_view message);
inline void logInfo(std::string_view message) { logLine(LogLevel::Info, message); }
inline void logWarning(std::string_view message) { logLine(LogLevel::Warning, message); }
inline void logError(std::string_view message) { logLine(LogLevel::Error, message); }

}  // namespace nines::base
