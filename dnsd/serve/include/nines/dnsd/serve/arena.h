// Bump allocation for the zone table: every node, RRset, name and rendered wire form of a table
// lives in a few large blocks that are mapped when the table is built and unmapped when it is
// freed. A hundred thousand names are then a handful of allocations instead of a million, the
// table is laid out in build order, and a reload gives its memory back to the system whole
// instead of leaving a million holes in the heap.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <span>
#include <string_view>
#include <type_traits>
#include <vector>

namespace nines::dnsd {

class Arena {
 public:
  Arena() = default;
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;
  ~Arena();

  // `count` default-constructed Ts, aligned for T. Ts must not need destruction: the arena frees
  // memory, it runs no destructors.
  template <typename T>
  std::span<T> make(std::size_t count) {
    static_assert(std::is_trivially_destructible_v<T>, "the arena runs no destructors");
    if (count == 0) return {};
    void* memory = allocate(sizeof(T) * count, alignof(T));
    T* first = static_cast<T*>(memory);
    for (std::size_t i = 0; i < count; ++i) new (first + i) T();
    return {first, count};
  }
  // A copy of `bytes` that lives as long as the arena.
  std::string_view copy(std::string_view bytes) {
    if (bytes.empty()) return {};
    auto* memory = static_cast<char*>(allocate(bytes.size(), 1));
    std::memcpy(memory, bytes.data(), bytes.size());
    return {memory, bytes.size()};
  }
  template <typename T>
  std::span<const T> copy(std::span<const T> values) {
    std::span<T> out = make<T>(values.size());
    for (std::size_t i = 0; i < values.size(); ++i) out[i] = values[i];
    return out;
  }

  // Octets mapped for this arena so far.
  std::size_t reserved() const noexcept { return reserved_; }

 private:
  struct Block {
    char* memory;
    std::size_t size;
  };
  void* allocate(std::size_t size, std::size_t alignment);

  std::vector<Block> blocks_;
  char* next_ = nullptr;
  char* end_ = nullptr;
  std::size_t reserved_ = 0;
};

}  // namespace nines::dnsd
