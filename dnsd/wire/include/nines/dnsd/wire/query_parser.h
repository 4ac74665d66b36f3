// The first pipeline stage: a query's header, question and OPT record, parsed from untrusted
// bytes without allocating. Everything later stages need is here, including the lowercased
// question name and where each of its labels starts.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "nines/dnsd/wire/edns.h"

namespace nines::dnsd {

struct Query {
  std::uint16_t id = 0;
  std::uint16_t flags = 0;  // the query's header flags word (opcode and rcode bits included)
  std::uint8_t opcode = 0;

  bool has_question = false;
  std::size_t question_end = 0;  // offset just past QCLASS in the query bytes
  std::uint16_t qtype = 0;
  std::uint16_t qclass = 0;
  // The question name lowercased, in wire form, and the offset of each label's length octet.
  std::array<std::uint8_t, 255> qname{};
  std::uint8_t qname_size = 0;   // octets, root label included
  std::uint8_t label_count = 0;  // root not counted
  std::array<std::uint8_t, 128> label_offsets{};

  bool has_edns = false;
  std::uint8_t edns_version = 0;
  std::uint16_t edns_flags = 0;
  std::uint16_t udp_size = 0;  // the client's advertised payload size
  bool has_ecs = false;
  ClientSubnet ecs;

  std::string_view qnameView() const noexcept {
    return {reinterpret_cast<const char*>(qname.data()), qname_size};
  }
  // The lowercased wire name made of the labels from `label` (0 = whole name) to the root.
  std::string_view qnameSuffix(std::size_t label) const noexcept {
    std::size_t offset = label < label_count ? label_offsets[label] : qname_size - 1u;
    return {reinterpret_cast<const char*>(qname.data()) + offset, qname_size - offset};
  }
};

enum class ParseOutcome {
  Ok,
  Drop,     // not worth an answer: shorter than a header, or a response (QR set)
  FormErr,  // malformed; `has_question` says whether the question can be echoed
  NotImp,   // an opcode we do not serve (RFC 8906 §3.1.3)
  BadVers,  // EDNS version above 0 (RFC 6891 §6.1.3)
};

// Parses `size` bytes at `data`. Never reads past `size`; never allocates.
ParseOutcome parseQuery(const std::uint8_t* data, std::size_t size, Query& query) noexcept;

}  // namespace nines::dnsd
