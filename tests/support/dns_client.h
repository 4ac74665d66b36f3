// Test-side DNS: queries built and responses decoded with ldns, the independent implementation
// every response of ours is checked against (DESIGN.md: tests never use our own parser).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace nines::testing {

struct QueryOptions {
  bool edns = false;
  std::uint16_t udp_size = 1232;
  std::uint8_t edns_version = 0;
  bool do_bit = false;
  bool rd = false;
  std::string ecs;  // "198.51.100.0/24": adds an ECS option (RFC 7871)
  std::uint16_t qclass = 1;
  std::uint16_t id = 0x4242;
};

// A response as ldns decoded it, flattened for assertions.
struct Response {
  bool parsed = false;
  std::uint16_t id = 0;
  std::string rcode;        // "NOERROR", "NXDOMAIN", ... (extended RCODE applied: "BADVERS")
  bool qr = false, aa = false, tc = false, rd = false, ra = false, ad = false, cd = false;
  std::uint8_t opcode = 0;
  std::vector<std::string> question;
  std::vector<std::string> answer;      // "owner TTL IN TYPE RDATA", whitespace single spaces
  std::vector<std::string> authority;
  std::vector<std::string> additional;  // OPT not included
  bool has_opt = false;
  std::uint16_t opt_udp_size = 0;
  std::uint8_t opt_version = 0;
  bool opt_do = false;
  std::uint16_t opt_z = 0;              // EDNS flags other than DO
  std::string ecs_option;               // "198.51.100.0/24/0" (address/source/scope) when present
  std::size_t size = 0;                 // octets on the wire
};

// Wire bytes of a query for `name`/`type` (presentation forms, e.g. "www.example.test." "AAAA").
std::vector<std::uint8_t> buildQuery(const std::string& name, const std::string& type,
                                     const QueryOptions& options = {});
// Decodes `wire` with ldns.
Response decodeResponse(const std::vector<std::uint8_t>& wire);

// Sends `query` to 127.0.0.1:`port` (or [::1] when `ipv6`) and waits up to `timeout_ms`.
std::optional<std::vector<std::uint8_t>> exchangeUdp(const std::vector<std::uint8_t>& query,
                                                     std::uint16_t port, int timeout_ms = 2000,
                                                     bool ipv6 = false);
// One TCP connection, the queries sent back to back (pipelined), responses read in order.
std::vector<std::vector<std::uint8_t>> exchangeTcp(
    const std::vector<std::vector<std::uint8_t>>& queries, std::uint16_t port,
    int timeout_ms = 2000, bool ipv6 = false);

}  // namespace nines::testing
