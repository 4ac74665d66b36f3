#include "nines/dnsd/querylog/dnstap_codec.h"

#include <dnstap.pb-c.h>  // generated from ../proto/dnstap.proto
#include <fstrm.h>

#include <cstring>

namespace nines::dnsd::querylog {

namespace {

ProtobufCBinaryData bytesOf(const void* data, std::size_t size) noexcept {
  return {size, static_cast<std::uint8_t*>(const_cast<void*>(data))};
}

ProtobufCBinaryData addressBytes(const zones::IpAddress& address) noexcept {
  return bytesOf(address.bytes.data(), address.family == 4 ? 4 : 16);
}

// Fills the two protobuf-c structs (on the caller's stack) from `event`; they point into it.
void fill(const DnstapEvent& event, Dnstap__Dnstap& frame, Dnstap__Message& message) noexcept {
  frame = DNSTAP__DNSTAP__INIT;
  message = DNSTAP__MESSAGE__INIT;
  frame.type = DNSTAP__DNSTAP__TYPE__MESSAGE;
  frame.message = &message;
  if (!event.identity.empty()) {
    frame.has_identity = true;
    frame.identity = bytesOf(event.identity.data(), event.identity.size());
  }
  if (!event.version.empty()) {
    frame.has_version = true;
    frame.version = bytesOf(event.version.data(), event.version.size());
  }
  if (!event.extra.empty()) {
    frame.has_extra = true;
    frame.extra = bytesOf(event.extra.data(), event.extra.size());
  }
  message.type = event.kind == DnstapKind::AuthQuery ? DNSTAP__MESSAGE__TYPE__AUTH_QUERY
                                                     : DNSTAP__MESSAGE__TYPE__AUTH_RESPONSE;
  message.has_socket_protocol = true;
  message.socket_protocol = event.tcp ? DNSTAP__SOCKET_PROTOCOL__TCP : DNSTAP__SOCKET_PROTOCOL__UDP;
  const std::uint8_t family =
      event.query_address.family ? event.query_address.family : event.response_address.family;
  if (family) {
    message.has_socket_family = true;
    message.socket_family =
        family == 4 ? DNSTAP__SOCKET_FAMILY__INET : DNSTAP__SOCKET_FAMILY__INET6;
  }
  if (event.query_address.family) {
    message.has_query_address = true;
    message.query_address = addressBytes(event.query_address);
    message.has_query_port = true;
    message.query_port = event.query_port;
  }
  if (event.response_address.family) {
    message.has_response_address = true;
    message.response_address = addressBytes(event.response_address);
    message.has_response_port = true;
    message.response_port = event.response_port;
  }
  message.has_query_time_sec = message.has_query_time_nsec = true;
  message.query_time_sec = static_cast<std::uint64_t>(event.query_time.tv_sec);
  message.query_time_nsec = static_cast<std::uint32_t>(event.query_time.tv_nsec);
  if (event.query && event.query_size) {
    message.has_query_message = true;
    message.query_message = bytesOf(event.query, event.query_size);
  }
  if (event.kind == DnstapKind::AuthResponse) {
    message.has_response_time_sec = message.has_response_time_nsec = true;
    message.response_time_sec = static_cast<std::uint64_t>(event.response_time.tv_sec);
    message.response_time_nsec = static_cast<std::uint32_t>(event.response_time.tv_nsec);
    if (event.response && event.response_size) {
      message.has_response_message = true;
      message.response_message = bytesOf(event.response, event.response_size);
    }
  }
}

std::optional<zones::IpAddress> addressOf(const ProtobufCBinaryData& data) {
  if (data.len == 4) return zones::IpAddress::v4(data.data);
  if (data.len == 16) return zones::IpAddress::v6(data.data);
  return std::nullopt;
}

}  // namespace

std::size_t dnstapSize(const DnstapEvent& event) noexcept {
  Dnstap__Dnstap frame;
  Dnstap__Message message;
  fill(event, frame, message);
  return dnstap__dnstap__get_packed_size(&frame);
}

std::size_t packDnstap(const DnstapEvent& event, std::uint8_t* out) noexcept {
  Dnstap__Dnstap frame;
  Dnstap__Message message;
  fill(event, frame, message);
  return dnstap__dnstap__pack(&frame, out);
}

namespace {

// Protocol buffers' wire format (protobuf.dev "Encoding"): a key (field number << 3 | wire type),
// then a varint, four little-endian octets, or a varint length and the octets.
enum WireType : std::uint8_t { kVarint = 0, kLengthDelimited = 2, kFixed32 = 5 };

constexpr std::uint8_t key(unsigned field, WireType type) noexcept {
  return static_cast<std::uint8_t>(field << 3 | type);
}

constexpr std::size_t varintSize(std::uint64_t value) noexcept {
  std::size_t size = 1;
  while (value >= 0x80) {
    value >>= 7;
    ++size;
  }
  return size;
}

class ProtobufOut {
 public:
  explicit ProtobufOut(std::uint8_t* out) noexcept : start_(out), p_(out) {}
  void varint(unsigned field, std::uint64_t value) noexcept {
    *p_++ = key(field, kVarint);
    raw(value);
  }
  void fixed32(unsigned field, std::uint32_t value) noexcept {
    *p_++ = key(field, kFixed32);
    for (int i = 0; i < 4; ++i) *p_++ = static_cast<std::uint8_t>(value >> (8 * i));
  }
  void bytes(unsigned field, const void* data, std::size_t size) noexcept {
    header(field, size);
    std::memcpy(p_, data, size);
    p_ += size;
  }
  void header(unsigned field, std::size_t size) noexcept {
    *p_++ = key(field, kLengthDelimited);
    raw(size);
  }
  std::size_t size() const noexcept { return static_cast<std::size_t>(p_ - start_); }

