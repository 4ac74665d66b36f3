#include "nines/policy/prefix_table.h"

#include <algorithm>
#include <array>

namespace nines::policy {

namespace {

__extension__ typedef unsigned __int128 U128;

// Every bit below `count` set (count <= 128).
U128 ones(unsigned count) noexcept { return count >= 128 ? ~U128{0} : (U128{1} << count) - 1; }

unsigned trailingZeros(U128 value) noexcept {
  const auto low = static_cast<std::uint64_t>(value);
  const auto high = static_cast<std::uint64_t>(value >> 64);
  if (low != 0) return static_cast<unsigned>(__builtin_ctzll(low));
  if (high != 0) return 64 + static_cast<unsigned>(__builtin_ctzll(high));
  return 128;
}

// The address as a number of its family's width (IPv4: 32 bits), most significant octet first.
U128 numberOf(const zones::IpAddress& address) noexcept {
  const std::size_t octets = address.family == 4 ? 4 : 16;
  U128 number = 0;
  for (std::size_t i = 0; i < octets; ++i) number = number << 8 | address.bytes[i];
  return number;
}

// `count` bits of a 128-bit key starting `from` bits below its top.
inline std::size_t bitsOf(U128 key, unsigned from, unsigned count) noexcept {
  return static_cast<std::size_t>(key >> (128 - from - count)) & ((std::size_t{1} << count) - 1);
}

constexpr unsigned kStepBits = 4;
// A family cut into more runs of one value than this gets a 16-bit first step (256 KiB), else an
// 8-bit one.
constexpr std::size_t kWideRootRuns = 2048;

}  // namespace

PrefixTable::PrefixTable() = default;
PrefixTable::~PrefixTable() = default;
PrefixTable::PrefixTable(PrefixTable&&) noexcept = default;
PrefixTable& PrefixTable::operator=(PrefixTable&&) noexcept = default;

void PrefixTable::insert(const zones::Cidr& cidr, std::int32_t value) {
  if (value < 0 || value > kMaxValue || (cidr.network.family != 4 && cidr.network.family != 6)) {
    return;
  }
  zones::Cidr clean = cidr;
  clean.prefix = std::min(cidr.prefix, cidr.network.bitLength());
  clean.network = cidr.network.masked(clean.prefix);
  written_.push_back({clean, value});
}

void PrefixTable::compile() {
  compileFamily(written_, 4, v4_);
  compileFamily(written_, 6, v6_);
}

// 1. The networks, sorted, cut the family's address space into runs of one value (the longest
// network holding them; -1 where none does), adjacent runs of one value joined. 2. Each run is
// split into its largest aligned networks: for any address, the largest aligned network around it
// inside its run is the widest network in which every address gets its value, i.e. its scope.
// 3. Those networks go into the multibit trie, filling every slot they cover.
void PrefixTable::compileFamily(const std::vector<Written>& written, std::uint8_t family,
                                Trie& trie) {
  trie = Trie{};
  struct Net {
    U128 first;
    std::int32_t value;
    std::uint8_t length;
  };
  std::vector<Net> nets;
  for (const Written& entry : written) {
    if (entry.cidr.network.family != family) continue;
    nets.push_back({numberOf(entry.cidr.network), entry.value, entry.cidr.prefix});
  }
  if (nets.empty()) return;
  const unsigned width = family == 4 ? 32 : 128;
  // Containing networks before the ones they contain; of one network written twice, the first.
  std::stable_sort(nets.begin(), nets.end(), [](const Net& a, const Net& b) {
    return a.first != b.first ? a.first < b.first : a.length < b.length;
  });
  nets.erase(std::unique(nets.begin(), nets.end(),
                         [](const Net& a, const Net& b) {
                           return a.first == b.first && a.length == b.length;
                         }),
             nets.end());

  // Each run lasts until the next one's first address (the last one: to the family's end).
  struct Run {
    U128 first;
    std::int32_t value;
  };
  std::vector<Run> runs;
  runs.reserve(2 * nets.size() + 1);
  auto emit = [&runs](U128 first, std::int32_t value) {
    if (runs.empty() || runs.back().value != value) runs.push_back({first, value});
  };
  const U128 max = ones(width);
  struct Open {
    U128 last;
    std::int32_t value;
  };
  std::vector<Open> open;  // networks holding the sweep position, innermost last
  U128 position = 0;
  bool finished = false;  // the position passed the family's last address
  for (const Net& net : nets) {
    while (!open.empty() && open.back().last < net.first) {
      if (position <= open.back().last) emit(position, open.back().value);
      position = std::max(position, open.back().last + 1);
      open.pop_back();
    }
    if (position < net.first) {
      emit(position, open.empty() ? -1 : open.back().value);
      position = net.first;
    }
    open.push_back({net.first | ones(width - net.length), net.value});
  }
  for (; !open.empty(); open.pop_back()) {
    if (finished || position > open.back().last) continue;
    emit(position, open.back().value);
    if (open.back().last == max) {
      finished = true;
    } else {
      position = open.back().last + 1;
    }
  }
  if (!finished) emit(position, -1);
  nets = {};

  // Every run as its largest aligned networks, in address order.
  auto forEachNetwork = [&runs, width, max](auto&& visit) {
    for (std::size_t r = 0; r < runs.size(); ++r) {
      const U128 run_last = r + 1 < runs.size() ? runs[r + 1].first - 1 : max;
      for (U128 first = runs[r].first;;) {
        unsigned size_bits = std::min(trailingZeros(first), width);
        while (size_bits > 0 && run_last - first < ones(size_bits)) --size_bits;
        visit(first, static_cast<std::uint8_t>(width - size_bits), runs[r].value);
        const U128 last = first + ones(size_bits);
        if (last >= run_last) break;
        first = last + 1;
      }
    }
  };
  trie.root_bits = runs.size() > kWideRootRuns ? 16 : 8;
  // First count the steps below the root that will be needed, so that the slots are allocated
  // once: a million networks need about a hundred megabytes of them, not three times that while
  // a growing vector copies itself.
  std::size_t steps = 0;
  {
    std::array<U128, 129> last_step_of{};  // by depth in bits: the step made there last
    std::array<bool, 129> made{};
    forEachNetwork([&](U128 first, std::uint8_t length, std::int32_t) {
      for (unsigned depth = trie.root_bits; depth < length; depth += kStepBits) {
        const U128 step = first >> (width - depth);  // the network's first `depth` bits
        if (made[depth] && last_step_of[depth] == step) continue;
        made[depth] = true;
        last_step_of[depth] = step;
        ++steps;
      }
    });
  }
  trie.slots.reserve((std::size_t{1} << trie.root_bits) + (steps << kStepBits));
  trie.slots.assign(std::size_t{1} << trie.root_bits, Slot{0});
  forEachNetwork([&trie, width](U128 first, std::uint8_t length, std::int32_t value) {
    const U128 key = first << (128 - width);
    std::size_t base = 0;
    for (unsigned from = 0, step = trie.root_bits;; from += step, step = kStepBits) {
      const std::size_t index = base + bitsOf(key, from, step);
      if (length <= from + step) {
        const std::size_t count = std::size_t{1} << (from + step - length);
        std::fill_n(trie.slots.begin() + static_cast<std::ptrdiff_t>(index), count,
                    static_cast<Slot>(value + 1) << 8 | length);
        return;
      }
      // The networks placed are disjoint and in address order: a slot that must lead further was
      // never filled by an earlier one.
      if ((trie.slots[index] & kNextStep) == 0) {
        const auto next = static_cast<Slot>(trie.slots.size());
        trie.slots.resize(trie.slots.size() + (std::size_t{1} << kStepBits));
        trie.slots[index] = kNextStep | next;
      }
      base = trie.slots[index] & ~kNextStep;
    }
  });
}

PrefixMatch PrefixTable::walk(const Trie& trie, Key key) noexcept {
  PrefixMatch result;
  if (trie.slots.empty()) return result;
  const Slot* slots = trie.slots.data();
  std::size_t base = 0;
  for (unsigned from = 0, step = trie.root_bits;; from += step, step = kStepBits) {
    const Slot slot = slots[base + bitsOf(key, from, step)];
    if ((slot & kNextStep) == 0) {
      result.value = static_cast<std::int32_t>(slot >> 8) - 1;
      result.scope = static_cast<std::uint8_t>(slot);
      result.prefix = result.value >= 0 ? result.scope : 0;
      return result;
    }
    base = slot & ~kNextStep;
  }
}

PrefixMatch PrefixTable::match(const zones::IpAddress& address) const noexcept {
  if (address.family == 4) return walk(v4_, numberOf(address) << 96);
  if (address.family == 6) return walk(v6_, numberOf(address));
  return PrefixMatch{};
}

std::int32_t PrefixTable::writtenMatch(const zones::IpAddress& address) const noexcept {
  std::int32_t best = -1;
  for (std::size_t i = 0; i < written_.size(); ++i) {
    const zones::Cidr& cidr = written_[i].cidr;
    if (!cidr.contains(address)) continue;
    if (best < 0 || cidr.prefix > written_[static_cast<std::size_t>(best)].cidr.prefix) {
      best = static_cast<std::int32_t>(i);
    }
  }
  return best;
}

}  // namespace nines::policy
