#include "nines/base/log.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace nines::base {
namespace {

TEST(Log, TextLineKeepsTheFormatTestsAndPeopleRead) {
  EXPECT_EQ(formatLogLine(LogFormat::Text, "2024-06-01T12:00:00.123Z", "dnsd", LogLevel::Warning,
                          "report refused"),
            "2024-06-01T12:00:00.123Z dnsd warning: report refused");
  // One event stays one line.
  EXPECT_EQ(formatLogLine(LogFormat::Text, "T", "dnsd", LogLevel::Info, "a\nb"),
            "T dnsd info: a b");
}

TEST(Log, JsonLineIsOneObjectWithTheFourFields) {
  const std::string line = formatLogLine(LogFormat::Json, "2024-06-01T12:00:00.123Z", "prober",
                                         LogLevel::Error, "zone \"x\"\tline\n2 \\ \x01 é");
  EXPECT_EQ(line.find('\n'), std::string::npos);
  auto json = nlohmann::json::parse(line);
  EXPECT_EQ(json.size(), 4u);
  EXPECT_EQ(json["time"], "2024-06-01T12:00:00.123Z");
  EXPECT_EQ(json["level"], "error");
  EXPECT_EQ(json["program"], "prober");
  EXPECT_EQ(json["message"], "zone \"x\"\tline\n2 \\ \x01 é");
}

TEST(Log, LevelsAndFormatsByName) {
  struct Case {
    const char* name;
    std::optional<LogLevel> level;
  };
  for (const Case& c : {Case{"debug", LogLevel::Debug}, Case{"info", LogLevel::Info},
                        Case{"warning", LogLevel::Warning}, Case{"error", LogLevel::Error},
                        Case{"warn", std::nullopt}, Case{"INFO", std::nullopt}}) {
    EXPECT_EQ(parseLogLevel(c.name), c.level) << c.name;
  }
  EXPECT_EQ(parseLogFormat("text"), LogFormat::Text);
  EXPECT_EQ(parseLogFormat("json"), LogFormat::Json);
  EXPECT_EQ(parseLogFormat("logfmt"), std::nullopt);
}

TEST(Log, MinimumLevelDropsWhatIsBelowIt) {
  setLogLevel(LogLevel::Warning);
  EXPECT_FALSE(logEnabled(LogLevel::Debug));
  EXPECT_FALSE(logEnabled(LogLevel::Info));
  EXPECT_TRUE(logEnabled(LogLevel::Warning));
  EXPECT_TRUE(logEnabled(LogLevel::Error));
  setLogLevel(LogLevel::Debug);
  EXPECT_TRUE(logEnabled(LogLevel::Debug));
  setLogLevel(LogLevel::Info);
}

}  // namespace
}  // namespace nines::base
