#include "dns_probe.h"

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
    if (rcode == check.expect_rcode) {
      verdict = DnsVerdict::Pass;
    } else {
      reason += ", expected " + check.expect_rcode;
    }
  }
  ldns_pkt_free(packet);
  return verdict;
}

}  // namespace nines::probers::detail
