#include "rrset_render.h"

#include <optional>
#include <utility>

#include "nines/dnsd/wire/message.h"

namespace nines::dnsd {

namespace rr = zones::rrtype;

namespace {

void putU16(std::string& out, std::uint16_t v) {
  out.push_back(static_cast<char>(v >> 8));
  out.push_back(static_cast<char>(v));
}
void putU32(std::string& out, std::uint32_t v) {
  putU16(out, static_cast<std::uint16_t>(v >> 16));
  putU16(out, static_cast<std::uint16_t>(v));
}

// Octets of `name` before the zone apex, when `name` lies in the zone; nullopt otherwise.
std::optional<std::string_view> prefixBelowApex(std::string_view name, const zones::Name& origin) {
  auto parsed = zones::Name::fromWire(name);
  if (!parsed || !parsed->isSubdomainOf(origin)) return std::nullopt;
  return name.substr(0, name.size() - origin.size());
}

// Where names sit in RDATA, for the types whose names RFC 1035 §4.1.4 (and RFC 3597 §4) allow us
// to compress: (offset of the first name, number of consecutive names).
std::pair<std::size_t, int> compressibleNames(std::uint16_t type) {
  switch (type) {
    case rr::NS:
    case rr::CNAME:
    case rr::PTR:
      return {0, 1};
    case rr::MX:
      return {2, 1};
    case rr::SOA:
      return {0, 2};
    default:
      return {0, 0};
  }
}

class FormBuilder {
 public:
  FormBuilder(const zones::Name& origin, RRsetWire& out) : origin_(origin), out_(out) {}

  void pointer(std::vector<std::uint16_t>& patches) {
    patches.push_back(static_cast<std::uint16_t>(out_.bytes.size()));
    putU16(out_.bytes, 0xC000);
  }
  // A name in the zone as its labels below the apex plus a pointer to the apex; other names
  // literally.
  void name(std::string_view wire) {
    if (auto prefix = prefixBelowApex(wire, origin_)) {
      out_.bytes.append(*prefix);
      pointer(out_.apex_patches);
    } else {
      out_.bytes.append(wire);
    }
  }
  void rdata(std::uint16_t type, std::string_view data) {
    auto [offset, names] = compressibleNames(type);
    std::size_t pos = 0;
    if (names > 0) {
      out_.bytes.append(data.substr(0, offset));
      pos = offset;
      for (int i = 0; i < names; ++i) {
        std::size_t len = nameLengthAt(data, pos);
        if (len == 0) {  // the loader validated RDATA; keep it literal if it ever is not a name
          break;
        }
        name(data.substr(pos, len));
        pos += len;
      }
    }
    out_.bytes.append(data.substr(pos));
  }

 private:
  const zones::Name& origin_;
  RRsetWire& out_;
};

enum class OwnerForm { Pointer, Apex };

RRsetWire renderForm(const std::vector<const zones::Record*>& records, std::uint32_t ttl,
                     const zones::Name& origin, OwnerForm form) {
  RRsetWire wire;
  FormBuilder builder(origin, wire);
  for (const zones::Record* record : records) {
    if (form == OwnerForm::Pointer) {
      builder.pointer(wire.owner_patches);
    } else {
      builder.name(record->owner.wire());
    }
    putU16(wire.bytes, record->type);
    putU16(wire.bytes, kClassIn);
    putU32(wire.bytes, ttl);
    std::size_t rdlength_at = wire.bytes.size();
    putU16(wire.bytes, 0);
    builder.rdata(record->type, record->rdata);
    auto rdlength = static_cast<std::uint16_t>(wire.bytes.size() - rdlength_at - 2);
    wire.bytes[rdlength_at] = static_cast<char>(rdlength >> 8);
    wire.bytes[rdlength_at + 1] = static_cast<char>(rdlength);
  }
  return wire;
}

}  // namespace

std::size_t nameLengthAt(std::string_view rdata, std::size_t pos) {
  std::size_t start = pos;
  while (pos < rdata.size()) {
    auto len = static_cast<std::uint8_t>(rdata[pos]);
    if (len == 0) return pos + 1 - start;
    if (len > 63) return 0;
    pos += 1u + len;
  }
  return 0;
}

RRset renderRRset(const std::vector<const zones::Record*>& records, std::uint32_t ttl,
                  const zones::Name& origin) {
  RRset rrset;
  rrset.type = records.front()->type;
  rrset.ttl = ttl;
  rrset.count = static_cast<std::uint16_t>(records.size());
  rrset.at_pointer = renderForm(records, ttl, origin, OwnerForm::Pointer);
  rrset.at_apex = renderForm(records, ttl, origin, OwnerForm::Apex);
  return rrset;
}

}  // namespace nines::dnsd
