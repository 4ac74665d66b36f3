#include "nines/zones/serial.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "nines/zones/record_parser.h"

namespace nines::zones {
namespace {

Name name(const std::string& text) { return *Name::fromText(text, nullptr, nullptr); }

std::string u32(std::uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
          static_cast<char>(v)};
}

Record soa(std::uint32_t serial) {
  Record record;
  record.owner = name("example.test.");
  record.type = rrtype::SOA;
  record.ttl = 3600;
  record.rdata = std::string(name("ns1.example.test.").wire()) +
                 std::string(name("hostmaster.example.test.").wire()) + u32(serial) + u32(3600) +
                 u32(600) + u32(1209600) + u32(300);
  return record;
}

Record parsed(const std::string& owner, const std::string& text) {
  auto record = parseRecord(text, name(owner), name("example.test."), 3600, nullptr);
  EXPECT_TRUE(record.has_value()) << text;
  return record.value_or(Record{});
}

std::vector<Record> zone() {
  return {soa(0), parsed("example.test.", "MX 10 mail"),
          parsed("www.example.test.", "300 A 192.0.2.1")};
}

// The value below was computed independently (a few lines of Python over the same canonical
// records: owner, type, class, TTL, RDATA length, RDATA; SOA serial as zero). A change here
// changes the serial of every deployed zone with `serial = 0`, so it must be deliberate.
TEST(SerialTest, KnownValue) { EXPECT_EQ(contentSerial(zone()), 2087766698u); }

TEST(SerialTest, IndependentOfOrderCaseAndTheSerialField) {
  std::vector<Record> records = zone();
  std::uint32_t expected = contentSerial(records);
  std::reverse(records.begin(), records.end());
  EXPECT_EQ(contentSerial(records), expected);
  records = {soa(2024010101), parsed("Example.TEST.", "MX 10 MAIL.example.test."),
             parsed("WWW.example.test.", "300 A 192.0.2.1")};
  EXPECT_EQ(contentSerial(records), expected);
}

TEST(SerialTest, ChangesWithContent) {
  std::uint32_t base = contentSerial(zone());
  std::vector<std::vector<Record>> changed = {
      {soa(0), parsed("example.test.", "MX 10 mail"),
       parsed("www.example.test.", "60 A 192.0.2.1")},
      {soa(0), parsed("example.test.", "MX 20 mail"),
       parsed("www.example.test.", "300 A 192.0.2.1")},
      {soa(0), parsed("example.test.", "MX 10 mail"),
       parsed("ww.example.test.", "300 A 192.0.2.1")},
      {soa(0), parsed("example.test.", "MX 10 mail")},
  };
  for (const auto& records : changed) EXPECT_NE(contentSerial(records), base);
}

}  // namespace
}  // namespace nines::zones
