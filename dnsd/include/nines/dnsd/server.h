// The dnsd process: the serving state (zones + health + locator), the sockets, the UDP workers,
// the TCP thread, the HTTP API, reloads, and health: the health table fed by prober reports (or
// by the embedded prober when none are configured) and the health thread that republishes the
// serving state when verdicts change.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "nines/dnsd/config.h"
#include "nines/dnsd/embedded_prober.h"
#include "nines/dnsd/health_state.h"
#include "nines/dnsd/health_table.h"
#include "nines/dnsd/report_ingest.h"
#include "nines/dnsd/serving_state.h"
#include "nines/dnsd/snapshot.h"
#include "nines/dnsd/status.h"
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
  std::string statusJson(const StatusFilter& filter = {}) const;

 private:
  void loadZones(bool initial);
  // Publishes a new serving state from `zones` (null: the current ones), health and locator.
  void publish(std::shared_ptr<const ZoneTable> zones);
  void publishLocked(std::shared_ptr<const ZoneTable> zones,
                     std::shared_ptr<const HealthView> health);  // publish_mutex_ held
  // The health thread: a tick every kHealthTick (feeds the embedded prober's states to the table,
  // then republishes when the health view changed), until stop().
  void healthLoop();
  void republishHealth();
  int drain(const HealthSelector& selector, bool drained, std::string& body);
  int setHealth(const HealthSelector& selector, const std::string& state, std::string& body);

  Config config_;
  SnapshotHolder<ServingState> state_;
  HealthTable table_;  // prober votes, by check target
  HealthState health_;
  ReportIngest ingest_;
  std::unique_ptr<EmbeddedProber> embedded_;  // only with no [[health.probers]]
  mutable std::mutex checks_mutex_;
  std::string checks_json_ = "[]";  // GET /v1/checks; guarded by checks_mutex_
  std::shared_ptr<const policy::ClientLocator> locator_;
  std::mutex publish_mutex_;      // one writer at a time: reloads, drains, health changes
  std::uint64_t generation_ = 0;  // of the last published state; guarded by publish_mutex_
  double last_publish_ = 0;       // clock seconds; guarded by publish_mutex_
  double last_rtt_check_ = 0;     // clock seconds of the last full build; publish_mutex_
  std::mutex health_wait_mutex_;
  std::condition_variable health_wake_;  // stop() wakes the health thread
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
