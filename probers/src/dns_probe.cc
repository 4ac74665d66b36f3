#include "dns_probe.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <string>

#include "nines/zones/ldns.h"

namespace nines::probers::detail {

namespace {

constexpr std::size_t kHeaderSize = 12;  // RFC 1035 §4.1.1

void put16(std::string& out, std::uint16_t value) {
  out.push_back(static_cast<char>(value >> 8));
  out.push_back(static_cast<char>(value & 0xff));
}

std::string rcodeName(unsigned rcode) {
  const ldns_lookup_table* entry = ldns_lookup_by_id(ldns_rcodes, static_cast<int>(rcode));
  return entry && entry->name ? entry->name : "RCODE" + std::to_string(rcode);
}

}  // namespace

std::string buildDnsQuery(const zones::Check& check, std::uint16_t id) {
  std::string wire;
  wire.reserve(kHeaderSize + check.query.size() + 4);
  put16(wire, id);
  put16(wire, 0);  // QR 0, OPCODE QUERY, RD 0: an authoritative server is asked directly
  put16(wire, 1);  // QDCOUNT
  put16(wire, 0);
  put16(wire, 0);
  put16(wire, 0);
  wire.append(check.query.wire());
  put16(wire, check.query_type);
  put16(wire, zones::kClassIN);
  return wire;
}

namespace {

// True when an answer record of the asked type has exactly `check.expect_answer` as its RDATA in
// presentation form (compared case-insensitively, as names in RDATA are).
bool answerContains(ldns_pkt* packet, const zones::Check& check) {
  ldns_rr_list* answer = ldns_pkt_answer(packet);
  auto lower = [](std::string text) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
  };
  const std::string wanted = lower(check.expect_answer);
  for (std::size_t i = 0; answer && i < ldns_rr_list_rr_count(answer); ++i) {
    ldns_rr* rr = ldns_rr_list_rr(answer, i);
    if (static_cast<std::uint16_t>(ldns_rr_get_type(rr)) != check.query_type) continue;
    std::string rdata;
    for (std::size_t f = 0; f < ldns_rr_rd_count(rr); ++f) {
      char* text = ldns_rdf2str(ldns_rr_rdf(rr, f));
      if (!rdata.empty()) rdata += ' ';
      rdata += text ? text : "";
      free(text);
    }
    if (lower(rdata) == wanted) return true;
  }
  return false;
}

}  // namespace

DnsVerdict judgeDnsResponse(const zones::Check& check, std::uint16_t id, const std::uint8_t* data,
                            std::size_t size, std::string& reason) {
  if (size < kHeaderSize || (data[0] << 8 | data[1]) != id || !(data[2] & 0x80)) {
    return DnsVerdict::Ignore;
  }
  ldns_pkt* packet = nullptr;
  if (ldns_wire2pkt(&packet, data, size) != LDNS_STATUS_OK || !packet) {
    reason = "dns: malformed response";
    return DnsVerdict::Fail;
  }
  DnsVerdict verdict = DnsVerdict::Fail;
  ldns_rr_list* question = ldns_pkt_question(packet);
  ldns_rr* asked =
      question && ldns_rr_list_rr_count(question) == 1 ? ldns_rr_list_rr(question, 0) : nullptr;
  ldns_rdf* owner = asked ? ldns_rr_owner(asked) : nullptr;
  std::string_view expected_name = check.query.wire();
  if (!owner || static_cast<std::uint16_t>(ldns_rr_get_type(asked)) != check.query_type ||
      !zones::wireNamesEqual(std::string_view(reinterpret_cast<const char*>(ldns_rdf_data(owner)),
                                              ldns_rdf_size(owner)),
                             expected_name)) {
    reason = "dns: response for another question";
  } else {
    std::string rcode = rcodeName(ldns_pkt_get_rcode(packet));
    reason = "DNS " + rcode;
    if (rcode != check.expect_rcode) {
      reason += ", expected " + check.expect_rcode;
    } else if (!check.expect_answer.empty() && !answerContains(packet, check)) {
      reason += ", no " + check.expect_answer + " in the answer";
    } else {
      verdict = DnsVerdict::Pass;
    }
  }
  ldns_pkt_free(packet);
  return verdict;
}

}  // namespace nines::probers::detail
