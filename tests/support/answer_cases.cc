#include "answer_cases.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <sstream>

#include "zone_text.h"

namespace nines::testing {

namespace {

using Strings = std::vector<std::string>;

Strings sorted(Strings values) {
  std::sort(values.begin(), values.end());
  return values;
}

// The records of `section` by RRset: "owner TYPE" (owner in lower case, as names compare) to the
// records of that owner and type, sorted.
std::map<std::string, Strings> rrsetsOf(const Strings& section) {
  std::map<std::string, Strings> rrsets;
  for (const std::string& record : section) {
    std::istringstream fields(record);
    std::string owner, ttl, klass, type;
    fields >> owner >> ttl >> klass >> type;
    std::transform(owner.begin(), owner.end(), owner.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    rrsets[owner + " " + type].push_back(record);
  }
  for (auto& [key, records] : rrsets) std::sort(records.begin(), records.end());
  return rrsets;
}

}  // namespace

const char* const kExampleSoa =
    "example.test. 300 IN SOA ns1.example.test. hostmaster.example.test. 7 3600 600 1209600 300";
const char* const kShortSoa =
    "short.test. 120 IN SOA ns1.short.test. hostmaster.short.test. 9 3600 600 1209600 600";

std::string exampleZone(const std::string& www_address) {
  return zoneHead("example.test.", 7) +
         R"("@" = ["NS ns1.example.test.", "NS ns2.example.test.", "MX 10 mail.example.test."]
ns1 = ["A 192.0.2.53", "AAAA 2001:db8::53"]
ns2 = ["A 198.51.100.53"]
www = ["300 A )" +
         www_address + R"(", "300 A 192.0.2.11", "300 AAAA 2001:db8::10"]
alias = ["CNAME www.example.test."]
mail = ["A 192.0.2.25"]
chain = ["CNAME alias.example.test."]
dangling = ["CNAME nowhere.example.test."]
external = ["CNAME www.example.org."]
loop1 = ["CNAME loop2.example.test."]
loop2 = ["CNAME loop1.example.test."]
"_sip._tcp" = ["SRV 10 60 5060 mail.example.test."]
"*.wild" = ["60 TXT \"wildcard\""]
"exists.wild" = ["A 192.0.2.1"]
"*.cwild" = ["CNAME www.example.test."]
sub = ["NS ns.sub.example.test.", "NS ns.example.net."]
"ns.sub" = ["A 192.0.2.99"]
"a.b.deep" = ["A 192.0.2.77"]
tobig = ["CNAME big.example.test."]
mid = [)" +
         txtRecords(12, 60) + R"(]
big = [)" +
         txtRecords(40, 60) +
         R"(]
)";
}

std::string shortTtlZone() {
  return zoneHead("short.test.", 9, 600, 120) + R"("@" = ["NS ns1.short.test."]
ns1 = ["A 192.0.2.1"]
host = ["A 192.0.2.2"]
)";
}

std::map<std::string, std::string> answerZones() {
  return {{"example.test.toml", exampleZone()}, {"short.test.toml", shortTtlZone()}};
}

