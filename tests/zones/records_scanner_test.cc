#include "nines/zones/records_scanner.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "nines/zones/loader.h"

namespace nines::zones {
namespace {

const std::string kHead =
    "origin = \"example.test.\"\n"
    "[soa]\n"
    "mname = \"ns1.example.test.\"\n"
    "rname = \"hostmaster.example.test.\"\n"
    "serial = 1\nrefresh = 3600\nretry = 600\nexpire = 1209600\nminimum = 300\n";
const std::string kRecords = "[records]\n\"@\" = [\"NS ns1\"]\nns1 = [\"A 192.0.2.53\"]\n";
const std::string kService =
    "[regions.r1]\nlocation = [1.0, 2.0]\n"
    "[services.www]\npolicy = \"weighted\"\n[services.www.pools.r1]\nendpoints = [\"192.0.2.9\"]\n";

std::string zoneWith(const std::string& records_lines, const std::string& tail = "") {
  return kHead + kRecords + records_lines + "\n" + tail;
}

// Everything a load says, in one comparable text: the errors, then each record with its place.
std::string summary(const LoadResult& result) {
  std::string out;
  for (const auto& error : result.errors) out += error.toString() + "\n";
  for (const auto& zone : result.zones) {
    out += "zone " + zone.origin.toText() + " serial " + std::to_string(zone.serial) + "\n";
    for (const auto& record : zone.records) {
      out += zone.file + ":" + std::to_string(record.where.line) + ":" +
             std::to_string(record.where.column) + " " + record.owner.toText() + " " +
             std::to_string(record.type) + " " + std::to_string(record.ttl) + " " +
             std::to_string(record.rdata.size()) + ":" + record.rdata + "\n";
    }
    out += std::to_string(zone.services.size()) + " services\n";
  }
  return out;
}

void expectSameAsToml(const std::string& name, const std::string& text) {
  auto shared = std::make_shared<const std::string>(text);
  std::string fast = summary(loadZoneText("zone.toml", shared));
  std::string reference = summary(loadZoneTextByToml("zone.toml", shared));
  EXPECT_EQ(fast, reference) << "case " << name << ":\n" << text;
}

struct Case {
  std::string name;
  std::string text;
};

const std::vector<Case> kCorpus = {
    {"plain", zoneWith("www = [\"A 192.0.2.1\", \"TXT \\\"a \\\\\\\"q\\\\\\\" b\\\"\"]\n"
                       "  mail   =   [ \"MX 10 ns1\" , ]   # a comment\n"
                       "empty = []\n")},
    {"escapes",
     zoneWith("t = [\"TXT \\\"tab\\there\\\"\"]\nb = [\"TXT \\\"back\\\\\\\\slash\\\"\"]\n"
              "u = [\"TXT \\\"\\u00e9\\\"\"]\nU = [\"TXT \\\"\\U0001F600\\\"\"]\n")},
    {"bad escape", zoneWith("t = [\"TXT \\q\"]\n")},
    {"comments", zoneWith("# a whole line\nc = [\"A 192.0.2.2\"] # trailing\n"
                          "d = [\"A 192.0.2.3\", # in the array\n  \"A 192.0.2.4\"]\n"
                          "e = [\"A 192.0.2.5\"] # \x01 control\n")},
    // Found by tests/fuzz (zone): a plain-looking line inside a multi-line array is two elements
    // and an error to TOML++, not a record.
    {"plain line inside a multi-line array",
     zoneWith("d = [\"A 192.0.2.1\", # open\n\"_sip._tcp\" = [\"SRV 10 60 5060 ns1\"]\n"
              "\"A 192.0.2.2\"]\nafter = [\"A 192.0.2.3\"]\n")},
    {"brackets in strings and comments",
     zoneWith("s = [\"TXT \\\"[\\\"\", 'x]', # ] [\n\"TXT y\"]\nafter = [\"A 192.0.2.3\"]\n")},
    {"multi-line array", zoneWith("m = [\n  \"A 192.0.2.1\",\n  \"A 192.0.2.2\",\n]\n"
                                  "after = [\"A 192.0.2.3\"]\n")},
    {"quoted keys", zoneWith("\"q.sub\" = [\"A 192.0.2.1\"]\n\"with space\" = [\"A 192.0.2.1\"]\n"
                             "\"\" = [\"A 192.0.2.1\"]\n\"esc\\\"aped\" = [\"A 192.0.2.1\"]\n"
                             "'literal' = [\"A 192.0.2.1\"]\n")},
    {"quoted and bare duplicate",
     zoneWith("www = [\"A 192.0.2.1\"]\n\"www\" = [\"A 192.0.2.2\"]\n")},
    {"duplicate plain keys", zoneWith("www = [\"A 192.0.2.1\"]\nwww = [\"A 192.0.2.2\"]\n")},
    {"duplicate of a multi-line key",
     zoneWith("www = [\"A 192.0.2.1\"]\nwww = [\n\"A 192.0.2.2\"]\n")},
    {"inline table", zoneWith("it = { a = 1 }\nok = [\"A 192.0.2.1\"]\n")},
    {"dotted key", zoneWith("x.y = [\"A 192.0.2.1\"]\nx = [\"A 192.0.2.9\"]\n")},
    {"dotted key after", zoneWith("x = [\"A 192.0.2.9\"]\nx.y = [\"A 192.0.2.1\"]\n")},
    {"table of a scanned key", zoneWith("www = [\"A 192.0.2.1\"]\n", "[records.www]\na = 1\n")},
    {"table before [records]",
     kHead + "[records.www]\na = 1\n" + kRecords + "www = [\"A 192.0.2.1\"]\n"},
    {"records twice", zoneWith("a = [\"A 192.0.2.1\"]\n", "[records]\nb = [\"A 192.0.2.2\"]\n")},
    {"dotted records before the table",
     "records.a = [\"A 192.0.2.1\"]\n" + kHead + kRecords + "b = [\"A 192.0.2.2\"]\n"},
    {"multi-line string",
     zoneWith("m = \"\"\"\nz = [\"A 192.0.2.1\"]\n\"\"\"\nn = [\"A 192.0.2.2\"]\n")},
    {"multi-line string before [records]",
     kHead + "note = '''\n" + kRecords + "'''\n" + kRecords + "w = [\"A 192.0.2.1\"]\n"},
    {"literal strings", zoneWith("l = ['A 192.0.2.1']\nm = [\"A 192.0.2.1\", 'A 192.0.2.2']\n")},
    {"not strings", zoneWith("n = [1, 2]\no = [\"A 192.0.2.1\", 3]\np = \"A 192.0.2.1\"\n")},
    {"bad records", zoneWith("www = [\"A 999.0.2.1\", \"SOA x\", \"DNAME x.\", \"BOGUS 1\"]\n"
                             "\"bad..name\" = [\"A 192.0.2.1\"]\n"
                             "\"outside.test.\" = [\"A 192.0.2.1\"]\n")},
    {"toml error after", zoneWith("a = [\"A 192.0.2.1\"]\nbad = [\n")},
    {"toml error in a plain-looking line",
     zoneWith("a = [\"A 192.0.2.1\"]\nb = [\"A 192.0.2.1\"\n")},
    {"toml error before", "origin = \"example.test.\n" + kRecords + "a = [\"A 192.0.2.1\"]\n"},
    {"crlf",
     "origin = \"example.test.\"\r\n[soa]\r\nmname = \"ns1\"\r\nrname = \"h\"\r\n"
     "refresh = 1\r\nretry = 1\r\nexpire = 1\r\nminimum = 1\r\n[records]\r\n"
     "\"@\" = [\"NS ns1\"]\r\nns1 = [\"A 192.0.2.53\"]\r\nw = [\"TXT x\"]  \r\n"},
    {"lone cr", zoneWith("a = [\"A 192.0.2.1\"]\rb = [\"A 192.0.2.2\"]\n")},
    {"tabs", zoneWith("\tt\t=\t[\t\"TXT \\\"a\tb\\\"\"\t]\t# c\n")},
    {"utf-8", zoneWith("\"\xc3\xa9\" = [\"A 192.0.2.1\"]\nt = [\"TXT \\\"\xc3\xa9\\\"\"]\n"
                       "bad = [\"TXT \\\"\xff\\\"\"]\n")},
    {"no final newline", kHead + kRecords + "w = [\"A 192.0.2.1\"]"},
    {"header with comment", kHead + "  [records]  # the names\n\"@\" = [\"NS ns1\"]\n"
                                    "ns1 = [\"A 192.0.2.53\"]\n"},
    {"apex by two keys",
     kHead + "[records]\n\"example.test.\" = [\"A 192.0.2.1\"]\n\"@\" = [\"TXT x\"]\n"},
    {"service owner by two keys",
     zoneWith(
         "www = [\"A 192.0.2.1\"]\n\"WWW\" = [\"TXT x\"]\n\"www.example.test.\" = [\"TXT y\"]\n",
         kService)},
    {"records after services", kHead + kService + kRecords + "x = [\"A 192.0.2.1\"]\n"},
    {"rdata problems", zoneWith("c = [\"CNAME ns1\"]\nc2 = [\"CNAME a\", \"A 192.0.2.1\"]\n"
                                "d = [\"A 192.0.2.1\", \"A 192.0.2.1\"]\n"
                                "t = [\"3600 A 192.0.2.1\", \"60 A 192.0.2.2\"]\n")},
};

TEST(RecordsScannerTest, AgreesWithTomlOnTrickyInput) {
  for (const Case& c : kCorpus) expectSameAsToml(c.name, c.text);
}

// The corpus's lines, each alone in an otherwise plain zone (so that one odd line does not hide
// another behind a fallback of the whole file).
TEST(RecordsScannerTest, AgreesWithTomlLineByLine) {
  for (const Case& c : kCorpus) {
    std::size_t start = c.text.find("[records]\n");
    if (start == std::string::npos) continue;
    std::string lines = c.text.substr(start + kRecords.size());
    std::size_t at = 0;
    int n = 0;
    while (at < lines.size()) {
      std::size_t eol = lines.find('\n', at);
      if (eol == std::string::npos) eol = lines.size();
      std::string line = lines.substr(at, eol - at);
      expectSameAsToml(
          c.name + " line " + std::to_string(++n),
          zoneWith("pre = [\"A 192.0.2.1\"]\n" + line + "\npost = [\"A 192.0.2.1\"]\n"));
      at = eol + 1;
    }
  }
}

TEST(RecordsScannerTest, TakesPlainLinesAndLeavesTheRest) {
  const std::string text = zoneWith(
      "www = [\"A 192.0.2.1\", \"TXT \\\"a\\\\\\\"b\\\"\"]\n"
      "m = [\n  \"A 192.0.2.2\"]\n"
      "\"q.sub\" = [ \"A 192.0.2.3\" , ] # c\n"
      "u = [\"TXT \\u00e9\"]\n");
  ScannedRecords scanned = scanRecords(text);
  ASSERT_TRUE(scanned.used);
  EXPECT_FALSE(scanned.duplicate_keys);
  std::vector<std::string> keys;
  for (const auto& entry : scanned.entries) keys.emplace_back(entry.key);
  EXPECT_EQ(keys, (std::vector<std::string>{"@", "ns1", "www", "q.sub"}));
  const auto& www = scanned.entries[2];
  EXPECT_EQ(www.line, 13u);
  EXPECT_EQ(www.column, 1u);
  ASSERT_EQ(www.value_count, 2u);
  EXPECT_EQ(scanned.value(scanned.values[www.first_value + 1]), "TXT \"a\\\"b\"");
  EXPECT_EQ(scanned.values[www.first_value + 1].column, 23u);
  // The scanned lines are empty in what TOML++ reads; the others and every line break stay.
  EXPECT_EQ(std::count(scanned.rest.begin(), scanned.rest.end(), '\n'),
            std::count(text.begin(), text.end(), '\n'));
  EXPECT_EQ(scanned.rest.find("www ="), std::string::npos);
  EXPECT_NE(scanned.rest.find("m = [\n  \"A 192.0.2.2\"]\n"), std::string::npos);
  EXPECT_NE(scanned.rest.find("u = [\"TXT \\u00e9\"]"), std::string::npos);
}

TEST(RecordsScannerTest, StopsAtATableHeaderOrAMultiLineString) {
  ScannedRecords scanned =
      scanRecords(zoneWith("a = [\"A 192.0.2.1\"]\n[regions.r1]\nb = [\"A 192.0.2.1\"]\n"));
  EXPECT_EQ(scanned.entries.size(), 3u);  // "@", ns1, a
  scanned = scanRecords(zoneWith("m = \"\"\"\nb = [\"A 192.0.2.1\"]\n\"\"\"\n"));
  EXPECT_EQ(scanned.entries.size(), 2u);
  EXPECT_FALSE(scanRecords(kHead + "x = '''\n'''\n" + kRecords).used);
  EXPECT_FALSE(scanRecords(kHead).used);
}

}  // namespace
}  // namespace nines::zones
