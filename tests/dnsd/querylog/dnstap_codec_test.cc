// The encoder against the decoder: every field dnsd writes comes back as it went in, the encoder
// writes exactly the size it announces, and bytes that are not a dnstap frame are refused.
#include "nines/dnsd/querylog/dnstap_codec.h"

#include <gtest/gtest.h>

#include <vector>

namespace nines::dnsd::querylog {
namespace {

const std::vector<std::uint8_t> kQuery = {0x12, 0x34, 0x01, 0x00, 0,   1, 0, 0, 0, 0, 0,
                                          0,    3,    'w',  'w',  'w', 0, 0, 1, 0, 1};
const std::vector<std::uint8_t> kResponse = {0x12, 0x34, 0x84, 0x00, 0,   1, 0, 0, 0, 0, 0,
                                             0,    3,    'w',  'w',  'w', 0, 0, 1, 0, 1};

DnstapEvent exampleEvent() {
  DnstapEvent event;
  event.kind = DnstapKind::AuthResponse;
  event.tcp = true;
  event.query_address = *zones::IpAddress::parse("198.51.100.7");
  event.query_port = 40000;
  event.response_address = *zones::IpAddress::parse("192.0.2.53");
  event.response_port = 53;
  event.query_time = {1700000000, 123456789};
  event.response_time = {1700000000, 123999999};
  event.query = kQuery.data();
  event.query_size = kQuery.size();
  event.response = kResponse.data();
  event.response_size = kResponse.size();
  event.identity = "ns1";
  event.version = "nines";
  event.extra = "service=www.example.test. regions=eu-west outcome=primary";
  return event;
}

TEST(DnstapCodec, EveryFieldComesBack) {
  const DnstapEvent event = exampleEvent();
  std::vector<std::uint8_t> buffer(dnstapSize(event));
  ASSERT_EQ(encodeDnstap(event, buffer.data()), buffer.size());
  std::string error;
  auto record = decodeDnstap(buffer.data(), buffer.size(), &error);
  ASSERT_TRUE(record) << error;
  EXPECT_EQ(record->kind, 2);  // AUTH_RESPONSE in the schema
  EXPECT_TRUE(record->tcp);
  EXPECT_EQ(record->query_address.toString(), "198.51.100.7");
  EXPECT_EQ(record->query_port, 40000);
  EXPECT_EQ(record->response_address.toString(), "192.0.2.53");
  EXPECT_EQ(record->response_port, 53);
  EXPECT_EQ(record->query_time.tv_sec, 1700000000);
  EXPECT_EQ(record->query_time.tv_nsec, 123456789);
  EXPECT_EQ(record->response_time.tv_nsec, 123999999);
  EXPECT_EQ(record->query, kQuery);
  EXPECT_EQ(record->response, kResponse);
  EXPECT_EQ(record->identity, "ns1");
  EXPECT_EQ(record->version, "nines");
  EXPECT_EQ(record->extra, event.extra);
}

TEST(DnstapCodec, ARestampedResponseTimeIsTheOnlyChange) {
  DnstapEvent event = exampleEvent();
  std::vector<std::uint8_t> frame(dnstapSizeBound(event));
  std::size_t at = 0;
  frame.resize(encodeDnstap(event, frame.data(), &at));
  const timespec later = {event.response_time.tv_sec + 3, 42};
  ASSERT_TRUE(restampResponseTime(frame.data(), at, event.response_time, later));
  DnstapEvent expected = event;
  expected.response_time = later;
  std::vector<std::uint8_t> reference(dnstapSize(expected));
  packDnstap(expected, reference.data());
  EXPECT_EQ(frame, reference);
  // Seconds that would take another varint length are left as they were.
  EXPECT_FALSE(restampResponseTime(frame.data(), at, later, {0x7fffffffff, 0}));
  EXPECT_EQ(frame, reference);
}

TEST(DnstapCodec, AQueryFrameHasNoResponseAndIPv6Addresses) {
  DnstapEvent event = exampleEvent();
  event.kind = DnstapKind::AuthQuery;
  event.tcp = false;
  event.query_address = *zones::IpAddress::parse("2001:db8::7");
  event.response_address = *zones::IpAddress::parse("2001:db8::53");
  event.identity = event.version = event.extra = {};
  std::vector<std::uint8_t> buffer(dnstapSize(event));
  encodeDnstap(event, buffer.data());
  std::string error;
  auto record = decodeDnstap(buffer.data(), buffer.size(), &error);
  ASSERT_TRUE(record) << error;
  EXPECT_EQ(record->kind, 1);  // AUTH_QUERY
  EXPECT_FALSE(record->tcp);
  EXPECT_EQ(record->query_address.toString(), "2001:db8::7");
  EXPECT_EQ(record->response_address.toString(), "2001:db8::53");
  EXPECT_TRUE(record->response.empty());
  EXPECT_TRUE(record->identity.empty());
  EXPECT_TRUE(record->extra.empty());
}

// The query path reserves dnstapSizeBound() and packs into it: it must never be short, even with
// every field at its widest.
TEST(DnstapCodec, TheSizeBoundHoldsEveryFrame) {
  DnstapEvent widest = exampleEvent();
  widest.query_address = *zones::IpAddress::parse("2001:db8::7");
  widest.response_address = *zones::IpAddress::parse("2001:db8::53");
  widest.query_port = widest.response_port = 65535;
  widest.query_time = widest.response_time = {0x7fffffffffffffff, 999999999};
  const std::vector<std::uint8_t> big(65535, 0xab);
  widest.query = widest.response = big.data();
  widest.query_size = widest.response_size = big.size();
  const std::string long_text(20000, 'x');
  widest.identity = widest.version = widest.extra = long_text;
  for (const DnstapEvent& event : {exampleEvent(), DnstapEvent{}, widest}) {
    std::vector<std::uint8_t> buffer(dnstapSizeBound(event));
    EXPECT_LE(dnstapSize(event), buffer.size());
    EXPECT_EQ(encodeDnstap(event, buffer.data()), dnstapSize(event));
  }
}

// The encoder writes the fields itself; protobuf-c's packer, generated from the same schema, is
// the reference it must equal octet for octet.
TEST(DnstapCodec, TheEncoderWritesWhatProtobufCPacks) {
  std::vector<DnstapEvent> events = {exampleEvent(), DnstapEvent{}};
  DnstapEvent query = exampleEvent();
  query.kind = DnstapKind::AuthQuery;
  query.query_address = *zones::IpAddress::parse("2001:db8::7");
  query.response_address = {};  // only one side known: the family is the other's
  events.push_back(query);
  DnstapEvent no_addresses = exampleEvent();
  no_addresses.query_address = no_addresses.response_address = {};
  no_addresses.identity = {};
  no_addresses.query_time = {0x7fffffffffff, 999999999};  // a long varint
  events.push_back(no_addresses);
  DnstapEvent large = exampleEvent();
  const std::vector<std::uint8_t> big(20000, 0x5a);  // three-octet length varints
  large.response = big.data();
  large.response_size = big.size();
  events.push_back(large);
  for (std::size_t i = 0; i < events.size(); ++i) {
    SCOPED_TRACE(i);
    std::vector<std::uint8_t> reference(dnstapSize(events[i]));
    ASSERT_EQ(packDnstap(events[i], reference.data()), reference.size());
    std::vector<std::uint8_t> ours(dnstapSizeBound(events[i]));
    ours.resize(encodeDnstap(events[i], ours.data()));
    EXPECT_EQ(ours, reference);
  }
}

// The first octets of a frame, pinned: the field numbers are the published schema's, and a
// renumbered field would still round-trip through our own decoder.
TEST(DnstapCodec, FieldNumbersAreTheSchemas) {
  DnstapEvent event;
  event.kind = DnstapKind::AuthQuery;
  std::vector<std::uint8_t> buffer(dnstapSize(event));
  encodeDnstap(event, buffer.data());
  // Message (field 14, length-delimited) = {type (1) = 1, protocol (3) = UDP, query time (8, 9)},
  // then Dnstap.type (15) = MESSAGE.
  const std::vector<std::uint8_t> expected = {0x72, 0x0b, 0x08, 0x01, 0x18, 0x01, 0x40, 0x00,
                                              0x4d, 0x00, 0x00, 0x00, 0x00, 0x78, 0x01};
  EXPECT_EQ(buffer, expected);
}

TEST(DnstapCodec, BytesThatAreNotAFrameAreRefused) {
  const std::vector<std::vector<std::uint8_t>> cases = {
      {0xff, 0xff, 0xff},  // a truncated varint
      {0x72, 0x10, 0x08},  // a message longer than what follows
      {0x0a, 0x01, 'x'},   // identity but no type
  };
  for (const auto& bytes : cases) {
    std::string error;
    EXPECT_FALSE(decodeDnstap(bytes.data(), bytes.size(), &error));
    EXPECT_FALSE(error.empty());
  }
}

TEST(DnstapCodec, AMissingFileIsAnError) {
  std::string error;
  EXPECT_FALSE(readDnstapFile("/nonexistent/queries.dnstap", &error));
  EXPECT_NE(error.find("/nonexistent/queries.dnstap"), std::string::npos);
}

}  // namespace
}  // namespace nines::dnsd::querylog
