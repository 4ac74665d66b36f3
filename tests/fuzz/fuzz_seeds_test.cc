// Runs every seed of the fuzz corpora through the fuzz targets' checks, so the corpora are an
// ordinary regression test on every build (with or without clang). Each seed is a test case of its
// own, FuzzSeeds/Corpus.KeepsInvariants/TARGET_SEED, so a failing one names its seed and the
// invariant it broke; a crash names the test it died in.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <ostream>
#include <string>
#include <vector>

#include "fuzz_config_support.h"
#include "fuzz_targets.h"

namespace {

using Checks = std::vector<std::string> (*)(const std::uint8_t*, std::size_t);

struct Target {
  const char* name;  // its folder in tests/fuzz/corpus
  Checks checks;
  std::size_t min_seeds;  // fewer means the corpus went missing
};

const std::vector<Target> kTargets = {
    {"query", queryInvariantsBroken, 20},
    {"report", reportInvariantsBroken, 10},
    {"zone", zoneInvariantsBroken, 10},
    {"dnsd_config", dnsdConfigInvariantsBroken, 10},
    {"prober_config", proberConfigInvariantsBroken, 10},
    {"http_api", httpApiInvariantsBroken, 10},
};

std::filesystem::path corpusOf(const Target& target) {
  return std::filesystem::path(NINES_SOURCE_DIR) / "tests/fuzz/corpus" / target.name;
}

struct Seed {
  const Target* target;
  std::filesystem::path path;
};

std::vector<Seed> allSeeds() {
  std::vector<Seed> seeds;
  for (const Target& target : kTargets) {
    std::error_code error;
    for (const auto& entry : std::filesystem::directory_iterator(corpusOf(target), error)) {
      seeds.push_back({&target, entry.path()});
    }
  }
  std::sort(seeds.begin(), seeds.end(),
            [](const Seed& a, const Seed& b) { return a.path < b.path; });
  return seeds;
}

// How CTest and GoogleTest show a seed: TARGET/FILE.
void PrintTo(const Seed& seed, std::ostream* out) {
  *out << seed.target->name << "/" << seed.path.filename().string();
}

// A test name may only have letters, digits and '_'.
std::string testName(const Seed& seed) {
  std::string name = std::string(seed.target->name) + "_" + seed.path.filename().string();
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return name;
}

class Corpus : public testing::TestWithParam<Seed> {};

TEST_P(Corpus, KeepsInvariants) {
  const Seed& seed = GetParam();
  std::ifstream in(seed.path, std::ios::binary);
  ASSERT_TRUE(in) << "cannot read " << seed.path;
  const std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                                        std::istreambuf_iterator<char>());
  for (const std::string& broken : seed.target->checks(bytes.data(), bytes.size())) {
    ADD_FAILURE() << "seed " << seed.target->name << "/" << seed.path.filename().string() << ": "
                  << broken;
  }
}

INSTANTIATE_TEST_SUITE_P(FuzzSeeds, Corpus, testing::ValuesIn(allSeeds()),
                         [](const testing::TestParamInfo<Seed>& seed_info) {
                           return testName(seed_info.param);
                         });

TEST(FuzzSeeds, EveryTargetHasItsCorpus) {
  for (const Target& target : kTargets) {
    std::error_code error;
    std::size_t seeds = 0;
    for (auto it = std::filesystem::directory_iterator(corpusOf(target), error);
         it != std::filesystem::directory_iterator(); ++it) {
      ++seeds;
    }
    EXPECT_GE(seeds, target.min_seeds) << "corpus " << target.name;
  }
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
  // The config targets' secret check finds a key quoted in an error, only a long one, and only
  // when the error comes from the key's value.
  const std::string config = "[http]\ntoken = \"a-long-enough-secret\"\nx = \"short\"\n";
  ASSERT_EQ(tomlSecrets(config), std::vector<std::string>{"a-long-enough-secret"});
  auto quoting = [](const std::string& text) {
    const auto at = text.find("token = \"") + 9;
    return nines::base::Diagnostics{
        {{"f", 2, 9}, "bad token " + text.substr(at, text.find('"', at) - at)}};
  };
  auto constant = [](const std::string&) {
    return nines::base::Diagnostics{{{"f", 2, 9}, "no a-long-enough-secret here"}};
  };
  EXPECT_TRUE(echoesSecret(config, quoting(config), quoting));
  EXPECT_FALSE(echoesSecret(config, constant(config), constant));
  EXPECT_FALSE(echoesSecret(config, {{{"f", 2, 9}, "token is bad"}}, quoting));
  // The zone check compares the loader with TOML++ alone: a file TOML++ refuses has an error.
  const std::string broken_zone = "origin = \"example.test.\n";
  EXPECT_TRUE(zoneInvariantsBroken(reinterpret_cast<const std::uint8_t*>(broken_zone.data()),
                                   broken_zone.size())
                  .empty());
}

}  // namespace
