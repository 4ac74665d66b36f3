#include "rrset_render.h"

#include <algorithm>
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

// Octets of the well-formed wire name `name` before the zone apex, when `name` lies in the zone;
// nullopt otherwise.
std::optional<std::string_view> prefixBelowApex(std::string_view name, const zones::Name& origin) {
  if (!zones::wireIsSubdomain(name, origin.wire())) return std::nullopt;
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

void RRsetRenderer::pointer(std::vector<std::uint16_t>& patches) {
  patches.push_back(static_cast<std::uint16_t>(bytes_.size()));
  putU16(bytes_, 0xC000);
}

// A name in the zone as its labels below the apex plus a pointer to the apex; other names
// literally.
void RRsetRenderer::name(std::string_view wire) {
  if (auto prefix = prefixBelowApex(wire, origin_)) {
    bytes_.append(*prefix);
    pointer(apex_patches_);
  } else {
    bytes_.append(wire);
  }
}

void RRsetRenderer::rdata(std::uint16_t type, std::string_view data) {
  auto [offset, names] = compressibleNames(type);
  std::size_t pos = 0;
  if (names > 0) {
    bytes_.append(data.substr(0, offset));
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
  bytes_.append(data.substr(pos));
}

RRsetWire RRsetRenderer::renderForm(std::span<const zones::Record* const> records,
                                    std::uint32_t ttl, OwnerForm form) {
  bytes_.clear();
  owner_patches_.clear();
  apex_patches_.clear();
  for (const zones::Record* record : records) {
    if (form == OwnerForm::Pointer) {
      pointer(owner_patches_);
    } else {
      name(record->owner.wire());
    }
    putU16(bytes_, record->type);
    putU16(bytes_, kClassIn);
    putU32(bytes_, ttl);
    std::size_t rdlength_at = bytes_.size();
    putU16(bytes_, 0);
    rdata(record->type, record->rdata);
    auto rdlength = static_cast<std::uint16_t>(bytes_.size() - rdlength_at - 2);
    bytes_[rdlength_at] = static_cast<char>(rdlength >> 8);
    bytes_[rdlength_at + 1] = static_cast<char>(rdlength);
  }
  RRsetWire wire;
  wire.bytes = arena_.copy(bytes_);
  std::span<std::uint16_t> patches =
      arena_.make<std::uint16_t>(owner_patches_.size() + apex_patches_.size());
  std::copy(owner_patches_.begin(), owner_patches_.end(), patches.begin());
  std::copy(apex_patches_.begin(), apex_patches_.end(),
            patches.begin() + static_cast<std::ptrdiff_t>(owner_patches_.size()));
  wire.patches = patches.data();
  wire.owner_patch_count = static_cast<std::uint16_t>(owner_patches_.size());
  wire.apex_patch_count = static_cast<std::uint16_t>(apex_patches_.size());
  return wire;
}

RRset RRsetRenderer::render(std::span<const zones::Record* const> records, std::uint32_t ttl) {
  RRset rrset;
  rrset.type = records.front()->type;
  rrset.ttl = ttl;
  rrset.count = static_cast<std::uint16_t>(records.size());
  rrset.at_pointer = renderForm(records, ttl, OwnerForm::Pointer);
  rrset.at_apex = renderForm(records, ttl, OwnerForm::Apex);
  return rrset;
}

}  // namespace nines::dnsd
