#include "nines/dnsd/serve/arena.h"

#include <sys/mman.h>

#include <algorithm>

namespace nines::dnsd {

namespace {

// Blocks start small (a test's table is a few kilobytes) and double up to this size: large
// enough that a big zone is a few dozen mappings, small enough that the last, partly used block
// wastes little.
constexpr std::size_t kFirstBlock = 64 * 1024;
constexpr std::size_t kLargestBlock = 4 * 1024 * 1024;

}  // namespace

Arena::~Arena() {
  for (const Block& block : blocks_) munmap(block.memory, block.size);
}

void* Arena::allocate(std::size_t size, std::size_t alignment) {
  auto aligned = [alignment](char* p) {
    auto address = reinterpret_cast<std::uintptr_t>(p);
    return reinterpret_cast<char*>((address + alignment - 1) & ~(alignment - 1));
  };
  if (next_ != nullptr) {
    char* start = aligned(next_);
    if (start + size <= end_) {
      next_ = start + size;
      return start;
    }
  }
  // mmap rather than malloc: freeing the table then returns the memory to the system at once,
  // whatever else the heap holds.
  std::size_t block_size =
      blocks_.empty() ? kFirstBlock : std::min(kLargestBlock, blocks_.back().size * 2);
  block_size = std::max(block_size, size + alignment);
  void* memory =
      mmap(nullptr, block_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (memory == MAP_FAILED) throw std::bad_alloc();
  blocks_.push_back({static_cast<char*>(memory), block_size});
  reserved_ += block_size;
  char* start = aligned(static_cast<char*>(memory));
  next_ = start + size;
  end_ = static_cast<char*>(memory) + block_size;
  return start;
}

}  // namespace nines::dnsd
