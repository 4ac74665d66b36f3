#include "nines/dnsd/health/embedded_prober.h"

#include <utility>

namespace nines::dnsd {

EmbeddedProber::EmbeddedProber(VoteTable& table, probers::EngineOptions options)
    : table_(table), engine_(std::move(options)) {
  engine_.onChange([this] { changed_.store(true, std::memory_order_release); });
}

EmbeddedProber::~EmbeddedProber() { stop(); }

void EmbeddedProber::setTargets(std::vector<probers::CheckTarget> targets) {
  engine_.setTargets(std::move(targets));
  changed_.store(true, std::memory_order_release);
}

void EmbeddedProber::start() {
  if (thread_.joinable()) return;
  stop_.store(false);
  thread_ = std::thread([this] { engine_.run(stop_); });
}

void EmbeddedProber::stop() {
  stop_.store(true);
  if (thread_.joinable()) thread_.join();
}

std::vector<probers::ReportResult> EmbeddedProber::votesOf(
    const std::vector<probers::TargetStatus>& statuses) {
  std::vector<probers::ReportResult> votes;
  votes.reserve(statuses.size());
  for (const auto& status : statuses) {
    if (status.state == probers::TargetState::Unknown) continue;
    votes.push_back(
        {status.id, status.state == probers::TargetState::Up, status.rtt_ms, status.reason});
  }
  return votes;
}

bool EmbeddedProber::feedVotes(double now, double refresh) {
  const bool changed = changed_.exchange(false, std::memory_order_acq_rel);
  const double last = last_feed_.load(std::memory_order_relaxed);
  if (!changed && last > 0 && now - last < refresh) return false;
  table_.apply({kEmbeddedProber, kEmbeddedRegion, std::nullopt}, votesOf(engine_.snapshot()));
  last_feed_.store(now, std::memory_order_relaxed);
  return true;
}

}  // namespace nines::dnsd