const std::vector<AnswerCase>& answerCases() {
  static const std::string kWwwA[] = {"www.example.test. 300 IN A 192.0.2.10",
                                      "www.example.test. 300 IN A 192.0.2.11"};
  static const std::string kWwwAaaa = "www.example.test. 300 IN AAAA 2001:db8::10";
  static const std::string kAlias = "alias.example.test. 3600 IN CNAME www.example.test.";
  static const Strings kApexNs = {"example.test. 3600 IN NS ns1.example.test.",
                                  "example.test. 3600 IN NS ns2.example.test."};
  static const Strings kApexNsGlue = {"ns1.example.test. 3600 IN A 192.0.2.53",
                                      "ns1.example.test. 3600 IN AAAA 2001:db8::53",
                                      "ns2.example.test. 3600 IN A 198.51.100.53"};
  static const Strings kSubNs = {"sub.example.test. 3600 IN NS ns.sub.example.test.",
                                 "sub.example.test. 3600 IN NS ns.example.net."};
  static const Strings kSubGlue = {"ns.sub.example.test. 3600 IN A 192.0.2.99"};
  static const Strings kMailA = {"mail.example.test. 3600 IN A 192.0.2.25"};
  static const Strings kSoa = {kExampleSoa};
  static const std::vector<AnswerCase> cases = {
      // Data, authoritative.
      {"www.example.test.", "A", "NOERROR", true, {kWwwA[0], kWwwA[1]}, {}, {}},
      {"www.example.test.", "AAAA", "NOERROR", true, {kWwwAaaa}, {}, {}},
      {"a.b.deep.example.test.",
       "A",
       "NOERROR",
       true,
       {"a.b.deep.example.test. 3600 IN A 192.0.2.77"},
       {},
       {}},
      {"example.test.",
       "SOA",
       "NOERROR",
       true,
       {"example.test. 3600 IN SOA ns1.example.test. hostmaster.example.test. 7 3600 600 1209600 "
        "300"},
       {},
       {}},
      // NODATA and NXDOMAIN: the SOA in authority with TTL min(SOA TTL 3600, minimum 300).
      {"www.example.test.", "MX", "NOERROR", true, {}, kSoa, {}},
      {"nope.example.test.", "A", "NXDOMAIN", true, {}, kSoa, {}},
      {"deep.example.test.", "A", "NOERROR", true, {}, kSoa, {}},  // an empty non-terminal
      {"b.deep.example.test.", "A", "NOERROR", true, {}, kSoa, {}},
      // short.test: SOA TTL 120 below minimum 600, so 120.
      {"nope.short.test.", "A", "NXDOMAIN", true, {}, {kShortSoa}, {}},
      {"host.short.test.", "TXT", "NOERROR", true, {}, {kShortSoa}, {}},
      // An unknown type is NODATA like any other missing type (RFC 3597, RFC 8906 §8.1.3).
      {"www.example.test.", "TYPE1000", "NOERROR", true, {}, kSoa, {}},
      // CNAMEs followed inside the zone, a chain of them, and what is left where one ends.
      {"alias.example.test.", "A", "NOERROR", true, {kAlias, kWwwA[0], kWwwA[1]}, {}, {}},
      {"alias.example.test.", "CNAME", "NOERROR", true, {kAlias}, {}, {}},
      {"chain.example.test.",
       "AAAA",
       "NOERROR",
       true,
       {"chain.example.test. 3600 IN CNAME alias.example.test.", kAlias, kWwwAaaa},
       {},
       {}},
      {"alias.example.test.", "MX", "NOERROR", true, {kAlias}, kSoa, {}},
      {"dangling.example.test.",
       "A",
       "NXDOMAIN",
       true,
       {"dangling.example.test. 3600 IN CNAME nowhere.example.test."},
       kSoa,
       {}},
      {"external.example.test.",
       "A",
       "NOERROR",
       true,
       {"external.example.test. 3600 IN CNAME www.example.org."},
       {},
       {}},
      // Wildcards (RFC 4592): one or more labels below, NODATA for other types, not the parent,
      // not below an existing name, and a wildcard CNAME followed.
      {"x.wild.example.test.",
       "TXT",
       "NOERROR",
       true,
       {"x.wild.example.test. 60 IN TXT \"wildcard\""},
       {},
       {}},
      {"a.b.wild.example.test.",
       "TXT",
       "NOERROR",
       true,
       {"a.b.wild.example.test. 60 IN TXT \"wildcard\""},
       {},
       {}},
      {"x.wild.example.test.", "A", "NOERROR", true, {}, kSoa, {}},
      {"wild.example.test.", "TXT", "NOERROR", true, {}, kSoa, {}},
      {"exists.wild.example.test.", "TXT", "NOERROR", true, {}, kSoa, {}},
      {"below.exists.wild.example.test.", "TXT", "NXDOMAIN", true, {}, kSoa, {}},
      {"x.cwild.example.test.",
       "A",
       "NOERROR",
       true,
       {"x.cwild.example.test. 3600 IN CNAME www.example.test.", kWwwA[0], kWwwA[1]},
       {},
       {}},
      // Delegation: a referral, AA clear, NS in authority, in-bailiwick glue in additional; the DS
      // at the cut is the parent's, so NODATA from the parent.
      {"host.sub.example.test.", "A", "NOERROR", false, {}, kSubNs, kSubGlue},
      {"sub.example.test.", "NS", "NOERROR", false, {}, kSubNs, kSubGlue},
      {"ns.sub.example.test.", "A", "NOERROR", false, {}, kSubNs, kSubGlue},
      {"sub.example.test.", "DS", "NOERROR", true, {}, kSoa, {}},
      // Addresses of in-zone NS, MX and SRV targets in additional.
      {"example.test.", "NS", "NOERROR", true, kApexNs, {}, kApexNsGlue},
      {"example.test.",
       "MX",
       "NOERROR",
       true,
       {"example.test. 3600 IN MX 10 mail.example.test."},
       {},
       kMailA},
      {"_sip._tcp.example.test.",
       "SRV",
       "NOERROR",
       true,
       {"_sip._tcp.example.test. 3600 IN SRV 10 60 5060 mail.example.test."},
       {},
       kMailA},
      // RFC 8482: ANY gets one RRset of the name.
      {"example.test.", "ANY", "NOERROR", true, kApexNs, {}, kApexNsGlue},
      // Zone transfers are not offered: REFUSED (RFC 5936 §4.2); nor are MAILA/MAILB: NOTIMP.
      {"example.test.", "AXFR", "REFUSED", false, {}, {}, {}},
      {"www.example.test.", "MAILA", "NOTIMP", false, {}, {}, {}},
      // Not ours: REFUSED, no AA, nothing in any section.
      {"www.example.org.", "A", "REFUSED", false, {}, {}, {}},
      {"test.", "SOA", "REFUSED", false, {}, {}, {}},
      {"example.test.org.", "A", "REFUSED", false, {}, {}, {}},
  };
  return cases;
}

