#include "nines/base/memory_copy.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

namespace nines::base {
namespace {

std::string readAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

class MemoryCopyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("nines-memory-copy-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
            "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
};

TEST_F(MemoryCopyTest, TheCopyOutlivesTheFileBeingRewrittenInPlaceOrRemoved) {
  const std::string file = (dir_ / "db").string();
  std::string content(300000, '\0');
  for (std::size_t i = 0; i < content.size(); ++i) content[i] = static_cast<char>(i * 7 + i / 13);
  std::ofstream(file, std::ios::binary) << content;
  auto copy = MemoryCopy::of(file);
  ASSERT_TRUE(copy.has_value()) << std::strerror(errno);
  EXPECT_NE(copy->path(), file);
  std::filesystem::resize_file(file, 0);  // `cp` truncates first
  std::ofstream(file, std::ios::binary | std::ios::trunc) << "something else";
  EXPECT_EQ(readAll(copy->path()), content);
  std::filesystem::remove(file);
  EXPECT_EQ(readAll(copy->path()), content);
  // Moved, the copy goes with its path.
  MemoryCopy moved = std::move(*copy);
  EXPECT_EQ(readAll(moved.path()), content);
}

TEST_F(MemoryCopyTest, AnEmptyFileGivesAnEmptyCopyAndAMissingOneNone) {
  const std::string empty = (dir_ / "empty").string();
  std::ofstream(empty).close();
  auto copy = MemoryCopy::of(empty);
  ASSERT_TRUE(copy.has_value());
  EXPECT_EQ(readAll(copy->path()), "");
  errno = 0;
  EXPECT_FALSE(MemoryCopy::of((dir_ / "missing").string()).has_value());
  EXPECT_EQ(errno, ENOENT);
}

}  // namespace
}  // namespace nines::base
