// Counts heap allocations on this thread, for the tests that prove a path allocates nothing:
// malloc and friends are interposed (glibc exports the real ones as __libc_*), and operator new
// goes through malloc too. It defines malloc, so include it in exactly one file of a test binary.
// Under a sanitizer, which owns malloc, nothing is interposed and kCountsAllocations is false:
// the tests skip.
#pragma once

#include <atomic>
#include <cstddef>

#if defined(__SANITIZE_ADDRESS__)
#define NINES_COUNT_ALLOCATIONS 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer)
#define NINES_COUNT_ALLOCATIONS 0
#endif
#endif
#ifndef NINES_COUNT_ALLOCATIONS
#define NINES_COUNT_ALLOCATIONS 1
#endif

namespace nines::testing::allocation_counter {
inline std::atomic<long> allocations{0};
inline thread_local bool counting = false;
}  // namespace nines::testing::allocation_counter

#if NINES_COUNT_ALLOCATIONS
extern "C" {
void* __libc_malloc(std::size_t size);
void* __libc_calloc(std::size_t count, std::size_t size);
void* __libc_realloc(void* pointer, std::size_t size);
void __libc_free(void* pointer);

void* malloc(std::size_t size) {
  if (nines::testing::allocation_counter::counting)
    ++nines::testing::allocation_counter::allocations;
  return __libc_malloc(size);
}
void* calloc(std::size_t count, std::size_t size) {
  if (nines::testing::allocation_counter::counting)
    ++nines::testing::allocation_counter::allocations;
  return __libc_calloc(count, size);
}
void* realloc(void* pointer, std::size_t size) {
  if (nines::testing::allocation_counter::counting)
    ++nines::testing::allocation_counter::allocations;
  return __libc_realloc(pointer, size);
}
void free(void* pointer) { __libc_free(pointer); }
}
#endif

namespace nines::testing {

inline constexpr bool kCountsAllocations = NINES_COUNT_ALLOCATIONS != 0;

// The allocations `body` makes on this thread.
template <class Body>
long allocationsIn(Body&& body) {
  allocation_counter::allocations = 0;
  allocation_counter::counting = true;
  body();
  allocation_counter::counting = false;
  return allocation_counter::allocations.load();
}

}  // namespace nines::testing
