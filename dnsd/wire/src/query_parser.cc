#include "nines/dnsd/wire/query_parser.h"

#include <cstring>

#include "nines/dnsd/wire/wire_reader.h"

namespace nines::dnsd {

namespace {

// Reads the uncompressed question name (a pointer in the question can only point backwards
// into the header, so it is malformed here) into `query`, lowercased. RFC 1035 §3.1 and §4.1.2.
bool readQuestionName(WireReader& reader, Query& query) noexcept {
  std::size_t size = 0;
  std::uint8_t labels = 0;
  while (true) {
    std::uint8_t len = reader.u8();
    if (!reader.ok()) return false;
    if (len == 0) break;
    if (len > 63) return false;  // compression pointer or extended label type
    if (size + 1 + len + 1 > 255) return false;
    if (reader.remaining() < len) return false;
    query.label_offsets[labels++] = static_cast<std::uint8_t>(size);
    query.qname[size++] = len;
    const std::uint8_t* src = reader.current();
    for (std::uint8_t i = 0; i < len; ++i) {
      std::uint8_t c = src[i];
      query.qname[size++] = (c >= 'A' && c <= 'Z') ? static_cast<std::uint8_t>(c + 32) : c;
    }
    reader.skip(len);
  }
  query.qname[size++] = 0;
  query.qname_size = static_cast<std::uint8_t>(size);
  query.label_count = labels;
  return true;
}

// Skips a possibly compressed name in a record we do not otherwise read.
bool skipName(WireReader& reader) noexcept {
  std::size_t total = 0;
  while (true) {
    std::uint8_t len = reader.u8();
    if (!reader.ok()) return false;
    if (len == 0) return true;
    if ((len & 0xC0) == 0xC0) {
      std::size_t start = reader.position() - 1;
      std::size_t target = ((len & 0x3Fu) << 8) | reader.u8();
      return reader.ok() && target < start;  // a pointer only points backwards
    }
    if (len > 63) return false;
    total += 1u + len;
    if (total > 255) return false;
    reader.skip(len);
  }
}

// RFC 6891 §6.1: the OPT record. Unknown options are ignored; a malformed option list is FORMERR.
bool parseOpt(WireReader& reader, Query& query) noexcept {
  query.udp_size = reader.u16();
  std::uint32_t ttl = reader.u32();
  std::uint16_t rdlength = reader.u16();
  if (!reader.ok() || reader.remaining() < rdlength) return false;
  query.has_edns = true;
  query.edns_version = static_cast<std::uint8_t>(ttl >> 16);
  query.edns_flags = static_cast<std::uint16_t>(ttl);
  const std::uint8_t* options = reader.current();
  std::size_t pos = 0;
  while (pos < rdlength) {
    if (rdlength - pos < 4) return false;
    std::uint16_t code = loadU16(options + pos);
    std::uint16_t length = loadU16(options + pos + 2);
    pos += 4;
    if (rdlength - pos < length) return false;
    if (code == edns::OptionEcs) {
      if (query.has_ecs) return false;  // one ECS option per query
      if (!parseEcsOption(options + pos, length, query.ecs)) return false;
      query.has_ecs = true;
    }
    pos += length;
  }
  reader.skip(rdlength);
  return true;
}

// Skips `count` records of a section we do not read.
bool skipRecords(WireReader& reader, std::size_t count) noexcept {
  for (std::size_t i = 0; i < count; ++i) {
    if (!skipName(reader)) return false;
    reader.skip(8);  // type, class, TTL
    std::uint16_t rdlength = reader.u16();
    reader.skip(rdlength);
    if (!reader.ok()) return false;
  }
  return true;
}

// The additional section: the OPT record is read, anything else (TSIG, ...) skipped.
bool readAdditional(WireReader& reader, std::uint16_t count, Query& query) noexcept {
  bool seen_opt = false;
  for (std::uint16_t i = 0; i < count; ++i) {
    std::size_t owner_start = reader.position();
    if (!skipName(reader)) return false;
    bool root_owner = reader.position() == owner_start + 1;
    std::uint16_t type = reader.u16();
    if (!reader.ok()) return false;
    if (type == type::OPT) {
      // RFC 6891 §6.1.1: one OPT, owned by the root; more than one is FORMERR.
      if (seen_opt || !root_owner) return false;
      seen_opt = true;
      if (!parseOpt(reader, query)) return false;
    } else {
      reader.skip(6);  // class, TTL
      std::uint16_t rdlength = reader.u16();
      reader.skip(rdlength);
      if (!reader.ok()) return false;
    }
  }
  return true;
}

}  // namespace

ParseOutcome parseQuery(const std::uint8_t* data, std::size_t size, Query& query) noexcept {
  query.has_question = false;
  query.has_edns = false;
  query.has_ecs = false;
  query.edns_version = 0;
  query.edns_flags = 0;
  query.udp_size = 0;
  if (size < kHeaderSize) return ParseOutcome::Drop;

  WireReader reader(data, size);
  query.id = reader.u16();
  query.flags = reader.u16();
  std::uint16_t qdcount = reader.u16();
  std::uint16_t ancount = reader.u16();
  std::uint16_t nscount = reader.u16();
  std::uint16_t arcount = reader.u16();
  if (query.flags & flag::QR) return ParseOutcome::Drop;
  query.opcode = static_cast<std::uint8_t>((query.flags >> 11) & 0x0F);

  if (qdcount == 1) {
    if (!readQuestionName(reader, query)) return ParseOutcome::FormErr;
    query.qtype = reader.u16();
    query.qclass = reader.u16();
    if (!reader.ok()) return ParseOutcome::FormErr;
    query.has_question = true;
    query.question_end = reader.position();
  }
  // The rest is read for every opcode, so a NOTIMP answer still carries the OPT of an EDNS query
  // (RFC 6891 §6.1.1).
  bool records_ok = qdcount <= 1 && skipRecords(reader, ancount + nscount) &&
                    readAdditional(reader, arcount, query) && reader.remaining() == 0;
  if (query.opcode != opcode::Query) return ParseOutcome::NotImp;
  // A standard query carries exactly one question and no answer or authority records; trailing
  // bytes and malformed records are FORMERR.
  if (qdcount != 1 || ancount != 0 || nscount != 0 || !records_ok) return ParseOutcome::FormErr;
  if (query.has_edns && query.edns_version > 0) return ParseOutcome::BadVers;
  return ParseOutcome::Ok;
}

}  // namespace nines::dnsd
