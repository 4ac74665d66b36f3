// Runs every seed of the fuzz corpora through the fuzz targets' checks, so the corpora are an
// ordinary regression test on every build (with or without clang). A broken invariant fails the
// test with the seed's file name and the invariant; a crash leaves the seed it died on as the last
// line of the output.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "fuzz_targets.h"

namespace {

using Checks = std::vector<std::string> (*)(const std::uint8_t*, std::size_t);

// Runs `checks` on every file of tests/fuzz/corpus/`name`; returns how many seeds there were.
std::size_t runSeeds(const char* name, Checks checks) {
  const std::filesystem::path corpus =
      std::filesystem::path(NINES_SOURCE_DIR) / "tests/fuzz/corpus" / name;
  std::size_t seeds = 0;
  for (const auto& entry : std::filesystem::directory_iterator(corpus)) {
    const std::string seed = entry.path().filename().string();
    std::fprintf(stderr, "seed %s/%s\n", name, seed.c_str());
    std::ifstream in(entry.path(), std::ios::binary);
    const std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                                          std::istreambuf_iterator<char>());
    for (const std::string& broken : checks(bytes.data(), bytes.size())) {
      ADD_FAILURE() << "seed " << name << "/" << seed << ": " << broken;
    }
    ++seeds;
  }
  return seeds;
}

TEST(FuzzSeeds, EveryQuerySeedKeepsTheQueryPathsInvariants) {
  EXPECT_GE(runSeeds("query", queryInvariantsBroken), 20u);
}

TEST(FuzzSeeds, EveryReportSeedKeepsTheReportPathsInvariants) {
  EXPECT_GE(runSeeds("report", reportInvariantsBroken), 10u);
}

// The checks can fail: inputs built to break nothing pass, and the seeds' checks are the ones that
// would trap under libFuzzer.
TEST(FuzzSeeds, TheChecksSeeWhatTheyCheck) {
  // A response (QR set) is not answered, which the query checks allow; a query is answered.
  const std::vector<std::uint8_t> response = {0x12, 0x34, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  EXPECT_TRUE(queryInvariantsBroken(response.data(), response.size()).empty());
  const std::vector<std::uint8_t> empty_query = {0x12, 0x34, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  EXPECT_TRUE(queryInvariantsBroken(empty_query.data(), empty_query.size()).empty());
  const std::string not_json = "{not json";
  EXPECT_TRUE(reportInvariantsBroken(reinterpret_cast<const std::uint8_t*>(not_json.data()),
                                     not_json.size())
                  .empty());
}

}  // namespace
