// Test-side DNS: queries built and responses decoded with ldns, the independent implementation
// every response of ours is checked against (DESIGN.md: tests never use our own parser).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
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
  // Further EDNS content (needs `edns`): flag bits OR-ed into the OPT's flags word (0x8000 is DO),
  // and options appended after any ECS option, each as {code, data}.
  std::uint16_t edns_z = 0;
  std::vector<std::pair<std::uint16_t, std::vector<std::uint8_t>>> edns_options;
};

// EDNS version 0 advertising `udp_size`, no options: the plain EDNS query of RFC 6891.
QueryOptions ednsQuery(std::uint16_t udp_size = 1232);
// EDNS with a client subnet option for `ecs` ("198.51.100.0/24"; no option when empty): a query as
// a resolver sends it on behalf of a client in that network (RFC 7871).
QueryOptions ecsQuery(const std::string& ecs);

// A response as ldns decoded it, flattened for assertions.
struct Response {
  bool parsed = false;
  std::uint16_t id = 0;
  std::string rcode;  // "NOERROR", "NXDOMAIN", ... (extended RCODE applied: "BADVERS")
  bool qr = false, aa = false, tc = false, rd = false, ra = false, ad = false, cd = false;
  std::uint8_t opcode = 0;
  std::vector<std::string> question;
  std::vector<std::string> answer;  // "owner TTL IN TYPE RDATA", whitespace single spaces
  std::vector<std::string> authority;
  std::vector<std::string> additional;  // OPT not included
  bool has_opt = false;
  std::uint16_t opt_udp_size = 0;
  std::uint8_t opt_version = 0;
  bool opt_do = false;
  std::uint16_t opt_z = 0;  // EDNS flags other than DO
  std::string ecs_option;   // "198.51.100.0/24/0" (address/source/scope) when present
  std::size_t size = 0;     // octets on the wire
  std::vector<std::uint16_t> opt_option_codes;  // every option in the OPT, in wire order
};

// How long tests wait for a DNS response that should come: a loopback answer takes a millisecond,
// the rest is for a busy machine running tests side by side. (Tests that expect silence pass their
// own, short, timeout.)
constexpr int kAnswerTimeoutMs = 5000;

// Wire bytes of a query for `name`/`type` (presentation forms, e.g. "www.example.test." "AAAA").
std::vector<std::uint8_t> buildQuery(const std::string& name, const std::string& type,
                                     const QueryOptions& options = {});
// Decodes `wire` with ldns.
Response decodeResponse(const std::vector<std::uint8_t>& wire);

// Sends `query` to 127.0.0.1:`port` (or [::1] when `ipv6`) and waits up to `timeout_ms`.
std::optional<std::vector<std::uint8_t>> exchangeUdp(const std::vector<std::uint8_t>& query,
                                                     std::uint16_t port,
                                                     int timeout_ms = kAnswerTimeoutMs,
                                                     bool ipv6 = false);
// Sends `query` to the IPv4 `address`:`port` (a server in a test's own network namespace, say)
// and waits up to `timeout_ms`.
std::optional<std::vector<std::uint8_t>> exchangeUdpWith(const std::string& address,
                                                         std::uint16_t port,
                                                         const std::vector<std::uint8_t>& query,
                                                         int timeout_ms = kAnswerTimeoutMs);
// One TCP connection, the queries sent back to back (pipelined), responses read in order.
std::vector<std::vector<std::uint8_t>> exchangeTcp(
    const std::vector<std::vector<std::uint8_t>>& queries, std::uint16_t port,
    int timeout_ms = kAnswerTimeoutMs, bool ipv6 = false);

// A client-side TCP connection for tests that need control over framing and timing: raw bytes,
// one message at a time, and whether the server closed the connection.
class TcpConnection {
 public:
  // Connects to 127.0.0.1:`port` (or [::1] when `ipv6`); check `connected()`.
  explicit TcpConnection(std::uint16_t port, bool ipv6 = false);
  ~TcpConnection();
  TcpConnection(const TcpConnection&) = delete;
  TcpConnection& operator=(const TcpConnection&) = delete;

  bool connected() const { return fd_ >= 0; }
  // Writes `bytes` as they are (no length prefix). False when the write failed.
  bool sendRaw(const std::vector<std::uint8_t>& bytes);
  // Writes `message` with its two-octet length prefix (RFC 1035 §4.2.2).
  bool sendMessage(const std::vector<std::uint8_t>& message);
  // Shuts down our sending side (TCP half-close): the server sees end of stream.
  bool shutdownWrite();
  // Writes `bytes` corked (MSG_MORE) and shuts down the sending side, so the data and the FIN
  // leave together and the server reads both at once.
  bool sendRawThenShutdownWrite(const std::vector<std::uint8_t>& bytes);
  // Reads one length-prefixed message; nullopt on timeout, error or end of stream.
  std::optional<std::vector<std::uint8_t>> readMessage(int timeout_ms = kAnswerTimeoutMs);
  // Whether nothing is readable within `timeout_ms` (no response, no close).
  bool silentFor(int timeout_ms);
  // Waits up to `timeout_ms` for the server to close the connection (end of stream or reset);
  // data arriving meanwhile is read and discarded, its size added to `*received` when given.
  bool waitClosedByPeer(int timeout_ms, std::size_t* received = nullptr);

 private:
  int fd_ = -1;
};

// A connected UDP socket to 127.0.0.1:`port` (or [::1]) for sending many datagrams without
// waiting for each answer.
class UdpConnection {
 public:
  explicit UdpConnection(std::uint16_t port, bool ipv6 = false);
  ~UdpConnection();
  UdpConnection(const UdpConnection&) = delete;
  UdpConnection& operator=(const UdpConnection&) = delete;

  bool connected() const { return fd_ >= 0; }
  bool send(const std::vector<std::uint8_t>& datagram);
  // The next datagram received within `timeout_ms`, or nullopt.
  std::optional<std::vector<std::uint8_t>> receive(int timeout_ms);

 private:
  int fd_ = -1;
};

}  // namespace nines::testing
