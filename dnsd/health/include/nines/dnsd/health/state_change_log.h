// The recent state changes, for the status page and GET /v1/status "events": regions and endpoints
// that changed state between two published health views (with the new view's reason), drains and
// undrains, and loads and reloads. Bounded (the oldest go first) and kept in memory only: the
// page answers "what just happened", the logs and metrics keep the history.
//
// Endpoint changes are kept apart from the rest (regions, drains, reloads), each up to the
// capacity: a start-up or a network blip flips thousands of endpoints at once, and must not push
// the region changes an engineer is looking for out of the log.
//
// Written by the publication loop (changes between views) and by the control plane (drains,
// reloads); read by /v1/status. Never on the query path: guarded by a mutex.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

#include "nines/policy/health.h"
#include "nines/policy/service_plan.h"

namespace nines::dnsd {

enum class ChangeKind : std::uint8_t { Region, Endpoint, Drain, Undrain, Reload };
// "region", "endpoint", "drain", "undrain", "reload": as /v1/status spells them.
const char* changeKindName(ChangeKind kind) noexcept;

struct StateChange {
  std::uint64_t seq = 0;  // given by the log: 1, 2, 3... in the order recorded
  double time = 0;        // clock seconds
  ChangeKind kind = ChangeKind::Region;
  std::string zone;      // origin ("example.test."); empty when the change names none
  std::string service;   // the service's owner name ("www.example.test."); empty: none
  std::string region;    // empty: none
  std::string endpoint;  // an address; empty: none (a region, a drain of a pool, a reload)
  std::string from;      // region: up, down, drained; endpoint: unknown, up, down, drained
  std::string to;        // the same; drain/undrain: "drained"/"undrained"; reload: success/failure
  std::string reason;    // why, for people: the new state's verdict, who drained, the first error
  std::string target;    // endpoint: the check target ("zone|check|address"); empty: unchecked
};

class StateChangeLog {
 public:
  // Why 200: a region flapping once a minute stays on the page for hours, and 200 changes are
  // about 40 KB of JSON, small enough to send with every refresh of the page.
  static constexpr std::size_t kDefaultCapacity = 200;

  explicit StateChangeLog(std::size_t capacity = kDefaultCapacity);

  // Appends `change` (its seq is set here), dropping the oldest of its class (endpoint changes,
  // or the rest) beyond the capacity.
  void record(StateChange change);
  void record(std::vector<StateChange> changes);  // in order
  // The newest `limit` changes of both classes, newest first (by seq).
  std::vector<StateChange> recent(std::size_t limit = static_cast<std::size_t>(-1)) const;
  std::size_t capacity() const noexcept { return capacity_; }

 private:
  const std::size_t capacity_;
  mutable std::mutex mutex_;
  void append(StateChange change);            // mutex_ held
  std::deque<StateChange> endpoint_changes_;  // oldest first; guarded by mutex_
  std::deque<StateChange> other_changes_;     // regions, drains, reloads; oldest first; mutex_
  std::uint64_t next_seq_ = 1;                // guarded by mutex_
};

// The changes from `before` (a view built for `before_services`) to `after` (built for
// `after_services`) at `time`: each region whose state (up, down, drained) changed and each
// endpoint whose state changed, with the reason from `after`'s notes. Regions and endpoints found
// in only one of the two (a reload added or removed them) are not changes. Views without notes
// give none. Cheap when the two sets are the same (flat comparisons; strings only for changes).
std::vector<StateChange> viewChanges(const policy::ServiceSet& before_services,
                                     const policy::HealthView& before,
                                     const policy::ServiceSet& after_services,
                                     const policy::HealthView& after, double time);

// A region's state as the status and the page name it: "drained", "up" or "down".
const char* regionStateName(const policy::RegionNote& note) noexcept;

}  // namespace nines::dnsd
