// The dnsd process, wired together: the serving state (zones + health + locator) and its
// publication, the listening sockets, the UDP workers, the TCP thread, the HTTP API, reloads, and
// health: the vote table fed by prober reports (or by the embedded prober when none are
// configured) and the publication loop that republishes the serving state when the view changes.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "nines/dnsd/control/config.h"
#include "nines/dnsd/control/configuration.h"
#include "nines/dnsd/control/http_api.h"
#include "nines/dnsd/control/query_count_fold.h"
#include "nines/dnsd/control/reload_record.h"
#include "nines/dnsd/control/status.h"
#include "nines/dnsd/health/embedded_prober.h"
#include "nines/dnsd/health/health_publisher.h"
#include "nines/dnsd/health/health_view_builder.h"
#include "nines/dnsd/health/report_ingest.h"
#include "nines/dnsd/health/state_change_log.h"
#include "nines/dnsd/health/vote_table.h"
#include "nines/dnsd/net/listeners.h"
#include "nines/dnsd/net/udp_worker.h"
#include "nines/dnsd/serve/response_rate_limiter.h"
#include "nines/dnsd/serve/serving_state.h"
#include "nines/dnsd/serve/snapshot.h"
#include "nines/zones/loader.h"

namespace nines::dnsd {

class TcpServer;

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
  // Re-reads everything (configuration.h): dnsd.toml, the zone files and the geo database, built
  // and validated here, off the query path, then put in force whole. An error in dnsd.toml or the
  // geo database changes nothing; a zone file with errors keeps its last good version while the
  // rest applies. Restart-only settings are reported, the rest applied. Health state, votes,
  // drains and slow-start ramps carry over for everything that still exists. One reload at a
  // time; returns the record as it stands after this one.
  ReloadRecord reload();
  // Reloads, as reload() does, when a GeoIP database file changed on disk ([geo] watch;
  // geo_database_watch.h). Call from the control thread about once a second.
  void reloadIfGeoDatabaseChanged();
  // Frees snapshots no worker uses any more; call from the control thread now and then.
  // Also folds the query counters of retired zone tables into the metrics' totals.
  void reapRetired() {
    state_.reap();
    query_counts_.foldRetired();
  }
  // Stops the workers and waits for them.
  void stop();

  // The JSON of GET /v1/status.
  std::string statusJson(const StatusFilter& filter = {}) const;
  // What the loads and reloads so far came to.
  ReloadRecord reloadRecord() const;
  // The exposition of GET /metrics (metrics.h).
  std::string metricsText();
  // The dnstap query log ([query_log]); null when it is off. Its per-worker counters are what
  // nines_query_log_messages_total and nines_query_log_dropped_total sum.
  const querylog::QueryLog* queryLog() const noexcept { return query_log_.get(); }

 private:
  // Serves `loaded` (what a load of the zone files came to) with the current health; on a
  // reload, a zone whose file failed keeps its last good version. Returns how many zones.
  std::size_t serveZones(zones::LoadResult& loaded, bool initial,
                         const std::vector<zones::Cidr>& allow_nets);
  // Records an attempt (the first load when `initial`, or a reload), and its entry among the
  // recent changes. `applied`: its digests and restart_required are what is in force now.
  void recordAttempt(const Configuration& loaded, const std::vector<std::string>& restart,
                     bool applied, bool initial);
  // The zones to serve after a load: what loaded, plus the last good version of every zone whose
  // file now fails.
  std::vector<zones::Zone> keepFailedZones(zones::LoadResult& result) const;
  // Hands the checks of `zones` to the vote table, GET /v1/checks and the embedded prober.
  void updateChecks(const std::vector<zones::Zone>& zones,
                    const std::vector<zones::Cidr>& allow_nets);
  // Makes `zones` with `health` (built for zones->services()) what queries read. Called by the
  // publisher only, one call at a time.
  void publishServingState(std::shared_ptr<const ZoneTable> zones, HealthPublisher::View health);
  ControlHandlers handlers();
  int drain(const HealthSelector& selector, bool drained, std::string& body);
  int setHealth(const HealthSelector& selector, const std::string& state, std::string& body);

  // What is in force: the start-up configuration, then each applied reload's (with the
  // restart-only settings of start-up). Written by reloads (config_mutex_ held), read by the
  // control threads under it; the fields reload never changes are read freely.
  mutable std::mutex config_mutex_;
  Config config_;
  std::mutex reload_serial_;    // one reload at a time
  GeoDatabaseWatch geo_watch_;  // the serving databases' files
  SnapshotHolder<ServingState> state_;
  VoteTable votes_;  // prober votes, by check target
  HealthViewBuilder health_;
  StateChangeLog events_;  // recent state changes, drains and reloads: /v1/status "events"
  HealthPublisher publisher_;
  ReportIngest ingest_;
  std::unique_ptr<EmbeddedProber> embedded_;  // only with no [[health.probers]]
  mutable std::mutex checks_mutex_;
  std::string checks_json_ = "[]";  // GET /v1/checks; guarded by checks_mutex_
  mutable std::mutex reload_mutex_;
  ReloadRecord reload_record_;  // guarded by reload_mutex_
  mutable std::mutex locator_mutex_;
  std::shared_ptr<const policy::ClientLocator> locator_;  // guarded by locator_mutex_
  // [rate_limit] in force, published with every serving state; guarded by locator_mutex_.
  std::shared_ptr<const RateLimitSettings> rate_limit_;
  std::uint64_t generation_ = 0;  // of the last published state; only the publisher's calls
  std::atomic<bool> stopping_{false};
  Listeners listeners_;
  std::vector<std::unique_ptr<QueryCounters>> counters_;        // one per UDP worker, one for TCP
  QueryCountFold query_counts_;                                 // their sums, by name
  std::vector<std::unique_ptr<ResponseRateLimiter>> limiters_;  // one per UDP worker
  // Before the workers: they write to it, and it flushes when it goes (after them).
  std::unique_ptr<querylog::QueryLog> query_log_;
  std::vector<std::unique_ptr<UdpWorker>> workers_;
  std::unique_ptr<TcpServer> tcp_;
  std::unique_ptr<HttpApi> http_;
  std::vector<std::thread> threads_;
};

}  // namespace nines::dnsd
