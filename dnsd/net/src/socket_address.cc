#include "nines/dnsd/net/socket_address.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace nines::dnsd {

std::uint16_t SocketAddress::port() const noexcept {
  if (family() == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in*>(&storage)->sin_port);
  if (family() == AF_INET6)
    return ntohs(reinterpret_cast<const sockaddr_in6*>(&storage)->sin6_port);
  return 0;
}

void SocketAddress::setPort(std::uint16_t port) noexcept {
  if (family() == AF_INET) reinterpret_cast<sockaddr_in*>(&storage)->sin_port = htons(port);
  if (family() == AF_INET6) reinterpret_cast<sockaddr_in6*>(&storage)->sin6_port = htons(port);
}

bool SocketAddress::isWildcard() const noexcept {
  if (family() == AF_INET) {
    return reinterpret_cast<const sockaddr_in*>(&storage)->sin_addr.s_addr == htonl(INADDR_ANY);
  }
  if (family() == AF_INET6) {
    return IN6_IS_ADDR_UNSPECIFIED(&reinterpret_cast<const sockaddr_in6*>(&storage)->sin6_addr);
  }
  return false;
}

std::string SocketAddress::toString() const {
  char buf[INET6_ADDRSTRLEN] = {};
  if (family() == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&storage)->sin_addr, buf, sizeof buf);
    return std::string(buf) + ":" + std::to_string(port());
  }
  if (family() == AF_INET6) {
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(&storage)->sin6_addr, buf,
              sizeof buf);
    std::string out = "[";
    out += buf;
    out += "]:";
    out += std::to_string(port());
    return out;
  }
  return "?";
}

std::optional<SocketAddress> SocketAddress::parse(std::string_view text, std::string* error) {
  auto fail = [&](const char* message) -> std::optional<SocketAddress> {
    if (error) *error = message;
    return std::nullopt;
  };
  std::string host;
  std::string_view port_text;
  bool v6 = false;
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return fail("expected \"[IPv6]:PORT\"");
    }
    host = std::string(text.substr(1, close - 1));
    port_text = text.substr(close + 2);
    v6 = true;
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return fail("expected \"ADDRESS:PORT\"");
    host = std::string(text.substr(0, colon));
    port_text = text.substr(colon + 1);
  }
  unsigned port = 0;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || end != port_text.data() + port_text.size() || port > 65535 ||
      port_text.empty()) {
    return fail("port must be a number from 0 to 65535");
  }
  SocketAddress address;
  if (v6) {
    auto* sin6 = reinterpret_cast<sockaddr_in6*>(&address.storage);
    if (inet_pton(AF_INET6, host.c_str(), &sin6->sin6_addr) != 1) {
      return fail("not an IPv6 address");
    }
    sin6->sin6_family = AF_INET6;
    address.length = sizeof(sockaddr_in6);
  } else {
    auto* sin = reinterpret_cast<sockaddr_in*>(&address.storage);
    if (inet_pton(AF_INET, host.c_str(), &sin->sin_addr) != 1) {
      return fail("not an IPv4 address (IPv6 goes in brackets: \"[::1]:53\")");
    }
    sin->sin_family = AF_INET;
    address.length = sizeof(sockaddr_in);
  }
  address.setPort(static_cast<std::uint16_t>(port));
  return address;
}

zones::IpAddress ipAddressOf(const sockaddr_storage& peer) noexcept {
  if (peer.ss_family == AF_INET) {
    const auto* sin = reinterpret_cast<const sockaddr_in*>(&peer);
    return zones::IpAddress::v4(reinterpret_cast<const std::uint8_t*>(&sin->sin_addr));
  }
  if (peer.ss_family == AF_INET6) {
    const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(&peer);
    return zones::IpAddress::v6(sin6->sin6_addr.s6_addr);
  }
  return {};
}

SocketAddress SocketAddress::fromSockaddr(const sockaddr* source, socklen_t length) {
  SocketAddress address;
  std::memcpy(&address.storage, source, std::min<std::size_t>(length, sizeof address.storage));
  address.length = length;
  return address;
}

SocketAddress SocketAddress::localOf(int fd) {
  sockaddr_storage storage{};
  socklen_t length = sizeof storage;
  getsockname(fd, reinterpret_cast<sockaddr*>(&storage), &length);
  return fromSockaddr(reinterpret_cast<sockaddr*>(&storage), length);
}

SocketAddress SocketAddress::peerOf(int fd) {
  sockaddr_storage storage{};
  socklen_t length = sizeof storage;
  if (getpeername(fd, reinterpret_cast<sockaddr*>(&storage), &length) != 0) return {};
  return fromSockaddr(reinterpret_cast<sockaddr*>(&storage), length);
}

}  // namespace nines::dnsd
