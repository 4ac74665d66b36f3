// Publication of immutable state to query workers (STYLE rule 1, after PowerDNS's sholder.hh):
// the writer swaps in a whole new snapshot and bumps a generation counter; each worker keeps a
// cached pointer and looks at the counter once per batch, taking the mutex only when it changed.
// The writer keeps retired snapshots until no worker holds them, and frees them itself, so a
// worker never pays for tearing down a large zone table.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

namespace nines::dnsd {

template <typename T>
class SnapshotHolder {
 public:
  class Reader {
   public:
    explicit Reader(SnapshotHolder& holder) : holder_(holder) {}
    // The current snapshot; cheap when nothing changed since the last call.
    const T* get() noexcept {
      std::uint64_t generation = holder_.generation_.load(std::memory_order_acquire);
      if (generation != generation_) {
        std::lock_guard lock(holder_.mutex_);
        cached_ = holder_.current_;
        generation_ = holder_.generation_.load(std::memory_order_relaxed);
      }
      return cached_.get();
    }

   private:
    SnapshotHolder& holder_;
    std::shared_ptr<const T> cached_;
    std::uint64_t generation_ = ~std::uint64_t{0};
  };

  // Writer side: makes `next` current. The previous snapshot is retired, not freed.
  void publish(std::shared_ptr<const T> next) {
    std::lock_guard lock(mutex_);
    if (current_) retired_.push_back(std::move(current_));
    current_ = std::move(next);
    generation_.fetch_add(1, std::memory_order_acq_rel);
  }

  std::shared_ptr<const T> current() const {
    std::lock_guard lock(mutex_);
    return current_;
  }

  // Writer side: frees retired snapshots that no reader holds any more. Returns how many remain.
  std::size_t reap() {
    std::vector<std::shared_ptr<const T>> freeing;
    std::size_t remaining;
    {
      std::lock_guard lock(mutex_);
      auto it = retired_.begin();
      while (it != retired_.end()) {
        if (it->use_count() == 1) {
          freeing.push_back(std::move(*it));
          it = retired_.erase(it);
        } else {
          ++it;
        }
      }
      remaining = retired_.size();
    }
    return remaining;  // `freeing` is destroyed here, outside the lock
  }

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<const T> current_;
  std::vector<std::shared_ptr<const T>> retired_;
  std::atomic<std::uint64_t> generation_{0};
};

}  // namespace nines::dnsd