void expectAnswer(const AnswerCase& expected, const Response& response) {
  ASSERT_TRUE(response.parsed) << "no response, or one ldns cannot parse";
  EXPECT_TRUE(response.qr);
  EXPECT_EQ(response.id, 0x4242);
  EXPECT_EQ(response.opcode, 0);
  EXPECT_EQ(response.rcode, expected.rcode);
  EXPECT_EQ(response.aa, expected.aa);
  EXPECT_FALSE(response.tc);
  EXPECT_FALSE(response.ra);
  EXPECT_FALSE(response.ad);
  EXPECT_EQ(response.question, Strings{expected.name + " IN " + expected.type});
  EXPECT_EQ(response.answer, expected.answer);
  EXPECT_EQ(response.authority, expected.authority);
  EXPECT_EQ(sorted(response.additional), sorted(expected.additional));
  EXPECT_FALSE(response.has_opt);
}

void expectWholeRrsets(const Response& truncated, const Response& full) {
  ASSERT_TRUE(truncated.parsed);
  ASSERT_TRUE(full.parsed);
  ASSERT_FALSE(full.tc) << "the full response is truncated too";
  const std::pair<const char*, const Strings Response::*> sections[] = {
      {"answer", &Response::answer}, {"authority", &Response::authority}};
  for (const auto& [name, section] : sections) {
    const auto whole = rrsetsOf(full.*section);
    for (const auto& [rrset, records] : rrsetsOf(truncated.*section)) {
      const auto it = whole.find(rrset);
      if (it == whole.end()) {
        ADD_FAILURE() << name << " RRset " << rrset << " is not in the full response";
        continue;
      }
      EXPECT_EQ(records, it->second) << name << " RRset " << rrset << " is cut: " << records.size()
                                     << " of " << it->second.size() << " records";
    }
  }
}

}  // namespace nines::testing
