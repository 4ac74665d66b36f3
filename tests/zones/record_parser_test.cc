#include "nines/zones/record_parser.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace nines::zones {
namespace {

// Bytes from hex digits; spaces are ignored so that fields can be set apart.
std::string bytes(std::string_view hex) {
  std::string out;
  int high = -1;
  for (char c : hex) {
    if (c == ' ') continue;
    int nibble = (c >= '0' && c <= '9') ? c - '0' : (c | 0x20) - 'a' + 10;
    if (high < 0) {
      high = nibble;
    } else {
      out.push_back(static_cast<char>(high * 16 + nibble));
      high = -1;
    }
  }
  return out;
}

Name name(const std::string& text) { return *Name::fromText(text, nullptr, nullptr); }

const std::string kDigest32 = "49fd46e6c4b45c55d4ac69cbd3cd34ac1afe51de7d5e8c4d2b9f6e8d2a1c0b3e";
const std::string kDigest20 = "123456789abcdef67890123456789abcdef67890";

struct WireCase {
  std::string text;
  std::uint16_t type;
  std::uint32_t ttl;
  std::string rdata_hex;  // expected uncompressed wire RDATA
};

// Expected bytes written out from the RFCs' wire formats, not taken from ldns.
TEST(RecordParserTest, EveryTypeToWire) {
  const Name origin = name("Example.Test.");
  const std::string origin_hex = "07 4578616d706c65 04 54657374 00";  // case as written
  const std::vector<WireCase> cases = {
      {"A 192.0.2.1", rrtype::A, 3600, "c0000201"},
      {"300 IN A 192.0.2.1", rrtype::A, 300, "c0000201"},
      {"IN 300 A 192.0.2.1", rrtype::A, 300, "c0000201"},
      {"in a 192.0.2.1", rrtype::A, 3600, "c0000201"},
      {"AAAA 2001:db8::1", rrtype::AAAA, 3600, "20010db8 00000000 00000000 00000001"},
      {"CNAME WWW", rrtype::CNAME, 3600, "03 575757 " + origin_hex},
      {"NS ns1.example.test.", rrtype::NS, 3600, "03 6e7331 07 6578616d706c65 04 74657374 00"},
      {"MX 10 Mail", rrtype::MX, 3600, "000a 04 4d61696c " + origin_hex},
      {"MX 0 .", rrtype::MX, 3600, "0000 00"},
      {"TXT \"hello world\" \"a\\\"b\"", rrtype::TXT, 3600, "0b 68656c6c6f20776f726c64 03 612262"},
      {"TXT \"\"", rrtype::TXT, 3600, "00"},
      {"SRV 10 60 5060 sip.example.test.", rrtype::SRV, 3600,
       "000a 003c 13c4 03 736970 07 6578616d706c65 04 74657374 00"},
      {"CAA 0 issue \"letsencrypt.org\"", rrtype::CAA, 3600,
       "00 05 6973737565 6c657473656e63727970742e6f7267"},
      {"PTR host.example.", rrtype::PTR, 3600, "04 686f7374 07 6578616d706c65 00"},
      {"DS 12345 8 2 " + kDigest32, rrtype::DS, 3600, "3039 08 02 " + kDigest32},
      {"SSHFP 1 1 " + kDigest20, 44, 3600, "01 01 " + kDigest20},
      {"TLSA 3 1 1 " + kDigest32, rrtype::TLSA, 3600, "03 01 01 " + kDigest32},
      {"HTTPS 1 . alpn=h2,h3", rrtype::HTTPS, 3600, "0001 00 0001 0006 026832 026833"},
      {"SVCB 1 svc.example.test. port=8443", rrtype::SVCB, 3600,
       "0001 03 737663 07 6578616d706c65 04 74657374 00 0003 0002 20fb"},
      {"HINFO \"PC\" \"Linux\"", rrtype::HINFO, 3600, "02 5043 05 4c696e7578"},
      // RFC 3597: any type, known or not, as "\# length hex".
      {"TYPE12345 \\# 4 0a000001", 12345, 3600, "0a000001"},
      {"A \\# 4 c0000201", rrtype::A, 3600, "c0000201"},
      {"TYPE1 \\# 4 c0000201", rrtype::A, 3600, "c0000201"},
      {"TYPE65 \\# 3 000100", rrtype::HTTPS, 3600, "000100"},
      {"TYPE65534 \\# 0", 65534, 3600, ""},
      {"A 192.0.2.1 ; a comment", rrtype::A, 3600, "c0000201"},
  };
  for (const WireCase& c : cases) {
    SCOPED_TRACE(c.text);
    std::string error;
    auto record = parseRecord(c.text, name("x.Example.Test."), origin, 3600, &error);
    ASSERT_TRUE(record.has_value()) << error;
    EXPECT_EQ(record->type, c.type);
    EXPECT_EQ(record->ttl, c.ttl);
    EXPECT_EQ(record->rdata, bytes(c.rdata_hex));
    EXPECT_EQ(record->owner.toText(), "x.Example.Test.");
  }
}

TEST(RecordParserTest, Rejects) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "empty record"},
      {"   ; only a comment", "empty record"},
      {"60", "missing record type"},
      {"60 IN", "missing record type"},
      {"60 60 A 192.0.2.1", "expected a record type after the TTL, found \"60\""},
      {"IN IN A 192.0.2.1", "expected a record type after the class, found \"IN\""},
      {"-1 A 192.0.2.1", "TTL -1 is negative"},
      {"1h A 192.0.2.1", "invalid TTL \"1h\": a TTL is a whole number of seconds"},
      {"2147483648 A 192.0.2.1", "TTL 2147483648 is out of range (0 to 2147483647, RFC 2181 §8)"},
      {"99999999999999999999 A 192.0.2.1",
       "TTL 99999999999999999999 is out of range (0 to 2147483647, RFC 2181 §8)"},
      {"CH TXT \"x\"", "class CH is not supported: Nines serves class IN only"},
      {"FOO 1",
       "unknown record type \"FOO\" (a type ldns does not know can be written as "
       "TYPEnnn \\# len hex, RFC 3597)"},
      {"TYPE65536 \\# 0", "record type TYPE65536 is out of range (TYPE1 to TYPE65535)"},
      {"TYPE0 \\# 0", "type TYPE0 is a query or meta type, not zone data"},
      {"ANY \\# 0", "type ANY is a query or meta type, not zone data"},
      {"AXFR \\# 0", "type AXFR is a query or meta type, not zone data"},
      {"OPT \\# 0", "type OPT is a query or meta type, not zone data"},
      {"A 192.0.2.256", "A RDATA is invalid: Syntax error, could not parse the RR's rdata"},
      {"A 192.0.2.1 5", "A RDATA is invalid: Syntax error, superfluous text present"},
      {"A", "A RDATA is invalid: Syntax error, value expected"},
      {"AAAA 192.0.2.1", "AAAA RDATA is invalid: Syntax error, could not parse the RR's rdata"},
      {"MX mail", "MX RDATA is invalid: Syntax error, could not parse the RR's rdata"},
      {"MX 70000 mail", "MX RDATA is invalid: field 1 (70000) is out of range (0 to 65535)"},
      {"SRV 1 2 65536 sip", "SRV RDATA is invalid: field 3 (65536) is out of range (0 to 65535)"},
      {"SSHFP 256 1 " + kDigest20,
       "SSHFP RDATA is invalid: field 1 (256) is out of range (0 to 255)"},
      {"DS 1 8 2 abc", "DS RDATA is invalid: hex data has an odd number of digits"},
      {"CNAME a..b.", "CNAME RDATA is invalid: Syntax error, could not parse the RR's rdata"},
      {"TXT \"" + std::string(256, 'a') + "\"",
       "TXT RDATA is invalid: Syntax error, could not parse the RR's rdata"},
      {"A \\# 5 c0000201", "A RDATA is invalid: Syntax error, could not parse the RR's rdata"},
      // ldns alone would take these: an octet too many, a field missing (RFC 3597 §5).
      {"A \\# 5 c000020101",
       "A RDATA is invalid: the \\# data is not a complete, well-formed A RDATA"},
      {"MX \\# 2 000a",
       "MX RDATA is invalid: the \\# data is not a complete, well-formed MX RDATA"},
      {"TXT \\# 0", "TXT RDATA is invalid: the \\# data is not a complete, well-formed TXT RDATA"},
  };
  const Name origin = name("example.test.");
  for (const auto& [text, expected] : cases) {
    std::string error;
    EXPECT_FALSE(parseRecord(text, origin, origin, 3600, &error).has_value()) << text;
    EXPECT_EQ(error, expected) << text;
  }
}

