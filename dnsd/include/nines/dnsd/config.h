// dnsd.toml (DESIGN.md, "Files"). Paths in it are relative to the file. Sections owned by later
// parts of the server ([http], [geo], [health], [rate_limit]) are accepted and not yet read.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "nines/dnsd/socket_address.h"
#include "nines/zones/diagnostic.h"

namespace nines::dnsd {

struct ServerConfig {
  std::string file;                   // where it was read from
  std::vector<SocketAddress> listen;  // UDP and TCP on each
  std::string zones;                  // directory (or file) of zone files, resolved
  unsigned threads = 0;               // UDP workers per address; 0: one per core
  std::size_t udp_payload = 1232;     // our EDNS payload size (RFC 6891 §6.2.5)
  double tcp_idle_timeout = 10.0;     // seconds a TCP connection may stay silent (RFC 7766 §6.2.3)
  std::size_t tcp_max_connections = 1024;
};

struct ConfigResult {
  ServerConfig config;
  zones::Diagnostics errors;
};

ConfigResult loadServerConfig(const std::string& path);

}  // namespace nines::dnsd
