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

std::size_t encodeDnstap(const DnstapEvent& event, std::uint8_t* out) noexcept {
  Dnstap__Dnstap frame;
  Dnstap__Message message;
  fill(event, frame, message);
  return dnstap__dnstap__pack(&frame, out);
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
