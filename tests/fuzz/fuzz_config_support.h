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
