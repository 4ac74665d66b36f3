// What the dnsd.toml and prober.toml fuzz targets share. The loaders read a path, as the programs
// do, so each input is written to a file first; and no error may echo a secret of the file.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "nines/base/diagnostic.h"

// Writes `size` bytes to `name` in a directory of this process under the temporary directory and
// returns the file's path. Aborts when it cannot (a broken setup, not a finding).
std::string writeFuzzFile(const std::string& name, const std::uint8_t* data, std::size_t size);

// The strings of the TOML `text` that are secrets (the values of keys named key, previous_key or
// token), leaving out short ones and any that also appear in another key or value of the file
// (which an error may quote for that other reason). Empty when `text` is not TOML.
std::vector<std::string> tomlSecrets(const std::string& text);

// Loads a file's text and returns its errors.
using LoadErrors = std::function<nines::base::Diagnostics(const std::string& text)>;

// Whether `errors`, from loading `text`, quote one of its secrets. A secret an error contains
// counts only if the error comes from the secret's value: loading the text again with the secret
// changed (each letter and digit to the next, which keeps base64 base64) must not show it, as it
// would if the message happened to hold those words ("... latitude within -90..90 ...").
bool echoesSecret(const std::string& text, const nines::base::Diagnostics& errors,
                  const LoadErrors& load);

// The load both config targets make and the checks they share: `size` bytes written as file
// `name` and loaded with `load` (a path to a result with `errors`, as loadServerConfig and
// loadProberConfig return); every error must name the file and say something, and none may quote
// a secret (`secret_invariant` says which). What broke goes to `broken`; the result is returned
// for the target's own checks.
template <typename Load>
auto loadConfigChecked(const std::string& name, const std::uint8_t* data, std::size_t size,
                       Load load, const char* secret_invariant, std::vector<std::string>& broken) {
  const std::string path = writeFuzzFile(name, data, size);
  auto loaded = load(path);
  for (const auto& error : loaded.errors) {
    if (error.where.file != path || error.message.empty()) {
      broken.push_back("every error names the file and says something");
      break;
    }
  }
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto load_text = [&](const std::string& other) {
    return load(writeFuzzFile(name, reinterpret_cast<const std::uint8_t*>(other.data()),
                              other.size()))
        .errors;
  };
  if (echoesSecret(text, loaded.errors, load_text)) broken.push_back(secret_invariant);
  return loaded;
}
