#include "nines/zones/record_parser.h"

#include <cctype>
#include <cstdlib>
#include <memory>
#include <vector>

#include "common_rdata.h"
#include "nines/zones/ldns.h"

namespace nines::zones {

namespace {

struct RrFree {
  void operator()(ldns_rr* rr) const { ldns_rr_free(rr); }
};
struct RdfFree {
  void operator()(ldns_rdf* rdf) const { ldns_rdf_deep_free(rdf); }
};
struct BufferFree {
  void operator()(ldns_buffer* buffer) const { ldns_buffer_free(buffer); }
};
using RrPtr = std::unique_ptr<ldns_rr, RrFree>;
using RdfPtr = std::unique_ptr<ldns_rdf, RdfFree>;
using BufferPtr = std::unique_ptr<ldns_buffer, BufferFree>;

bool isSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

bool isDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

// Whitespace-separated words of `text`, up to a ';' comment.
std::vector<std::string_view> words(std::string_view text) {
  std::vector<std::string_view> out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    while (pos < text.size() && isSpace(text[pos])) ++pos;
    if (pos >= text.size() || text[pos] == ';') break;
    std::size_t start = pos;
    while (pos < text.size() && !isSpace(text[pos])) ++pos;
    out.push_back(text.substr(start, pos - start));
  }
  return out;
}

// Decimal value of an all-digit word, saturating far above any 32-bit field.
std::uint64_t decimal(std::string_view digits) {
  std::uint64_t value = 0;
  for (char c : digits) {
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
    if (value > 0xffffffffffULL) break;
  }
  return value;
}

// ldns 1.8.3 reads integer fields with strtol and keeps the low bits ("MX 70000 mail." becomes
// preference 4464 without a word), and pads an odd number of hex digits with a zero nibble. So
// the leading one-word fields of a known type are range-checked here, and a trailing hex field
// (DS, SSHFP, TLSA) must have an even number of digits. RFC 3597 "\#" RDATA is left to ldns.
std::optional<std::string> checkFields(std::uint16_t type, std::string_view rdata_text) {
  const ldns_rr_descriptor* descriptor = ldns_rr_descript(type);
  if (descriptor == nullptr || descriptor->_type != type) return std::nullopt;
  auto fields = words(rdata_text);
  if (fields.empty() || fields[0] == "\\#") return std::nullopt;
  std::size_t maximum = ldns_rr_descriptor_maximum(descriptor);
  for (std::size_t i = 0; i < fields.size() && i < maximum; ++i) {
    std::string_view field = fields[i];
    if (field.find_first_of("\"()") != std::string_view::npos) break;
    std::uint64_t limit = 0;
    switch (ldns_rr_descriptor_field_type(descriptor, i)) {
      case LDNS_RDF_TYPE_INT8:
      case LDNS_RDF_TYPE_ALG:
      case LDNS_RDF_TYPE_CERTIFICATE_USAGE:
      case LDNS_RDF_TYPE_SELECTOR:
      case LDNS_RDF_TYPE_MATCHING_TYPE:
        limit = 0xff;
        break;
      case LDNS_RDF_TYPE_INT16:
        limit = 0xffff;
        break;
      case LDNS_RDF_TYPE_INT32:
        limit = 0xffffffff;
        break;
      case LDNS_RDF_TYPE_DNAME:
      case LDNS_RDF_TYPE_A:
      case LDNS_RDF_TYPE_AAAA:
      case LDNS_RDF_TYPE_TYPE:
        continue;
      case LDNS_RDF_TYPE_HEX: {
        if (i + 1 != maximum) return std::nullopt;
        std::size_t digits = 0;
        for (std::size_t k = i; k < fields.size(); ++k) digits += fields[k].size();
        if (digits % 2 != 0) return "hex data has an odd number of digits";
        return std::nullopt;
      }
      default:
        return std::nullopt;
    }
    if (isDigits(field) && decimal(field) > limit) {
      return "field " + std::to_string(i + 1) + " (" + std::string(field) +
             ") is out of range (0 to " + std::to_string(limit) + ")";
    }
  }
  return std::nullopt;
}

// Parses a TTL word: digits only, 0 to 2^31-1 (RFC 2181 §8).
std::optional<std::uint32_t> parseTtl(std::string_view word, std::string* error) {
  if (word[0] == '-') {
    *error = "TTL " + std::string(word) + " is negative";
    return std::nullopt;
  }
  if (!isDigits(word)) {
    *error = "invalid TTL \"" + std::string(word) + "\": a TTL is a whole number of seconds";
    return std::nullopt;
  }
  std::uint64_t value = decimal(word);
  if (value > kMaxTtl) {
    *error = "TTL " + std::string(word) + " is out of range (0 to " + std::to_string(kMaxTtl) +
             ", RFC 2181 §8)";
    return std::nullopt;
  }
  return static_cast<std::uint32_t>(value);
}

// A type word: a mnemonic ldns knows or TYPEnnn (RFC 3597 §5). 0 when unknown.
std::uint32_t parseType(const std::string& word) {
  if (word.size() > 4 && word.compare(0, 4, "TYPE") == 0 && isDigits(word.substr(4))) {
    std::uint64_t value = decimal(std::string_view(word).substr(4));
    return value <= 0xffff ? static_cast<std::uint32_t>(value) : 0x10000;
  }
  return static_cast<std::uint32_t>(ldns_get_rr_type_by_name(word.c_str()));
}

// The octets of RFC 3597 "\# length hex..." RDATA, or nullopt when `words` is not that form or its
// hex does not decode (ldns then says what is wrong).
std::optional<std::string> genericRdata(const std::vector<std::string_view>& fields) {
  if (fields.size() < 2 || fields[0] != "\\#") return std::nullopt;
  std::string hex;
  for (std::size_t i = 2; i < fields.size(); ++i) hex += fields[i];
  if (hex.size() % 2 != 0) return std::nullopt;
  std::string out;
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    auto nibble = [](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      c = static_cast<char>(c | 0x20);
      return (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
    };
    int high = nibble(hex[i]), low = nibble(hex[i + 1]);
    if (high < 0 || low < 0) return std::nullopt;
    out.push_back(static_cast<char>(high * 16 + low));
  }
  return out;
}

std::string rdataWire(const ldns_rr* rr, std::string* error) {
  BufferPtr buffer(ldns_buffer_new(LDNS_MAX_PACKETLEN));
  if (!buffer || ldns_rr_rdata2buffer_wire(buffer.get(), rr) != LDNS_STATUS_OK) {
    *error = "RDATA does not fit in 65535 octets";
    return {};
  }
  return std::string(reinterpret_cast<const char*>(ldns_buffer_begin(buffer.get())),
                     ldns_buffer_position(buffer.get()));
}

// What comes before the RDATA: [TTL] [class] in either order, then the type.
struct RecordHead {
  std::optional<std::uint32_t> ttl;
  std::string type_word;     // as written
  std::uint16_t type = 0;    // resolved
  std::size_t rdata_at = 0;  // where the RDATA starts in the text
};

// Reads the leading words of `text` up to and including the type; nullopt with `error`.
std::optional<RecordHead> readHead(std::string_view text, std::string* error) {
  auto fail = [&](std::string message) -> std::optional<RecordHead> {
    *error = std::move(message);
    return std::nullopt;
  };
  RecordHead head;
  bool have_class = false;
  std::size_t pos = 0;
  while (true) {
    while (pos < text.size() && isSpace(text[pos])) ++pos;
    if (pos >= text.size() || text[pos] == ';') {
      return fail(head.ttl || have_class ? "missing record type" : "empty record");
    }
    std::size_t start = pos;
    while (pos < text.size() && !isSpace(text[pos])) ++pos;
    std::string_view word = text.substr(start, pos - start);
    bool numeric =
        std::isdigit(static_cast<unsigned char>(word[0])) ||
        (word.size() > 1 && word[0] == '-' && std::isdigit(static_cast<unsigned char>(word[1])));
    if (numeric) {
      if (head.ttl) {
        return fail("expected a record type after the TTL, found \"" + std::string(word) + '"');
      }
      head.ttl = parseTtl(word, error);
      if (!head.ttl) return std::nullopt;
      continue;
    }
    if (std::uint16_t common = commonTypeFromName(word)) {  // not a class: no need to ask ldns
      head.type_word = std::string(word);
      head.rdata_at = pos;
      head.type = common;
      return head;
    }
    std::string up = upper(word);
    ldns_rr_class rr_class = ldns_get_rr_class_by_name(up.c_str());
    if (rr_class != 0 && up != "ANY") {
      if (have_class) return fail("expected a record type after the class, found \"" + up + '"');
      if (rr_class != LDNS_RR_CLASS_IN) {
        return fail("class " + up + " is not supported: Nines serves class IN only");
      }
      have_class = true;
      continue;
    }
    head.type_word = std::string(word);
    head.rdata_at = pos;
    break;
  }

  std::string up_type = upper(head.type_word);
  std::uint32_t type = parseType(up_type);
  if (type == 0x10000) {
    return fail("record type " + up_type + " is out of range (TYPE1 to TYPE65535)");
  }
  if (type == 0 && up_type != "TYPE0") {
    return fail("unknown record type \"" + head.type_word +
                "\" (a type ldns does not know can be written as TYPEnnn \\# len hex, RFC 3597)");
  }
  if (isMetaType(static_cast<std::uint16_t>(type))) {
    return fail("type " + up_type + " is a query or meta type, not zone data");
  }
  head.type = static_cast<std::uint16_t>(type);
  return head;
}

// The RDATA of `head` read by ldns, relative names completed with `origin`; null with `error`.
RrPtr readRdata(const RecordHead& head, std::string_view rdata_text, const Name& origin,
                std::string* error) {
  if (auto problem = checkFields(head.type, rdata_text)) {
    *error = rrTypeName(head.type) + " RDATA is invalid: " + *problem;
    return nullptr;
  }
  // ldns parses the whole line; the owner is a placeholder (we have it as a Name already).
  std::string line = "@ 0 IN " + head.type_word + ' ' + std::string(rdata_text);
  RdfPtr origin_rdf(
      ldns_rdf_new_frm_data(LDNS_RDF_TYPE_DNAME, origin.size(), origin.wire().data()));
  ldns_rr* raw = nullptr;
  ldns_status status = ldns_rr_new_frm_str(&raw, line.c_str(), 0, origin_rdf.get(), nullptr);
  RrPtr rr(raw);
  if (status != LDNS_STATUS_OK || !rr) {
    *error = rrTypeName(head.type) + " RDATA is invalid: " + ldns_get_errorstr_by_id(status);
    return nullptr;
  }
  if (ldns_rr_get_type(rr.get()) != head.type) {
    *error = "ldns read the record as type " +
             rrTypeName(static_cast<std::uint16_t>(ldns_rr_get_type(rr.get()))) + ", not " +
             upper(head.type_word);
    return nullptr;
  }
  return rr;
}

// RFC 3597 §5: RDATA written in the generic form (\# len hex) must be valid for its type.
// ldns 1.8.3 reads such data of a known type field by field and does not complain about octets
// left over ("A \# 5 c000020101") or fields missing ("MX \# 2 000a"), so it must come back
// octet for octet, complete. Empty when it does, or is not in the generic form.
std::optional<std::string> genericRdataProblem(std::uint16_t type, std::string_view rdata_text,
                                               const std::string& rdata, const ldns_rr* rr) {
  auto generic = genericRdata(words(rdata_text));
  if (!generic) return std::nullopt;
  const ldns_rr_descriptor* descriptor = ldns_rr_descript(type);
  bool known = descriptor != nullptr && descriptor->_type == type;
  if (*generic != rdata ||
      (known && ldns_rr_rd_count(rr) < ldns_rr_descriptor_minimum(descriptor))) {
    return rrTypeName(type) + " RDATA is invalid: the \\# data is not a complete, well-formed " +
           rrTypeName(type) + " RDATA";
  }
  return std::nullopt;
}

enum class RdataPath { CommonFirst, LdnsOnly };

std::optional<Record> parse(std::string_view text, const Name& owner, const Name& origin,
                            std::uint32_t default_ttl, std::string* error, RdataPath path) {
  std::string scratch;
  if (error == nullptr) error = &scratch;
  error->clear();
  std::optional<RecordHead> head = readHead(text, error);
  if (!head) return std::nullopt;
  const std::string_view rdata_text = text.substr(head->rdata_at);
  if (path == RdataPath::CommonFirst) {
    if (auto rdata = parseCommonRdata(head->type, rdata_text, origin)) {
      Record record;
      record.owner = owner;
      record.type = head->type;
      record.ttl = head->ttl.value_or(default_ttl);
      record.rdata = std::move(*rdata);
      return record;
    }
  }
  RrPtr rr = readRdata(*head, rdata_text, origin, error);
  if (!rr) return std::nullopt;
  Record record;
  record.owner = owner;
  record.type = head->type;
  record.ttl = head->ttl.value_or(default_ttl);
  record.rdata = rdataWire(rr.get(), error);
  if (!error->empty()) return std::nullopt;
  if (auto problem = genericRdataProblem(record.type, rdata_text, record.rdata, rr.get())) {
    *error = std::move(*problem);
    return std::nullopt;
  }
  if (record.rdata.size() > 0xffff) {
    *error = "RDATA does not fit in 65535 octets";
    return std::nullopt;
  }
  return record;
}

}  // namespace

