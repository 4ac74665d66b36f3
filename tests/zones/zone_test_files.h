// Zone files written to a scratch directory, for the loader's tests.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <vector>

#include "nines/zones/loader.h"

namespace nines::zones::test_files {

// A fresh directory per test, removed afterwards.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "nines-zones-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  std::string write(const std::string& name, const std::string& content) const {
    std::ofstream(path_ / name, std::ios::binary) << content;
    return (path_ / name).string();
  }
  std::string path() const { return path_.string(); }

  // Every error as "file:line:col: message" with this directory's path taken off the front.
  std::vector<std::string> errors(const LoadResult& result) const {
    std::vector<std::string> out;
    std::string prefix = path_.string() + "/";
    for (const base::Diagnostic& error : result.errors) {
      std::string text = error.toString();
      if (text.rfind(prefix, 0) == 0) text = text.substr(prefix.size());
      out.push_back(text);
    }
    return out;
  }

 private:
  std::filesystem::path path_;
};

// `text` with the first `from` replaced by `to`.
inline std::string edit(std::string text, const std::string& from, const std::string& to) {
  auto at = text.find(from);
  if (at == std::string::npos) throw std::logic_error("edit: no " + from);
  return text.replace(at, from.size(), to);
}

// A zone file and every error loading it must give, in order, as TempDir::errors() writes them
// ("zone.toml:15:8: ..."); none: it loads.
struct BrokenCase {
  std::string name;
  std::string file;  // the content of zone.toml
  std::vector<std::string> expected;
};

// Loads each case's file as zone.toml in a directory of its own and checks its errors, and that a
// zone with any error is not served.
inline void expectLoadErrors(const std::vector<BrokenCase>& cases) {
  for (const BrokenCase& c : cases) {
    SCOPED_TRACE(c.name);
    TempDir dir;
    LoadResult result = loadZoneFile(dir.write("zone.toml", c.file));
    EXPECT_EQ(dir.errors(result), c.expected);
    EXPECT_EQ(result.zones.size(), c.expected.empty() ? 1u : 0u);
  }
}

// The one zone `content` loads to: a test failure for each error, and an exception when it did
// not load (the test cannot go on without it).
inline Zone loadOne(const std::string& content) {
  TempDir dir;
  LoadResult result = loadZoneFile(dir.write("zone.toml", content));
  for (const base::Diagnostic& error : result.errors) ADD_FAILURE() << error.toString();
  if (result.zones.size() != 1) throw std::runtime_error("the zone did not load");
  return result.zones[0];
}

// One line each, so that a test can count lines by counting strings.
inline std::string lines(std::initializer_list<std::string> items) {
  std::string out;
  for (const std::string& item : items) out += item + "\n";
  return out;
}

}  // namespace nines::zones::test_files
