// "127.0.0.1:5300" and "[::1]:5300" as socket addresses.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <optional>
#include <string>
#include <string_view>

#include "nines/zones/ip.h"

namespace nines::dnsd {

struct SocketAddress {
  sockaddr_storage storage{};
  socklen_t length = 0;

  int family() const noexcept { return storage.ss_family; }
  const sockaddr* get() const noexcept { return reinterpret_cast<const sockaddr*>(&storage); }
  std::uint16_t port() const noexcept;
  void setPort(std::uint16_t port) noexcept;
  bool isWildcard() const noexcept;  // 0.0.0.0 or ::
  std::string toString() const;      // "127.0.0.1:5300", "[::1]:5300"

  // Parses "ADDR:PORT" with a literal IPv4 address or a bracketed IPv6 one.
  static std::optional<SocketAddress> parse(std::string_view text, std::string* error);
  static SocketAddress fromSockaddr(const sockaddr* address, socklen_t length);
  // The address socket `fd` is bound to (getsockname).
  static SocketAddress localOf(int fd);
  // The address socket `fd` is connected to (getpeername); family 0 when it is not connected.
  static SocketAddress peerOf(int fd);
};

// The IP address of a peer, for policies (family 0 when it is neither IPv4 nor IPv6).
zones::IpAddress ipAddressOf(const sockaddr_storage& peer) noexcept;

}  // namespace nines::dnsd
