// An open-addressing hash index from a lowercased wire name to a pointer: the zone table's nodes
// of a zone, and its zones by origin. Built once, read-only after; lookups allocate nothing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

#include "nines/base/hash.h"

namespace nines::dnsd {

template <typename T>
class NameIndex {
 public:
  // `entries` keys must outlive the index (they are views) and be distinct.
  void build(const std::vector<std::pair<std::string_view, const T*>>& entries) {
    std::size_t capacity = 8;
    while (capacity < entries.size() * 2) capacity *= 2;
    slots_.assign(capacity, Slot{});
    mask_ = capacity - 1;
    size_ = entries.size();
    for (const auto& [key, value] : entries) {
      std::uint64_t hash = base::hashName(key);
      std::size_t i = hash & mask_;
      while (slots_[i].value) i = (i + 1) & mask_;
      slots_[i] = Slot{hash, key, value};
    }
  }
  const T* find(std::string_view key) const noexcept {
    if (slots_.empty()) return nullptr;
    std::uint64_t hash = base::hashName(key);
    for (std::size_t i = hash & mask_;; i = (i + 1) & mask_) {
      const Slot& slot = slots_[i];
      if (!slot.value) return nullptr;
      if (slot.hash == hash && slot.key == key) return slot.value;
    }
  }
  std::size_t size() const noexcept { return size_; }

 private:
  struct Slot {
    std::uint64_t hash = 0;
    std::string_view key;
    const T* value = nullptr;
  };
  std::vector<Slot> slots_;
  std::size_t mask_ = 0;
  std::size_t size_ = 0;
};

}  // namespace nines::dnsd
