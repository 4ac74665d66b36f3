#include "nines/zones/loader.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "nines/zones/serial.h"
#include "zone_test_files.h"

namespace nines::zones {
namespace {

using test_files::BrokenCase;
using test_files::edit;
using test_files::expectLoadErrors;
using test_files::TempDir;

// A valid zone with one free line at the top level (line 2), one in [soa] (line 11) and free
// lines at the end of [records] (line 15 on).
std::string zone(const std::string& top = "", const std::string& soa = "",
                 const std::string& records = "") {
  return "origin = \"example.test.\"\n" + top +
         "\n"
         "[soa]\n"
         "mname = \"ns1.example.test.\"\n"
         "rname = \"hostmaster.example.test.\"\n"
         "serial = 1\n"
         "refresh = 3600\n"
         "retry = 600\n"
         "expire = 1209600\n"
         "minimum = 300\n" +
         soa +
         "\n"
         "[records]\n"
         "\"@\" = [\"NS ns1\"]\n"
         "ns1 = [\"A 192.0.2.53\"]\n" +
         records + "\n";
}

const std::string kApexNs = "\"@\" = [\"NS ns1\"]";
const std::string kDigest = "49fd46e6c4b45c55d4ac69cbd3cd34ac1afe51de7d5e8c4d2b9f6e8d2a1c0b3e";
const std::string kSoaOnly =
    "origin = \"example.test.\"\n[soa]\nmname = \"ns1\"\nrname = \"hostmaster\"\nrefresh = 1\n"
    "retry = 1\nexpire = 1\nminimum = 1\n";

const std::vector<BrokenCase> kCases = {
    // The file and its top level.
    {"toml syntax",
     zone("", "", "www = [\"A 192.0.2.1\""),
     {"zone.toml:15:22: invalid TOML: Error while parsing array: encountered end-of-file"}},
    {"missing origin",
     edit(zone(), "origin = \"example.test.\"", ""),
     {"zone.toml: missing \"origin\", the zone's absolute name (e.g. origin = "
      "\"example.test.\")"}},
    {"relative origin",
     edit(zone(), "\"example.test.\"", "\"example.test\""),
     {"zone.toml:1:10: origin \"example.test\" must be an absolute name, ending in a dot: "
      "\"example.test.\""}},
    {"origin not a string",
     edit(zone(), "\"example.test.\"", "5"),
     {"zone.toml:1:10: origin must be a string such as \"example.test.\", not an integer"}},
    {"origin bad name",
     edit(zone(), "\"example.test.\"", "\"a..test.\""),
     {"zone.toml:1:10: origin \"a..test.\" is not a valid name: empty label in name"}},
    {"ttl string", zone("ttl = \"1h\""), {"zone.toml:2:7: ttl must be an integer, not a string"}},
    {"ttl float", zone("ttl = 3600.0"), {"zone.toml:2:7: ttl must be an integer, not a float"}},
    {"ttl negative", zone("ttl = -1"), {"zone.toml:2:7: ttl -1 is negative"}},
    {"ttl too large",
     zone("ttl = 2147483648"),
     {"zone.toml:2:7: ttl 2147483648 is out of range (0 to 2147483647, RFC 2181 §8)"}},
    {"unknown top-level key",
     zone("colour = 1"),
     {"zone.toml:2:1: unknown key \"colour\" (expected origin, ttl, soa, records, checks, "
      "regions, services)"}},
    // [checks], [regions] and [services] have their own tests (traffic_tables_test.cc,
    // service_table_test.cc); here: a zone with them loads.
    {"traffic tables",
     zone() + "[checks.web]\ntype = \"http\"\nport = 80\n[regions.us-east]\n"
              "location = [38.9, -77.0]\n[services.www]\npolicy = \"geo\"\ncheck = \"web\"\n"
              "[services.www.pools.us-east]\nendpoints = [\"192.0.2.1\"]\n",
     {}},
    // [soa]
    {"missing soa",
     "origin = \"example.test.\"\n[records]\n\"@\" = [\"NS ns.other.test.\"]\n",
     {"zone.toml: missing [soa] table (mname, rname, serial, refresh, retry, expire, minimum)"}},
    {"soa not a table",
     "origin = \"example.test.\"\nsoa = 5\n",
     {"zone.toml:1:10: zone \"example.test.\" has no NS record at its apex",
      "zone.toml:2:7: soa must be a table, not an integer"}},
    {"unknown soa key",
     zone("", "refesh = 1"),
     {"zone.toml:11:1: unknown key \"refesh\" in [soa] (expected mname, rname, serial, refresh, "
      "retry, expire, minimum, ttl)"}},
    {"missing soa field",
     edit(zone(), "refresh = 3600", ""),
     {"zone.toml:3:1: [soa] is missing \"refresh\""}},
    {"soa field type",
     edit(zone(), "retry = 600", "retry = \"600\""),
     {"zone.toml:8:9: soa.retry must be an integer, not a string"}},
    {"soa ttl negative", zone("", "ttl = -5"), {"zone.toml:11:7: soa.ttl -5 is negative"}},
    {"serial too large",
     edit(zone(), "serial = 1", "serial = 4294967296"),
     {"zone.toml:6:10: soa.serial 4294967296 is out of range (0 to 4294967295; 0 derives it "
      "from the content)"}},
    {"rname as a mail address",
     edit(zone(), "hostmaster.example", "hostmaster@example"),
     {"zone.toml:5:9: soa.rname \"hostmaster@example.test.\" is written as a mail address; "
      "write the mailbox as a name: \"hostmaster.example.test.\""}},
    {"mname bad name",
     edit(zone(), "\"ns1.example.test.\"", "\"ns1..example.test.\""),
     {"zone.toml:4:9: soa.mname \"ns1..example.test.\" is not a valid name: empty label in "
      "name"}},
    // Owners.
    {"owner outside the zone",
     zone("", "", "\"www.example.com.\" = [\"A 192.0.2.1\"]"),
     {"zone.toml:15:1: owner \"www.example.com.\" is outside the zone origin \"example.test.\""}},
    {"owner empty label",
     zone("", "", "\"a..b\" = [\"A 192.0.2.1\"]"),
     {"zone.toml:15:1: invalid owner name \"a..b\": empty label in name"}},
    {"owner empty",
     zone("", "", "\"\" = [\"A 192.0.2.1\"]"),
     {"zone.toml:15:1: invalid owner name \"\": empty name"}},
    {"owner label too long",
     zone("", "", "\"" + std::string(64, 'a') + "\" = [\"A 192.0.2.1\"]"),
     {"zone.toml:15:1: invalid owner name \"" + std::string(60, 'a') +
      "...\": label longer than 63 octets"}},
    {"owner name too long",
     zone("", "",
          "\"" + std::string(63, 'a') + "." + std::string(63, 'b') + "." + std::string(63, 'c') +
              "." + std::string(63, 'd') + "\" = [\"A 192.0.2.1\"]"),
     {"zone.toml:15:1: invalid owner name \"" + std::string(60, 'a') +
      "...\": name longer than 255 octets"}},
    {"unquoted dotted owner",
     zone("", "", "ns.sub = [\"A 192.0.2.1\"]"),
     {"zone.toml:15:1: owner \"ns\" holds a table, not an array of records; quote owner names "
      "that contain dots, e.g. \"ns.sub\" = [\"A 192.0.2.1\"]"}},
    // Records.
    {"records not an array",
     zone("", "", "www = \"A 192.0.2.1\""),
     {"zone.toml:15:7: records of \"www\" must be an array of strings such as [\"A 192.0.2.1\"], "
      "not a string"}},
    {"record not a string",
     zone("", "", "www = [5]"),
     {"zone.toml:15:8: a record must be a string such as \"A 192.0.2.1\", not an integer"}},
    {"unknown type",
     zone("", "", "www = [\"FOO bar\"]"),
     {"zone.toml:15:8: record \"FOO bar\": unknown record type \"FOO\" (a type ldns does not "
      "know can be written as TYPEnnn \\# len hex, RFC 3597)"}},
    {"rdata ldns rejects",
     zone("", "", "www = [\"A 192.0.2.256\"]"),
     {"zone.toml:15:8: record \"A 192.0.2.256\": A RDATA is invalid: Syntax error, could not "
      "parse the RR's rdata"}},
    {"rdata field out of range",
     zone("", "", "mx = [\"MX 70000 mail\"]"),
     {"zone.toml:15:7: record \"MX 70000 mail\": MX RDATA is invalid: field 1 (70000) is out of "
      "range (0 to 65535)"}},
    {"record ttl negative",
     zone("", "", "www = [\"-1 A 192.0.2.1\"]"),
     {"zone.toml:15:8: record \"-1 A 192.0.2.1\": TTL -1 is negative"}},
    {"record ttl too large",
     zone("", "", "www = [\"2147483648 A 192.0.2.1\"]"),
     {"zone.toml:15:8: record \"2147483648 A 192.0.2.1\": TTL 2147483648 is out of range (0 to "
      "2147483647, RFC 2181 §8)"}},
    {"SOA in records",
     zone("", "", "www = [\"SOA ns1 hostmaster 1 2 3 4 5\"]"),
     {"zone.toml:15:8: record \"SOA ns1 hostmaster 1 2 3 4 5\": SOA records are not allowed in "
      "[records]; the SOA comes from the [soa] table"}},
    {"DNAME",
     zone("", "", "www = [\"DNAME other.test.\"]"),
     {"zone.toml:15:8: record \"DNAME other.test.\": DNAME records are not supported"}},
    // The zone as a whole.
    {"no NS at the apex",
     edit(zone(), kApexNs, "\"@\" = [\"MX 10 ns1\"]"),
     {"zone.toml:13:1: zone \"example.test.\" has no NS record at its apex"}},
    {"no records at all",
     kSoaOnly,
     {"zone.toml:1:10: zone \"example.test.\" has no NS record at its apex"}},
    {"a broken apex NS is reported once",
     edit(zone(), kApexNs, "\"@\" = [\"NS 1.2.3.4.5 x\"]"),
     {"zone.toml:13:8: record \"NS 1.2.3.4.5 x\": NS RDATA is invalid: Syntax error, "
      "superfluous text present"}},
    {"CNAME beside other data",
     zone("", "", "www = [\"CNAME ns1\", \"A 192.0.2.1\"]"),
     {"zone.toml:15:8: CNAME at \"www.example.test.\" has other data beside it (A at 15:21); a "
      "CNAME must be the only record at its name (RFC 2181 §10.1)"}},
    {"two CNAMEs",
     zone("", "", "www = [\"CNAME ns1\", \"CNAME ns2\"]"),
     {"zone.toml:15:21: more than one CNAME at \"www.example.test.\" (the first is at 15:8); a "
      "name has at most one (RFC 2181 §10.1)"}},
    {"CNAME at the apex",
     zone("", "", "\"example.test.\" = [\"CNAME other.test.\"]"),
     {"zone.toml:15:20: CNAME at the zone apex \"example.test.\" is not allowed: the apex holds "
      "the SOA and NS records (RFC 2181 §10.1)"}},
    {"TTLs differ in an RRset",
     zone("", "", "www = [\"A 192.0.2.1\", \"60 A 192.0.2.2\"]"),
     {"zone.toml:15:23: TTL 60 differs from TTL 3600 of the first A record of "
      "\"www.example.test.\" (at 15:8); an RRset has one TTL (RFC 2181 §5.2)"}},
    {"duplicate record",
     zone("", "", "www = [\"A 192.0.2.1\", \"A 192.0.2.1\"]"),
     {"zone.toml:15:23: duplicate A record at \"www.example.test.\" (same data as the record at "
      "15:8)"}},
    {"duplicate spelled differently",
     zone("", "", "www = [\"MX 10 ns1\"]\n\"WWW.example.test.\" = [\"MX 10 NS1.EXAMPLE.TEST.\"]"),
     {"zone.toml:16:24: duplicate MX record at \"WWW.example.test.\" (same data as the record at "
      "15:8)"}},
    {"in-zone NS target without glue",
     zone("", "", "sub = [\"NS ns.sub\"]"),
     {"zone.toml:15:8: NS target \"ns.sub.example.test.\" is inside the zone but has no A or "
      "AAAA (glue) record"}},
    {"apex NS target without address",
     edit(zone(), kApexNs, "\"@\" = [\"NS ns1\", \"NS ns2\"]"),
     {"zone.toml:13:18: NS target \"ns2.example.test.\" is inside the zone but has no A or AAAA "
      "(glue) record"}},
    {"out-of-zone NS target needs no glue", zone("", "", "sub = [\"NS ns.other.test.\"]"), {}},
    {"glue below a delegation",
     zone("", "", "sub = [\"NS ns.sub\"]\n\"ns.sub\" = [\"AAAA 2001:db8::99\"]"),
     {}},
    {"occluded data below a delegation",
     zone(
         "", "",
         "sub = [\"NS ns.sub\"]\n\"ns.sub\" = [\"A 192.0.2.99\"]\n\"www.sub\" = [\"A 192.0.2.1\"]"),
     {"zone.toml:17:14: A record at \"www.sub.example.test.\" is below the delegation "
      "\"sub.example.test.\" and is not glue for an NS target, so it would never be served"}},
    {"data at a delegation point",
     zone("", "", "sub = [\"NS ns.other.test.\", \"A 192.0.2.1\"]"),
     {"zone.toml:15:29: A record at the delegation point \"sub.example.test.\" is hidden by the "
      "delegation (only NS, DS and glue belong there)"}},
    {"DS at a delegation",
     zone("", "", "sub = [\"NS ns.other.test.\", \"DS 1 8 2 " + kDigest + "\"]"),
     {}},
    {"DS away from a delegation",
     zone("", "", "www = [\"DS 1 8 2 " + kDigest + "\"]"),
     {"zone.toml:15:8: DS record at \"www.example.test.\" is not at a delegation: a DS goes "
      "beside the NS records of a child zone"}},
    {"DS at the apex",
     edit(zone(), kApexNs, "\"@\" = [\"NS ns1\", \"DS 1 8 2 " + kDigest + "\"]"),
     {"zone.toml:13:18: DS record at the zone apex \"example.test.\" belongs in the parent zone"}},
    {"NS target is an alias",
     zone("", "", "alias = [\"CNAME ns1\"]\nsub = [\"NS alias\"]"),
     {"zone.toml:16:8: NS target \"alias.example.test.\" is an alias (CNAME); NS targets must be "
      "names with addresses (RFC 2181 §10.3)"}},
    {"MX target is an alias",
     zone("", "", "alias = [\"CNAME ns1\"]\nmx = [\"MX 10 alias\"]"),
     {"zone.toml:16:7: MX target \"alias.example.test.\" is an alias (CNAME); MX targets must be "
      "names with addresses (RFC 2181 §10.3)"}},
    {"every error at once",
     zone("ttl = -1", "refesh = 1",
          "www = [\"FOO\", \"A 192.0.2.1\", \"A 192.0.2.1\"]\n\"www.example.com.\" = [\"A "
          "192.0.2.1\"]"),
     {"zone.toml:2:7: ttl -1 is negative",
      "zone.toml:11:1: unknown key \"refesh\" in [soa] (expected mname, rname, serial, refresh, "
      "retry, expire, minimum, ttl)",
      "zone.toml:15:8: record \"FOO\": unknown record type \"FOO\" (a type ldns does not know "
      "can be written as TYPEnnn \\# len hex, RFC 3597)",
      "zone.toml:15:30: duplicate A record at \"www.example.test.\" (same data as the record at "
      "15:15)",
      "zone.toml:16:1: owner \"www.example.com.\" is outside the zone origin \"example.test.\""}},
};

TEST(LoaderTest, BrokenZoneFiles) { expectLoadErrors(kCases); }

TEST(LoaderTest, ExampleZonesLoadCleanly) {
  LoadResult result = loadZoneDirectory(NINES_SOURCE_DIR "/zones/examples");
  for (const base::Diagnostic& error : result.errors) ADD_FAILURE() << error.toString();
  ASSERT_EQ(result.zones.size(), 4u);  // gslb and live.example.test: service_table_test.cc
  // Sorted by origin in canonical order: arpa before test, example.test before gslb.example.test.
  const Zone& reverse = result.zones[0];
  const Zone& example = result.zones[1];
  EXPECT_EQ(reverse.origin.toText(), "2.0.192.in-addr.arpa.");
  EXPECT_EQ(reverse.serial, 2024010101u);
  EXPECT_EQ(example.origin.toText(), "example.test.");
  EXPECT_EQ(example.file, NINES_SOURCE_DIR "/zones/examples/example.test.toml");
  EXPECT_EQ(example.default_ttl, 3600u);
  EXPECT_EQ(example.negative_ttl, 300u);
  EXPECT_EQ(example.serial, contentSerial(example.records));
  EXPECT_TRUE(example.services.empty());
  EXPECT_EQ(result.zones[2].origin.toText(), "gslb.example.test.");

  ASSERT_FALSE(example.records.empty());
  const Record& soa = example.records.front();
  EXPECT_EQ(soa.type, rrtype::SOA);
  EXPECT_EQ(soa.owner, example.origin);
  // The effective serial is written into the SOA: after mname and rname.
  std::size_t at = Name::fromText("ns1.example.test.", nullptr, nullptr)->size() +
                   Name::fromText("hostmaster.example.test.", nullptr, nullptr)->size();
  std::uint32_t serial = 0;
  for (std::size_t i = at; i < at + 4; ++i) serial = serial << 8 | std::uint8_t(soa.rdata[i]);
  EXPECT_EQ(serial, example.serial);

  auto count = [&](const std::string& owner, std::uint16_t type) {
    Name name = *Name::fromText(owner, &example.origin, nullptr);
    return std::count_if(example.records.begin(), example.records.end(),
                         [&](const Record& r) { return r.owner == name && r.type == type; });
  };
  EXPECT_EQ(count("@", rrtype::NS), 2);
  EXPECT_EQ(count("@", rrtype::CAA), 1);
  EXPECT_EQ(count("www", rrtype::A), 2);
  EXPECT_EQ(count("www", rrtype::AAAA), 1);
  EXPECT_EQ(count("alias", rrtype::CNAME), 1);
  EXPECT_EQ(count("_sip._tcp", rrtype::SRV), 1);
  EXPECT_EQ(count("*.wild", rrtype::TXT), 1);
  EXPECT_EQ(count("sub", rrtype::NS), 1);
  EXPECT_EQ(count("ns.sub", rrtype::A), 1);
  EXPECT_EQ(count("a.b.deep", rrtype::A), 1);
  // File order after the SOA, each record where its string is (in the zone's file).
  for (std::size_t i = 2; i < example.records.size(); ++i) {
    const FilePosition& a = example.records[i - 1].where;
    const FilePosition& b = example.records[i].where;
    EXPECT_TRUE(a.line < b.line || (a.line == b.line && a.column < b.column));
  }
}

TEST(LoaderTest, BadZoneIsLeftOutGoodZoneLoads) {
  TempDir dir;
  dir.write("good.toml", zone());
  dir.write("bad.toml", edit(edit(zone(), "example.test.\"\n", "bad.test.\"\n"),
                             "ns1 =", "ns1 = [\"A 1\"]\nx ="));
  dir.write("notes.txt", "not a zone");
  dir.write(".#good.toml", "editor lock file");
  LoadResult result = loadZoneDirectory(dir.path());
  EXPECT_EQ(dir.errors(result),
            // ns1's only record is broken: its missing glue is not reported on top.
            (std::vector<std::string>{"bad.toml:14:8: record \"A 1\": A RDATA is invalid: Syntax "
                                      "error, could not parse the RR's rdata"}));
  ASSERT_EQ(result.zones.size(), 1u);
  EXPECT_EQ(result.zones[0].origin.toText(), "example.test.");
}

TEST(LoaderTest, DuplicateOrigins) {
  TempDir dir;
  dir.write("a.toml", zone());
  dir.write("b.toml", edit(zone(), "example.test.\"", "EXAMPLE.test.\""));
  dir.write("c.toml", edit(zone(), "example.test.\"", "other.test.\""));
  LoadResult result = loadZoneDirectory(dir.path() + "/");
  std::string a = dir.path() + "/a.toml:1:10", b = dir.path() + "/b.toml:1:10";
  EXPECT_EQ(dir.errors(result),
            (std::vector<std::string>{
                "a.toml:1:10: duplicate zone \"example.test.\": also defined at " + b,
                "b.toml:1:10: duplicate zone \"EXAMPLE.test.\": also defined at " + a}));
  ASSERT_EQ(result.zones.size(), 1u);
  EXPECT_EQ(result.zones[0].origin.toText(), "other.test.");
}

TEST(LoaderTest, LoadZonesTakesAFileOrADirectory) {
  TempDir dir;
  std::string file = dir.write("z.toml", zone());
  EXPECT_EQ(loadZones(file).zones.size(), 1u);
  EXPECT_EQ(loadZones(dir.path()).zones.size(), 1u);
  LoadResult missing = loadZones(dir.path() + "/nope");
  EXPECT_EQ(dir.errors(missing), std::vector<std::string>{"nope: no such file or directory"});
  LoadResult unreadable = loadZoneFile(dir.path() + "/nope.toml");
  ASSERT_EQ(unreadable.errors.size(), 1u);
  EXPECT_EQ(dir.errors(unreadable)[0],
            "nope.toml: cannot read the file: No such file or directory");
  TempDir empty;
  LoadResult none = loadZoneDirectory(empty.path());
  EXPECT_TRUE(none.zones.empty());
  EXPECT_TRUE(none.errors.empty());
}

TEST(LoaderTest, RecordsKeepTextAndLocation) {
  TempDir dir;
  LoadResult result = loadZoneFile(
      dir.write("zone.toml", zone("ttl = 120", "ttl = 60",
                                  "WwW = [\"TYPE12345 \\\\# 4 0a000001\", \"A \\\\# 4 c0000201\"]\n"
                                  "mx = [\"MX 10 Mail\"]")));
  ASSERT_TRUE(result.errors.empty()) << result.errors[0].toString();
  ASSERT_EQ(result.zones.size(), 1u);
  const Zone& z = result.zones[0];
  EXPECT_EQ(z.default_ttl, 120u);
  EXPECT_EQ(z.negative_ttl, 60u);  // min(SOA TTL 60, minimum 300)
  EXPECT_EQ(z.serial, 1u);         // given, not derived
  ASSERT_EQ(z.records.size(), 6u);
  EXPECT_EQ(z.records[0].type, rrtype::SOA);
  EXPECT_EQ(z.records[0].ttl, 60u);
  EXPECT_EQ(z.records[3].owner.toText(), "WwW.example.test.");
  EXPECT_EQ(z.records[3].type, 12345);
  EXPECT_EQ(z.records[3].ttl, 120u);
  EXPECT_EQ(z.records[3].rdata, std::string("\x0a\x00\x00\x01", 4));
  EXPECT_EQ(z.records[3].where.line, 15u);
  EXPECT_EQ(z.records[3].where.column, 8u);
  EXPECT_EQ(z.records[4].type, rrtype::A);
  EXPECT_EQ(z.records[4].rdata, std::string("\xc0\x00\x02\x01", 4));
  EXPECT_EQ(z.records[5].rdata, std::string("\x00\x0a\x04Mail\x07"
                                            "example\x04test\x00",
                                            21));
}

TEST(LoaderTest, DerivedSerialIsStable) {
  TempDir dir;
  std::string text = edit(zone("", "", "www = [\"A 192.0.2.1\", \"AAAA 2001:db8::1\"]"),
                          "serial = 1", "serial = 0");
  std::string reordered = edit(zone("", "", "www = [\"AAAA 2001:db8::1\", \"A 192.0.2.1\"]"),
                               "serial = 1", "# serial left out: 0");
  std::string changed = edit(text, "192.0.2.1", "192.0.2.2");
  auto serial = [&](const std::string& content) {
    LoadResult result = loadZoneFile(dir.write("zone.toml", content));
    EXPECT_EQ(result.zones.size(), 1u);
    return result.zones.empty() ? 0u : result.zones[0].serial;
  };
  std::uint32_t first = serial(text);
  EXPECT_NE(first, 0u);
  EXPECT_EQ(serial(text), first);
  EXPECT_EQ(serial(reordered), first);
  EXPECT_NE(serial(changed), first);
}

}  // namespace
}  // namespace nines::zones
