#include "nines/dnsd/health/report_ingest.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <new>
#include <nlohmann/json.hpp>

#include "nines/probers/report.h"

namespace nines::dnsd {

namespace {

// Why a minute: a prober that keeps failing (say, a wrong key after a rotation) sends a report
// every few seconds; one line a minute says so without flooding the log.
constexpr double kLogInterval = 60.0;

std::string errorBody(const std::string& message) {
  return nlohmann::json{{"error", message}}.dump();
}

// A name from a request header, safe to put in a log line: at most 64 characters, anything
// outside [A-Za-z0-9._-] shown as '?'.
std::string printable(std::string_view text) {
  std::string out;
  for (char c : text.substr(0, 64)) {
    const auto u = static_cast<unsigned char>(c);
    out += std::isalnum(u) || c == '.' || c == '_' || c == '-' ? c : '?';
  }
  if (text.size() > 64) out += "...";
  return out;
}

std::string seconds(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f", value);
  return text;
}

}  // namespace

const char* outcomeName(ReportOutcome outcome) noexcept {
  switch (outcome) {
    case ReportOutcome::Accepted:
      return "accepted";
    case ReportOutcome::TooLarge:
      return "too_large";
    case ReportOutcome::UnknownProber:
      return "unknown_prober";
    case ReportOutcome::BadSignature:
      return "bad_signature";
    case ReportOutcome::Malformed:
      return "malformed";
    case ReportOutcome::ProberMismatch:
      return "prober_mismatch";
    case ReportOutcome::ClockSkew:
      return "clock_skew";
    case ReportOutcome::Replay:
      return "replay";
  }
  return "?";
}

ReportIngest::ReportIngest(std::vector<ProberKey> probers, double max_skew, VoteTable& table,
                           Clock clock, Logger log)
    : max_skew_(max_skew),
      table_(table),
      clock_(std::move(clock)),
      log_(log ? std::move(log) : Logger([](base::LogLevel level, const std::string& message) {
        base::logLine(level, message);
      })),
      started_(clock_()) {
  for (auto& key : probers) {
    Prober prober;
    prober.stats.id = key.id;
    prober.key = std::move(key);
    probers_.push_back(std::move(prober));
  }
  unknown_.id = kUnknownProber;
}

void ReportIngest::logLimited(const std::string& who, ReportOutcome outcome, base::LogLevel level,
                              const std::string& message) {
  const double now = clock_();
  auto [it, first] = logged_.try_emplace({who, outcome});
  Logged& logged = it->second;
  if (!first && now - logged.at < kLogInterval) {
    ++logged.suppressed;
    return;
  }
  std::string line = message;
  if (logged.suppressed > 0) {
    line += " (" + std::to_string(logged.suppressed) + " more like it not logged)";
  }
  logged.at = now;
  logged.suppressed = 0;
  log_(level, line);
}

IngestReply ReportIngest::refuse(ProberReportStats& stats, std::string_view claimed,
                                 ReportOutcome outcome, int status, const std::string& message) {
  ++stats.counts[static_cast<std::size_t>(outcome)];
  const std::string who =
      &stats == &unknown_ ? (claimed.empty() ? std::string("without X-Nines-Prober")
                                             : "from unknown prober \"" + printable(claimed) + "\"")
                          : "from prober " + stats.id;
  logLimited(stats.id, outcome, base::LogLevel::Warning,
             "report " + who + " refused (" + std::to_string(status) + " " + outcomeName(outcome) +
                 "): " + message);
  return {status, outcome, errorBody(message)};
}

IngestReply ReportIngest::tooLarge(std::string_view prober, std::size_t length) {
  std::lock_guard lock(mutex_);
  ProberReportStats* stats = &unknown_;
  for (auto& p : probers_) {
    if (p.key.id == prober) stats = &p.stats;
  }
  return refuse(*stats, prober, ReportOutcome::TooLarge, 413,
                "body of " + std::to_string(length) + " bytes is over the limit of " +
                    std::to_string(probers::kMaxReportBody));
}

IngestReply ReportIngest::ingest(std::string_view prober, std::string_view signature,
                                 std::string_view body) {
  std::lock_guard lock(mutex_);
  if (prober.empty()) {
    return refuse(unknown_, prober, ReportOutcome::UnknownProber, 401,
                  std::string("missing ") + probers::kProberHeader + " header");
  }
  Prober* known = nullptr;
  for (auto& p : probers_) {
    if (p.key.id == prober) known = &p;
  }
  if (known == nullptr) {
    return refuse(unknown_, prober, ReportOutcome::UnknownProber, 403,
                  probers_.empty()
                      ? "no [[health.probers]] configured: this dnsd runs its checks itself"
                      : "not a prober listed in [[health.probers]]");
  }
  ProberReportStats& stats = known->stats;
  if (signature.empty() ||
      !(probers::verifySignature(known->key.key, body, signature) ||
        (!known->key.previous_key.empty() &&
         probers::verifySignature(known->key.previous_key, body, signature)))) {
    return refuse(stats, prober, ReportOutcome::BadSignature, 401,
                  signature.empty()
                      ? std::string("missing ") + probers::kSignatureHeader + " header"
                      : "signature does not match the body under the prober's key");
  }
  std::string error;
  if (!decoder_.decode(body, report_, &error)) {
    return refuse(stats, prober, ReportOutcome::Malformed, 400, "malformed report: " + error);
  }
  const probers::Report& report = report_;
  if (report.prober != prober) {
    return refuse(stats, prober, ReportOutcome::ProberMismatch, 400,
                  "body names prober \"" + printable(report.prober) + "\", the header " +
                      std::string(prober));
  }
  const double now = clock_();
  const double skew = report.time - now;
  if (!(std::fabs(skew) <= max_skew_)) {
    return refuse(stats, prober, ReportOutcome::ClockSkew, 422,
                  "report time is " + seconds(skew) + " s off our clock (max_skew " +
                      seconds(max_skew_) + " s)");
  }
  if (stats.has_seq && report.seq <= stats.last_seq) {
    return refuse(stats, prober, ReportOutcome::Replay, 409,
                  "seq " + std::to_string(report.seq) + " is not after the last accepted, " +
                      std::to_string(stats.last_seq));
  }
  if (!known->accepted_since_start && report.time < started_) {
    return refuse(stats, prober, ReportOutcome::Replay, 409,
                  "report time is " + seconds(started_ - report.time) +
                      " s before dnsd started, and none of this prober's since: a report from "
                      "before a restart is not taken");
  }
  ProberInfo info{report.prober, report.region, std::nullopt};
  if (report.has_location) info.location = zones::GeoPoint{report.latitude, report.longitude};
  const std::size_t applied = table_.apply(info, report.results);
  const bool first = !stats.has_seq;
  stats.has_seq = true;
  stats.last_seq = report.seq;
  stats.last_report = now;
  known->accepted_since_start = true;
  if (!state_path_.empty()) {
    try {
      sequences_[stats.id] = report.seq;
      state_dirty_ = true;
      if (now - state_written_ >= 1.0) saveState(now);
    } catch (const std::bad_alloc&) {
      // The in-memory seq above still refuses replays until a restart.
    }
  }
  stats.region = report.region;
  ++stats.counts[static_cast<std::size_t>(ReportOutcome::Accepted)];
  if (first) {
    log_(base::LogLevel::Info,
         "first report from prober " + stats.id + " (region " + printable(report.region) +
             ") accepted: " + std::to_string(applied) + " of " +
             std::to_string(report.results.size()) + " results for our targets");
  }
  return {
      200, ReportOutcome::Accepted,
      nlohmann::json{{"applied", applied}, {"ignored", report.results.size() - applied}}.dump()};
}

void ReportIngest::setProbers(std::vector<ProberKey> probers, double max_skew) {
  std::vector<std::string> removed;
  {
    std::lock_guard lock(mutex_);
    std::vector<Prober> next;
    for (auto& key : probers) {
      Prober prober;
      prober.stats.id = key.id;
      bool kept = false;
      for (auto& old : probers_) {
        if (old.key.id == key.id) {
          prober.stats = old.stats;
          prober.accepted_since_start = old.accepted_since_start;
          kept = true;
        }
      }
      if (auto on_file = sequences_.find(key.id); !kept && on_file != sequences_.end()) {
        prober.stats.has_seq = true;
        prober.stats.last_seq = on_file->second;
      }
      prober.key = std::move(key);
      next.push_back(std::move(prober));
    }
    for (const auto& old : probers_) {
      const bool kept = std::any_of(next.begin(), next.end(),
                                    [&](const Prober& p) { return p.key.id == old.key.id; });
      if (!kept) removed.push_back(old.key.id);
    }
    probers_ = std::move(next);
    max_skew_ = max_skew;
  }
  // Outside mutex_: apply() takes the table's lock under ours, never the other way round.
  for (const auto& id : removed) {
    table_.forgetProber(id);
    log_(base::LogLevel::Info, "prober " + id + " is no longer configured: its votes are dropped");
  }
}

bool ReportIngest::useStateFile(const std::string& path, std::string* error) {
  ProberSequences loaded;
  const bool read = readSequenceFile(path, loaded, error);
  std::lock_guard lock(mutex_);
  state_path_ = path;
  for (const auto& [id, seq] : loaded) {
    std::uint64_t& kept = sequences_[id];
    kept = std::max(kept, seq);
  }
  for (auto& prober : probers_) {
    auto on_file = sequences_.find(prober.key.id);
    if (on_file == sequences_.end()) continue;
    if (!prober.stats.has_seq || prober.stats.last_seq < on_file->second) {
      prober.stats.has_seq = true;
      prober.stats.last_seq = on_file->second;
    }
  }
  return read;
}

void ReportIngest::flushState(bool force) {
  std::lock_guard lock(mutex_);
  if (!state_dirty_) return;
  const double now = clock_();
  if (force || now - state_written_ >= 1.0) saveState(now);
}

void ReportIngest::saveState(double now) {
  state_written_ = now;
  std::string error;
  if (writeSequenceFile(state_path_, sequences_, &error)) {
    state_dirty_ = false;
    return;
  }
  logLimited("state file", ReportOutcome::Accepted, base::LogLevel::Error,
             "report sequence numbers not saved (a replay after a restart is refused only by "
             "the start-time rule): " +
                 error);
}

std::vector<ProberReportStats> ReportIngest::stats() const {
  std::lock_guard lock(mutex_);
  std::vector<ProberReportStats> out;
  for (const auto& p : probers_) out.push_back(p.stats);
  for (auto count : unknown_.counts) {
    if (count > 0) {
      out.push_back(unknown_);
      break;
    }
  }
  return out;
}

}  // namespace nines::dnsd
