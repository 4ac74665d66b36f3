// The authoritative answers both the in-process pipeline test (tests/dnsd/serve) and the
// over-the-network test (tests/integration, UDP and TCP) check: the zones they serve and one table
// of cases (RFC 1034, 1035, 2308, 3597, 4592, 5936, 8482), so the two runs cannot drift apart.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "dns_client.h"

namespace nines::testing {

// example.test: data, CNAMEs (a chain, one dangling, one out of the zone, a loop), wildcards, a
// delegation with glue, NS/MX/SRV targets in the zone, a mid-sized TXT RRset (fits 1232 octets, not
// 512) and a big one (fits only TCP). www's first address is `www_address`.
std::string exampleZone(const std::string& www_address = "192.0.2.10");
// short.test: SOA TTL 120 below its minimum 600, so negative answers carry TTL 120 (RFC 2308 §5).
std::string shortTtlZone();
// Both, by file name ("example.test.toml", "short.test.toml"), as a zones directory holds them.
std::map<std::string, std::string> answerZones();

// The negative-answer SOA lines of the two zones: example.test SOA TTL 3600, minimum 300, so TTL
// 300; short.test TTL 120.
extern const char* const kExampleSoa;
extern const char* const kShortSoa;

// One query (no EDNS, RD clear, ID 0x4242) and the whole response expected for it. Records as
// dns_client.h prints them: "owner TTL IN TYPE RDATA".
struct AnswerCase {
  std::string name, type;
  std::string rcode;
  bool aa;
  std::vector<std::string> answer, authority, additional;
};
const std::vector<AnswerCase>& answerCases();

// Checks `response` against `expected`: header (QR, ID, opcode, RCODE, AA; TC, RA and AD clear),
// question echoed, answer and authority in order, additional as a set (RFC 1035 gives it no order),
// and no OPT record (none was asked for).
void expectAnswer(const AnswerCase& expected, const Response& response);

// Checks that every RRset in the answer and authority sections of `truncated` (a response with TC
// set) is whole: for each owner and type it has exactly the records `full` (the same query over
// TCP) has. RFC 2181 §9: a response may leave an RRset out, never carry part of one.
void expectWholeRrsets(const Response& truncated, const Response& full);

}  // namespace nines::testing
