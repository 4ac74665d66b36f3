#include "fuzz_config_support.h"

#include <toml++/toml.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

std::string writeFuzzFile(const std::string& name, const std::uint8_t* data, std::size_t size) {
  static const std::filesystem::path directory = [] {
    std::filesystem::path path =
        std::filesystem::temp_directory_path() / ("nines-fuzz-" + std::to_string(::getpid()));
    std::filesystem::create_directories(path);
    return path;
  }();
  const std::string path = (directory / name).string();
  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (!file || std::fwrite(data, 1, size, file) != size || std::fclose(file) != 0) std::abort();
  return path;
}

namespace {

// Every key and string value under `node`; the values of secret keys go to `secrets` instead.
void collectStrings(const toml::node& node, std::vector<std::string>& secrets,
                    std::vector<std::string>& others) {
  if (const auto* table = node.as_table()) {
    for (const auto& [key, value] : *table) {
      others.emplace_back(key.str());
      const bool secret = key.str() == "key" || key.str() == "previous_key" || key.str() == "token";
      if (secret && value.is_string()) {
        secrets.push_back(value.as_string()->get());
      } else {
        collectStrings(value, secrets, others);
      }
    }
  } else if (const auto* array = node.as_array()) {
    for (const auto& element : *array) collectStrings(element, secrets, others);
  } else if (const auto* string = node.as_string()) {
    others.push_back(string->get());
  }
}

}  // namespace

std::vector<std::string> tomlSecrets(const std::string& text) {
  toml::table root;
  try {
    root = toml::parse(text);
  } catch (const toml::parse_error&) {
    return {};
  }
  std::vector<std::string> secrets, others;
  collectStrings(root, secrets, others);
  // Short strings turn up in messages by chance ("key must be ..."): 12 characters do not.
  std::erase_if(secrets, [&](const std::string& secret) {
    return secret.size() < 12 || std::any_of(others.begin(), others.end(), [&](const auto& other) {
             return other.find(secret) != std::string::npos;
           });
  });
  return secrets;
}

namespace {

bool anyContains(const nines::base::Diagnostics& errors, const std::string& secret) {
  return std::any_of(errors.begin(), errors.end(), [&](const nines::base::Diagnostic& error) {
    return error.message.find(secret) != std::string::npos;
  });
}

char nextOfItsKind(char c) {
  if (c >= 'a' && c <= 'z') return c == 'z' ? 'a' : static_cast<char>(c + 1);
  if (c >= 'A' && c <= 'Z') return c == 'Z' ? 'A' : static_cast<char>(c + 1);
  if (c >= '0' && c <= '9') return c == '9' ? '0' : static_cast<char>(c + 1);
  return c;
}

}  // namespace

bool echoesSecret(const std::string& text, const nines::base::Diagnostics& errors,
                  const LoadErrors& load) {
  for (const std::string& secret : tomlSecrets(text)) {
    if (!anyContains(errors, secret)) continue;
    std::string changed = secret;
    for (char& c : changed) c = nextOfItsKind(c);
    if (changed == secret) continue;  // no letter or digit to change: cannot tell
    std::string other = text;
    for (std::size_t at = other.find(secret); at != std::string::npos;
         at = other.find(secret, at + secret.size())) {
      other.replace(at, secret.size(), changed);
    }
    if (other == text) continue;  // written with escapes: not found as it reads
    if (!anyContains(load(other), secret)) return true;
  }
  return false;
}
