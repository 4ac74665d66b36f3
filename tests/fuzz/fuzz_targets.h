// The fuzz targets' checks, shared by the libFuzzer binaries (which trap when one breaks) and
// fuzz_seeds_test.cc (which names the seed and the invariant). Each returns the invariants the
// input broke; empty when all held.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

// Bytes through dnsd's query pipeline over UDP and TCP, against the example zones.
std::vector<std::string> queryInvariantsBroken(const std::uint8_t* data, std::size_t size);
// Bytes as the signed body of POST /v1/reports, through the decoder, ingestion and the votes.
std::vector<std::string> reportInvariantsBroken(const std::uint8_t* data, std::size_t size);
// Bytes as the text of one zone file, through the loader (scanner, record parsers, validation).
std::vector<std::string> zoneInvariantsBroken(const std::uint8_t* data, std::size_t size);
// Bytes as dnsd.toml, through loadServerConfig.
std::vector<std::string> dnsdConfigInvariantsBroken(const std::uint8_t* data, std::size_t size);
// Bytes as prober.toml, through loadProberConfig.
std::vector<std::string> proberConfigInvariantsBroken(const std::uint8_t* data, std::size_t size);
// Bytes as one request on a connection to dnsd's HTTP API, through cpp-httplib and the routes.
std::vector<std::string> httpApiInvariantsBroken(const std::uint8_t* data, std::size_t size);
