// Runs every seed of the query fuzz corpus through the fuzz target, so the corpus is an ordinary
// regression test on every build (with or without clang).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);
int fuzzReportInput(const std::uint8_t* data, std::size_t size);

namespace {

// Runs `target` on every file of tests/fuzz/corpus/`name`; returns how many there were.
template <typename Target>
std::size_t runSeeds(const char* name, Target target) {
  std::filesystem::path corpus =
      std::filesystem::path(NINES_SOURCE_DIR) / "tests/fuzz/corpus" / name;
  std::size_t seeds = 0;
  for (const auto& entry : std::filesystem::directory_iterator(corpus)) {
    std::ifstream in(entry.path(), std::ios::binary);
    std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                                    std::istreambuf_iterator<char>());
    SCOPED_TRACE(entry.path().filename().string());
    EXPECT_EQ(target(bytes.data(), bytes.size()), 0);
    ++seeds;
  }
  return seeds;
}

}  // namespace

TEST(FuzzSeeds, EveryQuerySeedRunsClean) {
  EXPECT_GE(runSeeds("query", LLVMFuzzerTestOneInput), 20u);
}

TEST(FuzzSeeds, EveryReportSeedRunsClean) { EXPECT_GE(runSeeds("report", fuzzReportInput), 10u); }
