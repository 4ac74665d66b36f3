// An open-addressing hash index from a lowercased wire name to a pointer: the zone table's nodes
// of a zone, and its zones by origin. Built once, read-only after; lookups allocate nothing.
// A slot is the hash and the pointer (16 octets); the key is the value's own `key` member.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "nines/base/hash.h"

namespace nines::dnsd {

template <typename T>
class NameIndex {
 public:
  // `values` must outlive the index and have distinct keys (T::key, a lowercased wire name).
  void build(const std::vector<const T*>& values) {
    std::size_t capacity = 8;
    while (capacity < values.size() * 2) capacity *= 2;
    slots_.assign(capacity, Slot{});
    mask_ = capacity - 1;
    size_ = values.size();
    for (const T* value : values) {
      std::uint64_t hash = base::hashName(value->key);
      std::size_t i = hash & mask_;
      while (slots_[i].value) i = (i + 1) & mask_;
      slots_[i] = Slot{hash, value};
    }
  }
  const T* find(std::string_view key) const noexcept {
    if (slots_.empty()) return nullptr;
    std::uint64_t hash = base::hashName(key);
    for (std::size_t i = hash & mask_;; i = (i + 1) & mask_) {
      const Slot& slot = slots_[i];
      if (!slot.value) return nullptr;
      if (slot.hash == hash && slot.value->key == key) return slot.value;
    }
  }
  std::size_t size() const noexcept { return size_; }

 private:
  struct Slot {
    std::uint64_t hash = 0;
    const T* value = nullptr;
  };
  std::vector<Slot> slots_;
  std::size_t mask_ = 0;
  std::size_t size_ = 0;
};

}  // namespace nines::dnsd
