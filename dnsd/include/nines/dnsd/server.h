// The dnsd process: the serving state (zones + health + locator), the sockets, the UDP workers,
// the TCP thread, the HTTP API, and reloads.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "nines/dnsd/config.h"
#include "nines/dnsd/health_state.h"
#include "nines/dnsd/serving_state.h"
#include "nines/dnsd/snapshot.h"
#include "nines/dnsd/udp_worker.h"

namespace nines::dnsd {

class TcpServer;
class HttpApi;

class Server {
 public:
  explicit Server(Config config);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Loads the zones and the geo database and binds every address. Zones with errors are logged
  // and left out; a socket that cannot be bound or a database that cannot be read is fatal.
  // Returns false with `error` set on failure.
  bool open(std::string* error);
  // Starts the worker threads.
  void start();
  // Re-reads the zone files. Zones that fail keep serving their previous version.
  void reload();
  // Frees snapshots no worker uses any more; call from the control thread now and then.
  void reapRetired() { state_.reap(); }
  // Stops the workers and waits for them.
  void stop();

  // The JSON of GET /v1/status.
  std::string statusJson() const;

 private:
  void loadZones(bool initial);
  // Publishes a new serving state from the current zones, health and locator.
  void publish(std::shared_ptr<const ZoneTable> zones);
  int drain(const HealthSelector& selector, bool drained, std::string& body);
  int setHealth(const HealthSelector& selector, const std::string& state, std::string& body);

  Config config_;
  SnapshotHolder<ServingState> state_;
  HealthState health_;
  std::shared_ptr<const policy::ClientLocator> locator_;
  std::mutex publish_mutex_;      // one writer at a time: reloads, drains, health changes
  std::uint64_t generation_ = 0;  // of the last published state; guarded by publish_mutex_
  std::atomic<bool> stopping_{false};
  std::vector<SocketAddress> bound_;
  std::vector<int> udp_fds_;
  std::vector<bool> udp_wildcard_;
  std::vector<int> tcp_fds_;
  std::vector<std::unique_ptr<UdpWorker>> workers_;
  std::unique_ptr<TcpServer> tcp_;
  std::unique_ptr<HttpApi> http_;
  std::vector<std::thread> threads_;
};

}  // namespace nines::dnsd
