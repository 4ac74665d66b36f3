// The dnsd process: the zone table, the sockets, the UDP workers and the TCP thread, and reloads.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "nines/dnsd/config.h"
#include "nines/dnsd/snapshot.h"
#include "nines/dnsd/udp_worker.h"
#include "nines/dnsd/zone_table.h"

namespace nines::dnsd {

class TcpServer;

class Server {
 public:
  explicit Server(ServerConfig config);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Loads the zones and binds every address. Zones with errors are logged and left out; a socket
  // that cannot be bound is fatal. Returns false with `error` set on failure.
  bool open(std::string* error);
  // Starts the worker threads.
  void start();
  // Re-reads the zone files. Zones that fail keep serving their previous version.
  void reload();
  // Frees snapshots no worker uses any more; call from the control thread now and then.
  void reapRetired() { zones_.reap(); }
  // Stops the workers and waits for them.
  void stop();

  const std::vector<SocketAddress>& boundAddresses() const noexcept { return bound_; }

 private:
  void loadZones(bool initial);

  ServerConfig config_;
  SnapshotHolder<ZoneTable> zones_;
  std::atomic<bool> stopping_{false};
  std::vector<SocketAddress> bound_;
  std::vector<int> udp_fds_;
  std::vector<bool> udp_wildcard_;
  std::vector<int> tcp_fds_;
  std::vector<std::unique_ptr<UdpWorker>> workers_;
  std::unique_ptr<TcpServer> tcp_;
  std::vector<std::thread> threads_;
};

}  // namespace nines::dnsd
