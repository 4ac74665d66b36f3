// One dnstap frame (the protobuf inside a Frame Streams data frame) to bytes and back. The
// encoder writes straight into the caller's buffer from views of the query and response, so the
// query path allocates nothing; the decoder copies what it finds, for ninesctl replay and tests.
// The schema is dnstap.proto beside this module's sources; protobuf-c's code generated from it
// decodes, and packs the reference frames the encoder is tested against octet for octet.
#pragma once

#include <time.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "nines/zones/ip.h"

namespace nines::dnsd::querylog {

// dnstap Message.Type values Nines writes (the schema's numbers).
enum class DnstapKind : std::uint8_t { AuthQuery = 1, AuthResponse = 2 };

inline constexpr std::string_view kDnstapContentType = "protobuf:dnstap.Dnstap";

// An exchange to encode. Nothing is owned: every pointer must stay valid until encode returns.
struct DnstapEvent {
  DnstapKind kind = DnstapKind::AuthResponse;
  bool tcp = false;
  zones::IpAddress query_address;  // the client; family 0: not logged
  std::uint16_t query_port = 0;
  zones::IpAddress response_address;  // our address; family 0: not logged
  std::uint16_t response_port = 0;
  timespec query_time{};
  timespec response_time{};  // AuthResponse only
  const std::uint8_t* query = nullptr;
  std::size_t query_size = 0;
  const std::uint8_t* response = nullptr;  // AuthResponse only
  std::size_t response_size = 0;
  std::string_view identity;
  std::string_view version;
  std::string_view extra;  // the policy outcome (policy_outcome.h); empty: none
};

// Octets encodeDnstap() will write for `event` (protobuf-c walks the message to count them).
std::size_t dnstapSize(const DnstapEvent& event) noexcept;
// The same frame packed by protobuf-c's generic packer: the reference encodeDnstap() must equal.
std::size_t packDnstap(const DnstapEvent& event, std::uint8_t* out) noexcept;
// At least dnstapSize(), from the lengths alone: what the query path reserves, since counting
// exactly costs as much as packing (protobuf-c's get_packed_size was 2% of a static answer).
inline std::size_t dnstapSizeBound(const DnstapEvent& event) noexcept {
  // Every fixed field with its tag and the longest varint it can take, the four length-delimited
  // byte fields' tags and lengths (at most 1 + 5 octets each), both messages' headers.
  constexpr std::size_t kFixed = 160;
  return kFixed + event.query_size + event.response_size + event.identity.size() +
         event.version.size() + event.extra.size();
}
// Writes the frame into `out` (at least dnstapSize() octets); returns the octets written. The
// fields of one message, written directly: protobuf-c's descriptor-driven packer cost a third of
// what logging a response adds to a worker (pipeline_bench --dnstap), this a fraction of that.
// With `response_time_at`, an AuthResponse's frame says where its response time starts, for
// restampResponseTime().
std::size_t encodeDnstap(const DnstapEvent& event, std::uint8_t* out,
                         std::size_t* response_time_at = nullptr) noexcept;
// Rewrites the response time of a frame encodeDnstap() wrote with `was` as its response time, in
// place, to `now`: a worker that sends a batch of responses at once stamps them all with one clock
// read. False (the frame keeps `was`) when the seconds would take another varint length.
bool restampResponseTime(std::uint8_t* frame, std::size_t response_time_at, const timespec& was,
                         const timespec& now) noexcept;

// A decoded frame, owning its bytes.
struct DnstapRecord {
  int kind = 0;  // Message.Type
  bool tcp = false;
  zones::IpAddress query_address;
  std::uint16_t query_port = 0;
  zones::IpAddress response_address;
  std::uint16_t response_port = 0;
  timespec query_time{};
  timespec response_time{};
  std::vector<std::uint8_t> query;
  std::vector<std::uint8_t> response;
  std::string identity;
  std::string version;
  std::string extra;
};

// Nullopt with `error` when `data` is not a dnstap frame carrying a Message.
std::optional<DnstapRecord> decodeDnstap(const std::uint8_t* data, std::size_t size,
                                         std::string* error);

// Every frame of a dnstap file (Frame Streams, content type protobuf:dnstap.Dnstap), in order.
// Nullopt with `error` ("FILE: reason") when the file cannot be read or a frame does not decode.
std::optional<std::vector<DnstapRecord>> readDnstapFile(const std::string& path,
                                                        std::string* error);

}  // namespace nines::dnsd::querylog
