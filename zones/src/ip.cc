#include "nines/zones/ip.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace nines::zones {

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
  std::string copy(text);
  IpAddress address;
  if (copy.find(':') != std::string::npos) {
    if (inet_pton(AF_INET6, copy.c_str(), address.bytes.data()) != 1) return std::nullopt;
    address.family = 6;
  } else {
    if (inet_pton(AF_INET, copy.c_str(), address.bytes.data()) != 1) return std::nullopt;
    address.family = 4;
  }
  return address;
}

std::string IpAddress::toString() const {
  char buf[INET6_ADDRSTRLEN] = {};
  if (family == 4) inet_ntop(AF_INET, bytes.data(), buf, sizeof buf);
  if (family == 6) inet_ntop(AF_INET6, bytes.data(), buf, sizeof buf);
  return buf;
}

std::optional<Cidr> Cidr::parse(std::string_view text, std::string* error) {
  auto fail = [&](std::string message) -> std::optional<Cidr> {
    if (error) *error = std::move(message);
    return std::nullopt;
  };
  auto slash = text.find('/');
  if (slash == std::string_view::npos) return fail("expected ADDRESS/PREFIX");
  auto address = IpAddress::parse(text.substr(0, slash));
  if (!address) return fail("\"" + std::string(text.substr(0, slash)) + "\" is not an IP address");
  std::string_view prefix_text = text.substr(slash + 1);
  unsigned prefix = 0;
  auto [end, ec] =
      std::from_chars(prefix_text.data(), prefix_text.data() + prefix_text.size(), prefix);
  if (ec != std::errc() || end != prefix_text.data() + prefix_text.size() ||
      prefix > address->bitLength()) {
    return fail("prefix length must be 0 to " + std::to_string(address->bitLength()));
  }
  Cidr cidr{*address, static_cast<std::uint8_t>(prefix)};
  if (!(address->masked(cidr.prefix) == *address)) {
    return fail("host bits set beyond /" + std::to_string(prefix) + " (did you mean " +
                address->masked(cidr.prefix).toString() + "/" + std::to_string(prefix) + "?)");
  }
  return cidr;
}

bool Cidr::contains(const IpAddress& address) const noexcept {
  return address.family == network.family && address.masked(prefix) == network;
}

std::string Cidr::toString() const { return network.toString() + "/" + std::to_string(prefix); }

std::size_t CidrHash::operator()(const Cidr& cidr) const noexcept {
  const std::size_t used = cidr.network.family == 4 ? 4 : 16;
  std::string_view octets(reinterpret_cast<const char*>(cidr.network.bytes.data()), used);
  return std::hash<std::string_view>{}(octets) ^
         (std::size_t{cidr.prefix} << 1 | cidr.network.family);
}

}  // namespace nines::zones