std::optional<Record> parseRecord(std::string_view text, const Name& owner, const Name& origin,
                                  std::uint32_t default_ttl, std::string* error) {
  return parse(text, owner, origin, default_ttl, error, RdataPath::CommonFirst);
}

std::optional<Record> parseRecordByLdns(std::string_view text, const Name& owner,
                                        const Name& origin, std::uint32_t default_ttl,
                                        std::string* error) {
  return parse(text, owner, origin, default_ttl, error, RdataPath::LdnsOnly);
}

std::string canonicalRdata(const Record& record) {
  if (auto canonical = commonCanonicalRdata(record.type, record.rdata))
    return std::move(*canonical);
  return canonicalRdataByLdns(record);
}

std::string canonicalRdataByLdns(const Record& record) {
  // A whole RR in wire form (root owner, class IN, TTL 0) so that ldns can decode it by type.
  std::string wire(1, '\0');
  auto put16 = [&](std::size_t v) {
    wire.push_back(static_cast<char>((v >> 8) & 0xff));
    wire.push_back(static_cast<char>(v & 0xff));
  };
  put16(record.type);
  put16(kClassIN);
  put16(0);
  put16(0);
  put16(record.rdata.size());
  wire += record.rdata;
  ldns_rr* raw = nullptr;
  std::size_t pos = 0;
  if (ldns_wire2rr(&raw, reinterpret_cast<const std::uint8_t*>(wire.data()), wire.size(), &pos,
                   LDNS_SECTION_ANSWER) != LDNS_STATUS_OK) {
    return record.rdata;
  }
  RrPtr rr(raw);
  ldns_rr2canonical(rr.get());
  std::string error;
  std::string canonical = rdataWire(rr.get(), &error);
  return error.empty() ? canonical : record.rdata;
}

bool isMetaType(std::uint16_t type) {
  return type == 0 || type == rrtype::OPT || (type >= 128 && type <= 255);
}

std::optional<std::uint16_t> rrTypeFromName(std::string_view word) {
  std::string up = upper(word);
  if (up.empty()) return std::nullopt;
  std::uint32_t type = parseType(up);
  if (type == 0x10000 || (type == 0 && up != "TYPE0")) return std::nullopt;
  return static_cast<std::uint16_t>(type);
}

std::string rrTypeName(std::uint16_t type) {
  char* text = ldns_rr_type2str(static_cast<ldns_rr_type>(type));
  if (text == nullptr) return "TYPE" + std::to_string(type);
  std::string out(text);
  std::free(text);
  return out;
}

}  // namespace nines::zones
