// What the dnsd.toml and prober.toml fuzz targets share. The loaders read a path, as the programs
// do, so each input is written to a file first; and no error may echo a secret of the file.
#pragma once

#include <cstddef>
#include <cstdint>
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

// Whether a message of `errors` contains one of `secrets`.
bool echoesSecret(const nines::base::Diagnostics& errors, const std::vector<std::string>& secrets);
