// POST /v1/reports (DESIGN.md "One health report"): checks a prober's report (who sent it, its
// signature, its clock, its sequence number) and applies the votes of the ones that pass to the
// vote table. Everything from the network is hostile: a report that fails any check changes
// nothing. No sockets here: http_api.cc hands over the header values and the body.
//
// The checks, in order, and the HTTP status of each refusal:
//   body over probers::kMaxReportBody          413 (before it is read: http_api.cc)
//   no X-Nines-Prober header                   401
//   X-Nines-Prober names no configured prober  403 (also every report when none are configured)
//   X-Nines-Signature missing or wrong         401 (the key, or during a rotation the previous_key)
//   body is not a well-formed report           400
//   body's "prober" differs from the header    400
//   |time - our clock| > max_skew              422 (well-formed, but not acceptable now)
//   seq <= the last accepted seq of the prober 409 (a replay, or a prober gone back in time)
//   no report of the prober accepted since     409 (made before a restart: a replay)
//     start, and time < dnsd's start
//   otherwise                                  200, votes applied
//
// Replays across a restart. The last accepted seq of each prober is kept in memory and, with
// [server] state_dir, in a file (sequence_file.h) read at start: a report captured before a
// restart has a seq at or below the one on file and stays refused. The file is written at most
// once a second while reports come in (useStateFile, flushState) and at stop, so after a crash
// (not a clean stop) the last second's reports are not on file; for those, and for every report
// when there is no state_dir, the start-time rule above holds: until a prober has a report
// accepted, one whose time is before dnsd started is refused. (A prober whose clock runs behind
// ours by d seconds has its reports refused for d seconds after a restart; max_skew bounds d.)
// Each outcome is counted per prober (reports naming no configured prober share one "(unknown)"
// entry, so forged names cannot grow memory) and logged at most once per prober, outcome and
// minute; the next line says how many were not logged.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "nines/base/log.h"
#include "nines/dnsd/health/prober_key.h"
#include "nines/dnsd/health/sequence_file.h"
#include "nines/dnsd/health/vote_table.h"
#include "nines/probers/report.h"

namespace nines::dnsd {

enum class ReportOutcome : std::uint8_t {
  Accepted,
  TooLarge,
  UnknownProber,
  BadSignature,
  Malformed,
  ProberMismatch,
  ClockSkew,
  Replay,
};
inline constexpr std::size_t kReportOutcomes = 8;
// "accepted", "too_large", "unknown_prober", "bad_signature", "malformed", "prober_mismatch",
// "clock_skew", "replay": the keys of /v1/status report counters.
const char* outcomeName(ReportOutcome outcome) noexcept;

struct IngestReply {
  int status = 200;
  ReportOutcome outcome = ReportOutcome::Accepted;
  std::string body;  // JSON: {"applied": N, "ignored": M} or {"error": "..."}
};

inline constexpr const char* kUnknownProber = "(unknown)";

struct ProberReportStats {
  std::string id;      // a configured prober, or kUnknownProber
  std::string region;  // of its last accepted report
  bool has_seq = false;
  std::uint64_t last_seq = 0;  // of its last accepted report
  double last_report = 0;      // clock seconds of its last accepted report; 0: none yet
  std::array<std::uint64_t, kReportOutcomes> counts{};
};

class ReportIngest {
 public:
  using Clock = std::function<double()>;  // wall clock, seconds (the one reports' time is on)
  using Logger = std::function<void(base::LogLevel, const std::string&)>;

  // `log` defaults to dnsd's log. The table must outlive this.
  ReportIngest(std::vector<ProberKey> probers, double max_skew, VoteTable& table, Clock clock,
               Logger log = {});

  // Runs every check above on one request and applies the report if it passes. Thread-safe.
  IngestReply ingest(std::string_view prober, std::string_view signature, std::string_view body);
  // A body over the limit, refused before it was read: counted and logged like the others.
  IngestReply tooLarge(std::string_view prober, std::size_t length);

  // A reload's probers and max_skew. A prober still listed keeps its counters and its last
  // sequence number (a replay stays refused across a key rotation); a new one starts clean; one
  // no longer listed is forgotten, its votes dropped from the table. Thread-safe.
  void setProbers(std::vector<ProberKey> probers, double max_skew);

  // Configured probers in configuration order, then kUnknownProber when anything came under it.
  std::vector<ProberReportStats> stats() const;

  // Keeps each prober's last accepted seq in `path` (sequence_file.h): reads it now (a prober on
  // file starts from its seq there), then writes it after an accepted report, at most once a
  // second (flushState() writes what is left). False, with *error, when the file is there but
  // cannot be read: it is written anew from what comes in. Thread-safe.
  bool useStateFile(const std::string& path, std::string* error);
  // Writes the state file if a report was accepted since it was last written, and (unless
  // `force`: at stop) it was last written a second ago or more. A failed write is logged (once a
  // minute) and tried again at the next call. Thread-safe.
  void flushState(bool force = false);

 private:
  struct Prober {
    ProberKey key;
    ProberReportStats stats;
    bool accepted_since_start = false;
  };
  void saveState(double now);  // mutex_ held
  // Counts and (rate-limited) logs a refusal; returns the reply. mutex_ held.
  IngestReply refuse(ProberReportStats& stats, std::string_view claimed, ReportOutcome outcome,
                     int status, const std::string& message);
  void logLimited(const std::string& who, ReportOutcome outcome, base::LogLevel level,
                  const std::string& message);  // mutex_ held

  double max_skew_;  // guarded by mutex_
  VoteTable& table_;
  const Clock clock_;
  const Logger log_;
  mutable std::mutex mutex_;
  probers::ReportDecoder decoder_;  // guarded by mutex_
  probers::Report report_;          // the last decoded, its storage reused; guarded by mutex_
  std::vector<Prober> probers_;
  ProberReportStats unknown_;
  const double started_;  // clock seconds at construction: dnsd's start
  // Last accepted seq of every prober seen, configured now or not (so that one removed and added
  // back by reloads is not replayed either); what the state file holds.
  ProberSequences sequences_;
  std::string state_path_;  // empty: no state file
  bool state_dirty_ = false;
  double state_written_ = 0;
  struct Logged {
    double at = 0;
    std::uint64_t suppressed = 0;
  };
  std::map<std::pair<std::string, ReportOutcome>, Logged> logged_;
};

}  // namespace nines::dnsd