 private:
  void raw(std::uint64_t value) noexcept {
    while (value >= 0x80) {
      *p_++ = static_cast<std::uint8_t>(value | 0x80);
      value >>= 7;
    }
    *p_++ = static_cast<std::uint8_t>(value);
  }
  std::uint8_t* start_;
  std::uint8_t* p_;
};

// dnstap.proto's field numbers.
enum DnstapField : unsigned { kIdentity = 1, kVersion = 2, kExtra = 3, kMessage = 14, kType = 15 };
enum MessageField : unsigned {
  kMessageType = 1,
  kSocketFamily = 2,
  kSocketProtocol = 3,
  kQueryAddress = 4,
  kResponseAddress = 5,
  kQueryPort = 6,
  kResponsePort = 7,
  kQueryTimeSec = 8,
  kQueryTimeNsec = 9,
  kQueryMessage = 10,
  kResponseTimeSec = 12,
  kResponseTimeNsec = 13,
  kResponseMessage = 14,
};

std::size_t bytesSize(std::size_t size) noexcept { return 1 + varintSize(size) + size; }
std::size_t addressSize(const zones::IpAddress& address) noexcept {
  return address.family == 4 ? 4 : 16;
}

}  // namespace

// Writes the fields fill() sets, in field-number order (as protobuf-c does, so the two agree).
std::size_t encodeDnstap(const DnstapEvent& event, std::uint8_t* out,
                         std::size_t* response_time_at) noexcept {
  const bool response = event.kind == DnstapKind::AuthResponse;
  const std::uint8_t family =
      event.query_address.family ? event.query_address.family : event.response_address.family;
  const auto query_sec = static_cast<std::uint64_t>(event.query_time.tv_sec);
  const auto response_sec = static_cast<std::uint64_t>(event.response_time.tv_sec);
  const bool query_message = event.query && event.query_size;
  const bool response_message = response && event.response && event.response_size;

  std::size_t message = 2 + 2;  // type, protocol
  if (family) message += 2;
  if (event.query_address.family) {
    message += bytesSize(addressSize(event.query_address)) + 1 + varintSize(event.query_port);
  }
  if (event.response_address.family) {
    message += bytesSize(addressSize(event.response_address)) + 1 + varintSize(event.response_port);
  }
  message += 1 + varintSize(query_sec) + 5;
  if (query_message) message += bytesSize(event.query_size);
  if (response) message += 1 + varintSize(response_sec) + 5;
  if (response_message) message += bytesSize(event.response_size);

  ProtobufOut o(out);
  if (!event.identity.empty()) o.bytes(kIdentity, event.identity.data(), event.identity.size());
  if (!event.version.empty()) o.bytes(kVersion, event.version.data(), event.version.size());
  if (!event.extra.empty()) o.bytes(kExtra, event.extra.data(), event.extra.size());
  o.header(kMessage, message);
  o.varint(kMessageType, static_cast<std::uint64_t>(event.kind));
  if (family) o.varint(kSocketFamily, family == 4 ? 1 : 2);  // INET, INET6
  o.varint(kSocketProtocol, event.tcp ? 2 : 1);              // TCP, UDP
  if (event.query_address.family) {
    o.bytes(kQueryAddress, event.query_address.bytes.data(), addressSize(event.query_address));
  }
  if (event.response_address.family) {
    o.bytes(kResponseAddress, event.response_address.bytes.data(),
            addressSize(event.response_address));
  }
  if (event.query_address.family) o.varint(kQueryPort, event.query_port);
  if (event.response_address.family) o.varint(kResponsePort, event.response_port);
  o.varint(kQueryTimeSec, query_sec);
  o.fixed32(kQueryTimeNsec, static_cast<std::uint32_t>(event.query_time.tv_nsec));
  if (query_message) o.bytes(kQueryMessage, event.query, event.query_size);
  if (response) {
    if (response_time_at) *response_time_at = o.size();
    o.varint(kResponseTimeSec, response_sec);
    o.fixed32(kResponseTimeNsec, static_cast<std::uint32_t>(event.response_time.tv_nsec));
  }
  if (response_message) o.bytes(kResponseMessage, event.response, event.response_size);
  o.varint(kType, 1);  // MESSAGE
  return o.size();
}

bool restampResponseTime(std::uint8_t* frame, std::size_t response_time_at, const timespec& was,
                         const timespec& now) noexcept {
  const auto was_sec = static_cast<std::uint64_t>(was.tv_sec);
  const auto now_sec = static_cast<std::uint64_t>(now.tv_sec);
  if (varintSize(was_sec) != varintSize(now_sec)) return false;
  ProtobufOut o(frame + response_time_at);
  o.varint(kResponseTimeSec, now_sec);
  o.fixed32(kResponseTimeNsec, static_cast<std::uint32_t>(now.tv_nsec));
  return true;
}

std::optional<DnstapRecord> decodeDnstap(const std::uint8_t* data, std::size_t size,
                                         std::string* error) {
  Dnstap__Dnstap* frame = dnstap__dnstap__unpack(nullptr, size, data);
  if (!frame) {
    *error = "not a dnstap protobuf";
    return std::nullopt;
  }
  std::optional<DnstapRecord> out;
  if (frame->type != DNSTAP__DNSTAP__TYPE__MESSAGE || !frame->message) {
    *error = "dnstap frame without a message";
  } else {
    const Dnstap__Message& message = *frame->message;
    DnstapRecord record;
    record.kind = message.type;
    record.tcp =
        message.has_socket_protocol && message.socket_protocol == DNSTAP__SOCKET_PROTOCOL__TCP;
    auto text = [](const ProtobufCBinaryData& bytes) {
      return std::string(reinterpret_cast<const char*>(bytes.data), bytes.len);
    };
    auto vec = [](const ProtobufCBinaryData& bytes) {
      return std::vector<std::uint8_t>(bytes.data, bytes.data + bytes.len);
    };
    if (frame->has_identity) record.identity = text(frame->identity);
    if (frame->has_version) record.version = text(frame->version);
    if (frame->has_extra) record.extra = text(frame->extra);
    if (message.has_query_address) {
      if (auto address = addressOf(message.query_address)) record.query_address = *address;
    }
    if (message.has_response_address) {
      if (auto address = addressOf(message.response_address)) record.response_address = *address;
    }
    if (message.has_query_port) record.query_port = static_cast<std::uint16_t>(message.query_port);
    if (message.has_response_port)
      record.response_port = static_cast<std::uint16_t>(message.response_port);
    record.query_time = {static_cast<time_t>(message.query_time_sec),
                         static_cast<long>(message.query_time_nsec)};
    record.response_time = {static_cast<time_t>(message.response_time_sec),
                            static_cast<long>(message.response_time_nsec)};
    if (message.has_query_message) record.query = vec(message.query_message);
    if (message.has_response_message) record.response = vec(message.response_message);
    out = std::move(record);
  }
  dnstap__dnstap__free_unpacked(frame, nullptr);
  return out;
}

std::optional<std::vector<DnstapRecord>> readDnstapFile(const std::string& path,
                                                        std::string* error) {
  fstrm_file_options* file_options = fstrm_file_options_init();
  fstrm_file_options_set_file_path(file_options, path.c_str());
  fstrm_reader_options* reader_options = fstrm_reader_options_init();
  fstrm_reader_options_add_content_type(reader_options, kDnstapContentType.data(),
                                        kDnstapContentType.size());
  fstrm_reader* reader = fstrm_file_reader_init(file_options, reader_options);
  fstrm_file_options_destroy(&file_options);
  fstrm_reader_options_destroy(&reader_options);
  if (!reader || fstrm_reader_open(reader) != fstrm_res_success) {
    if (reader) fstrm_reader_destroy(&reader);
    *error = path + ": cannot open as a Frame Streams file of " + std::string(kDnstapContentType);
    return std::nullopt;
  }
  std::vector<DnstapRecord> records;
  std::optional<std::vector<DnstapRecord>> out;
  for (;;) {
    const std::uint8_t* data = nullptr;
    std::size_t size = 0;
    fstrm_res res = fstrm_reader_read(reader, &data, &size);
    if (res == fstrm_res_stop) {
      out = std::move(records);
      break;
    }
    if (res != fstrm_res_success) {
      // A writer killed mid-frame leaves a torn tail: keep what came before it.
      *error = path + ": frame " + std::to_string(records.size() + 1) + " is cut short";
      out = std::move(records);
      break;
    }
    std::string problem;
    auto record = decodeDnstap(data, size, &problem);
    if (!record) {
      *error = path + ": frame " + std::to_string(records.size() + 1) + ": " + problem;
      break;
    }
    records.push_back(std::move(*record));
  }
  fstrm_reader_destroy(&reader);
  return out;
}

}  // namespace nines::dnsd::querylog