TEST(RecordParserTest, CanonicalRdataLowersNamesOnly) {
  const Name origin = name("example.test.");
  auto mx = parseRecord("MX 10 MAIL.Example.TEST.", origin, origin, 60, nullptr);
  ASSERT_TRUE(mx.has_value());
  EXPECT_EQ(canonicalRdata(*mx), bytes("000a 04 6d61696c 07 6578616d706c65 04 74657374 00"));
  EXPECT_EQ(mx->rdata, bytes("000a 04 4d41494c 07 4578616d706c65 04 54455354 00"));
  auto txt = parseRecord("TXT \"MiXeD\"", origin, origin, 60, nullptr);
  ASSERT_TRUE(txt.has_value());
  EXPECT_EQ(canonicalRdata(*txt), txt->rdata);  // text is data, not a name
}

// The fast path for common types against ldns, the reference: the same record or the same error
// for plain forms, the edges of each field, and what the fast path must leave to ldns.
TEST(RecordParserTest, CommonTypesReadAsLdnsReadsThem) {
  const std::string long_label(63, 'a'), too_long_label(64, 'a');
  const std::string s255(255, 'x'), s256(256, 'x');
  // 250 octets of labels: with a relative name's origin it passes 255.
  std::string near_limit;
  for (int i = 0; i < 25; ++i) near_limit += "abcdefghi.";
  const std::vector<std::string> cases = {
      "A 192.0.2.1",
      "a 0.0.0.0",
      "A 255.255.255.255",
      "A\t192.0.2.1",
      "A  192.0.2.1  ",
      "A 256.0.0.1",
      "A 192.0.2",
      "A 192.0.2.01",
      "A 192.0.2.1.5",
      "A 192.0.2.1 192.0.2.2",
      "A 0x1.2.3.4",
      "A ",
      "A 192.0.2.1 ; comment",
      "A ( 192.0.2.1 )",
      "A 1e2.0.0.1",
      "AAAA 2001:db8::1",
      "aaaa ::",
      "AAAA ::ffff:192.0.2.1",
      "AAAA 2001:db8::1::2",
      "AAAA 2001:0db8:0000:0000:0000:0000:0000:0001",
      "AAAA 192.0.2.1",
      "AAAA 12345::",
      "AAAA fe80::1%eth0",
      "AAAA 2001:DB8::A",
      "TXT \"hello\"",
      "TXT \"hello world\" \"second\"",
      "TXT \"\"",
      "txt \"a\"\t\"b\"",
      "TXT \"" + s255 + "\"",
      "TXT \"" + s256 + "\"",
      "TXT unquoted words",
      "TXT \"a\"b",
      "TXT \"a\\\"b\"",
      "TXT \"a\\065\"",
      "TXT \"v=DKIM1; k=rsa; p=MIGf\"",
      "TXT \"(paren)\"",
      "TXT \"a;b\" \"c\"",
      "TXT \"a(b\"",
      "TXT \"x) ;\"",
      "TXT \"unterminated",
      "TXT",
      "TXT \"tab\tinside\"",
      "TXT \"caf\xc3\xa9\"",
      "TXT \"a\" ; comment",
      "CNAME www",
      "CNAME www.example.test.",
      "CNAME WWW.Example.",
      "CNAME @",
      "CNAME .",
      "CNAME a..b",
      "CNAME .a",
      "CNAME " + long_label,
      "CNAME " + too_long_label,
      "CNAME " + near_limit,
      "CNAME " + near_limit + "x.",
      "CNAME a\\.b",
      "CNAME a@b",
      "CNAME *.wild",
      "CNAME _srv._tcp",
      "CNAME a b",
      "CNAME",
      "CNAME x-y.z_1.",
      "NS ns1",
      "NS ns1.example.net.",
      "ns NS1",
      "PTR host.example.",
      "PTR @",
      "MX 10 mail",
      "MX 0 .",
      "MX 65535 mail.",
      "MX 65536 mail.",
      "MX 010 mail",
      "MX -1 mail",
      "MX 10",
      "MX mail 10",
      "MX 1e1 mail",
      "MX 000000010 mail",
      "MX 10 mail extra",
      "SRV 10 60 5060 sip",
      "SRV 0 0 0 .",
      "SRV 65535 65535 65535 sip.example.",
      "SRV 1 2 70000 sip",
      "SRV 1 2 3",
      "SRV 1 2 3 sip extra",
      "300 A 192.0.2.1",
      "IN A 192.0.2.1",
      "300 IN TXT \"x\"",
      "IN 300 MX 5 mx",
      "CAA 0 issue \"ca.example\"",
      "SOA a. b. 1 2 3 4 5",
      "HINFO \"cpu\" \"os\"",
  };
  const Name origin = *Name::fromText("Example.Test.", nullptr, nullptr);
  const Name owner = *Name::fromText("Owner.Example.Test.", nullptr, nullptr);
  for (const std::string& text : cases) {
    std::string fast_error, ldns_error;
    auto fast = parseRecord(text, owner, origin, 3600, &fast_error);
    auto reference = parseRecordByLdns(text, owner, origin, 3600, &ldns_error);
    ASSERT_EQ(fast.has_value(), reference.has_value())
        << text << ": " << fast_error << " / " << ldns_error;
    EXPECT_EQ(fast_error, ldns_error) << text;
    if (!fast) continue;
    EXPECT_EQ(fast->type, reference->type) << text;
    EXPECT_EQ(fast->ttl, reference->ttl) << text;
    EXPECT_EQ(fast->rdata, reference->rdata) << text;
    EXPECT_TRUE(fast->owner == reference->owner) << text;
    EXPECT_EQ(canonicalRdata(*fast), canonicalRdataByLdns(*fast)) << text;
  }
  Record soa;
  soa.type = rrtype::SOA;
  soa.rdata = bytes("03 4e5331 00 02 48 4d 00 00000001 00000002 00000003 00000004 00000005");
  EXPECT_EQ(canonicalRdata(soa), canonicalRdataByLdns(soa));
  EXPECT_EQ(canonicalRdata(soa),
            bytes("03 6e7331 00 02 686d 00 00000001 00000002 00000003 00000004 00000005"));
}

TEST(RecordParserTest, TypeNames) {
  EXPECT_EQ(rrTypeName(rrtype::A), "A");
  EXPECT_EQ(rrTypeName(rrtype::HTTPS), "HTTPS");
  EXPECT_EQ(rrTypeName(rrtype::CAA), "CAA");
  EXPECT_EQ(rrTypeName(12345), "TYPE12345");
}

}  // namespace
}  // namespace nines::zones
