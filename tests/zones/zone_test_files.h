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

// One line each, so that a test can count lines by counting strings.
inline std::string lines(std::initializer_list<std::string> items) {
  std::string out;
  for (const std::string& item : items) out += item + "\n";
  return out;
}

}  // namespace nines::zones::test_files
