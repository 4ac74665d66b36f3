#include "nines/policy/geo_database.h"

#include <maxminddb.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <cstring>

#include "country_continent.h"
#include "nines/base/hash.h"
#include "nines/base/memory_copy.h"

namespace nines::policy {

// libmaxminddb lookups on an MMDB_MODE_MMAP handle only read the mapping, so one handle serves
// every thread.
struct GeoDatabase::File {
  MMDB_s mmdb{};
  bool open = false;  // MMDB_open cleans up after itself when it fails
  ~File() {
    if (open) MMDB_close(&mmdb);
  }
};

// MMDB_get_value builds its path array with calloc (MMDB_vget_value), so lookups use
// MMDB_aget_value with NULL-terminated paths built here, at load: the query path only reads them.
struct GeoDatabase::Paths {
  enum Field { kContinent, kCountry, kLatitude, kLongitude, kAsn, kFields };
  std::array<std::vector<std::string>, kFields> keys;   // owns the strings `paths` points into
  std::array<std::vector<const char*>, kFields> paths;  // empty: the field is not read
  const char* const* of(Field field) const noexcept {
    return paths[field].empty() ? nullptr : paths[field].data();
  }
};

// One cached network: its address bits and what the databases say about it. Copied in and out
// of a slot as words under the slot's sequence (a seqlock): a reader that raced a writer sees the
// sequence move and takes it as a miss, and a writer that finds another one at work leaves the
// slot to it. Nobody waits.
namespace {
struct CachedNetwork {
  std::uint8_t bytes[16];  // the address masked to record.prefix
  std::uint8_t family;     // 0: empty slot
  GeoRecord record;
};
constexpr std::size_t kSlotWords = (sizeof(CachedNetwork) + 7) / 8;
}  // namespace

struct alignas(64) GeoDatabase::Slot {
  std::atomic<std::uint64_t> sequence{0};  // odd while a writer is at work
  std::array<std::atomic<std::uint64_t>, kSlotWords> words{};
};
static_assert(sizeof(GeoDatabase::Slot) == 64, "a cache slot is one cache line");

namespace {

// Process-wide hit and miss counts, in shards a cache line each: a thread bumps its own shard,
// so workers do not contend for one line on every lookup. The scrape sums them.
struct alignas(64) CounterShard {
  std::atomic<std::uint64_t> hits{0};
  std::atomic<std::uint64_t> misses{0};
};
constexpr unsigned kCounterShards = 32;
CounterShard counter_shards[kCounterShards];
std::atomic<unsigned> next_counter_shard{0};

CounterShard& counterShard() noexcept {
  static thread_local const unsigned shard =
      next_counter_shard.fetch_add(1, std::memory_order_relaxed) % kCounterShards;
  return counter_shards[shard];
}

bool splitPath(const std::string& dotted, std::vector<std::string>& keys) {
  if (dotted.empty()) return true;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = dotted.find('.', start);
    const std::size_t end = dot == std::string::npos ? dotted.size() : dot;
    if (end == start) return false;
    keys.push_back(dotted.substr(start, end - start));
    if (dot == std::string::npos) return true;
    start = dot + 1;
  }
}

bool readValue(MMDB_entry_s& entry, const char* const* path, MMDB_entry_data_s& data) noexcept {
  return path != nullptr && MMDB_aget_value(&entry, &data, path) == MMDB_SUCCESS && data.has_data;
}

// An empty string counts as no value: flat layouts write "" where they know nothing.
bool readCode(MMDB_entry_s& entry, const char* const* path, char (&out)[3]) noexcept {
  MMDB_entry_data_s data{};
  if (!readValue(entry, path, data) || data.type != MMDB_DATA_TYPE_UTF8_STRING ||
      data.data_size == 0) {
    return false;
  }
  detail::copyCode(out, data.utf8_string, data.data_size);
  return true;
}

// A double or a float as GeoIP2 and ip-location-db write them, or a decimal string as some
// CSV-built databases do.
bool readDouble(MMDB_entry_s& entry, const char* const* path, double& out) noexcept {
  MMDB_entry_data_s data{};
  if (!readValue(entry, path, data)) return false;
  switch (data.type) {
    case MMDB_DATA_TYPE_DOUBLE:
      out = data.double_value;
      return true;
    case MMDB_DATA_TYPE_FLOAT:
      out = static_cast<double>(data.float_value);
      return true;
    case MMDB_DATA_TYPE_UTF8_STRING: {
      const char* end = data.utf8_string + data.data_size;
      auto [stop, ec] = std::from_chars(data.utf8_string, end, out);
      return ec == std::errc() && stop == end;
    }
    default:
      return false;
  }
}

std::uint32_t readAsn(MMDB_entry_s& entry, const char* const* path) noexcept {
  MMDB_entry_data_s data{};
  if (!readValue(entry, path, data)) return 0;
  switch (data.type) {
    case MMDB_DATA_TYPE_UINT16:
      return data.uint16;
    case MMDB_DATA_TYPE_UINT32:
      return data.uint32;
    case MMDB_DATA_TYPE_INT32:
      return data.int32 > 0 ? static_cast<std::uint32_t>(data.int32) : 0;
    case MMDB_DATA_TYPE_UINT64:
      return data.uint64 <= 0xFFFFFFFFu ? static_cast<std::uint32_t>(data.uint64) : 0;
    default:
      return 0;
  }
}

bool readSlot(const GeoDatabase::Slot& slot, CachedNetwork& out) noexcept;
void writeSlot(GeoDatabase::Slot& slot, const CachedNetwork& in) noexcept;

}  // namespace

GeoCacheCounts geoCacheCounts() noexcept {
  GeoCacheCounts counts;
  for (const CounterShard& shard : counter_shards) {
    counts.hits += shard.hits.load(std::memory_order_relaxed);
    counts.misses += shard.misses.load(std::memory_order_relaxed);
  }
  return counts;
}

GeoDatabase::GeoDatabase() : paths_(std::make_unique<Paths>()) {}
GeoDatabase::~GeoDatabase() = default;

std::unique_ptr<GeoDatabase> GeoDatabase::open(const GeoDatabaseOptions& options,
                                               std::string* error, std::size_t* failed_file) {
  std::unique_ptr<GeoDatabase> db(new GeoDatabase());
  const std::string* dotted[Paths::kFields] = {};
  dotted[Paths::kContinent] = &options.fields.continent;
  dotted[Paths::kCountry] = &options.fields.country;
  dotted[Paths::kLatitude] = &options.fields.latitude;
  dotted[Paths::kLongitude] = &options.fields.longitude;
  dotted[Paths::kAsn] = &options.fields.asn;
  for (int field = 0; field < Paths::kFields; ++field) {
    auto& keys = db->paths_->keys[field];
    if (!splitPath(*dotted[field], keys)) {
      if (error) *error = "field path \"" + *dotted[field] + "\" has an empty key between dots";
      return nullptr;
    }
    if (keys.empty()) continue;
    auto& path = db->paths_->paths[field];
    for (const std::string& key : keys) path.push_back(key.c_str());
    path.push_back(nullptr);
  }
  for (std::size_t i = 0; i < options.files.size(); ++i) {
    const std::string& name = options.files[i];
    auto file = std::make_unique<File>();
    // A private copy is mapped, not the file: a file copied over in place (truncated, then
    // written) under a mapping of its own would take its pages away and the next lookup would die
    // of SIGBUS. Without one (no memfd, no /proc) the file itself is mapped.
    int status = MMDB_FILE_OPEN_ERROR;
    if (const auto copy = base::MemoryCopy::of(name)) {
      status = MMDB_open(copy->path().c_str(), MMDB_MODE_MMAP, &file->mmdb);
    }
    if (status == MMDB_FILE_OPEN_ERROR || status == MMDB_IO_ERROR) {
      status = MMDB_open(name.c_str(), MMDB_MODE_MMAP, &file->mmdb);
    }
    if (status != MMDB_SUCCESS) {
      int saved_errno = errno;
      if (error != nullptr) {
        *error = "cannot open GeoIP database \"" + name + "\": " + MMDB_strerror(status);
        if (status == MMDB_IO_ERROR) *error += std::string(" (") + std::strerror(saved_errno) + ")";
      }
      if (failed_file != nullptr) *failed_file = i;
      return nullptr;
    }
    file->open = true;
    db->files_.push_back(std::move(file));
  }
  if (options.cache_entries > 0) {
    unsigned bits = 4;  // 16 slots at least; subnetSlot needs one bit
    while ((std::size_t{1} << bits) < options.cache_entries && bits < 30) ++bits;
    db->cache_bits_ = bits;
    db->cache_mask_ = (std::size_t{1} << bits) - 1;
    db->cache_.reset(new Slot[std::size_t{1} << bits]);
  }
  return db;
}

GeoRecord GeoDatabase::locateUncached(const zones::IpAddress& address) const noexcept {
  GeoRecord record;
  if (address.family != 4 && address.family != 6) return record;
  const std::uint8_t bits = address.bitLength();
  // A stack sockaddr: MMDB_lookup_string would go through getaddrinfo, which allocates.
  sockaddr_in v4{};
  sockaddr_in6 v6{};
  const sockaddr* sa = nullptr;
  if (address.family == 4) {
    v4.sin_family = AF_INET;
    std::memcpy(&v4.sin_addr, address.bytes.data(), 4);
    sa = reinterpret_cast<const sockaddr*>(&v4);
  } else {
    v6.sin6_family = AF_INET6;
    std::memcpy(&v6.sin6_addr, address.bytes.data(), 16);
    sa = reinterpret_cast<const sockaddr*>(&v6);
  }
  for (const auto& file : files_) {
    int mmdb_error = MMDB_SUCCESS;
    MMDB_lookup_result_s result = MMDB_lookup_sockaddr(&file->mmdb, sa, &mmdb_error);
    if (mmdb_error == MMDB_IPV6_LOOKUP_IN_IPV4_DATABASE_ERROR) continue;  // not this family
    if (mmdb_error != MMDB_SUCCESS) {
      // A corrupt tree: nothing is known about the neighbourhood, so the only safe network is
      // the address itself.
      record = GeoRecord{};
      record.prefix = bits;
      return record;
    }
    // The netmask counts bits of the file's tree: an IPv4 lookup in an IPv6 database walks the
    // ::/96 subtree, so its netmask is 96 more than the IPv4 prefix length (libmaxminddb(3)).
    int netmask = result.netmask;
    if (address.family == 4 && file->mmdb.metadata.ip_version == 6) netmask -= 96;
    record.prefix =
        std::max(record.prefix, static_cast<std::uint8_t>(std::clamp<int>(netmask, 0, bits)));
    if (!result.found_entry) continue;

    record.found = true;
    MMDB_entry_s entry = result.entry;
    const Paths& paths = *paths_;
    readCode(entry, paths.of(Paths::kContinent), record.continent);
    if (readCode(entry, paths.of(Paths::kCountry), record.country) && record.continent[0] == '\0') {
      if (const char* continent = detail::continentOfCountry(record.country)) {
        detail::copyCode(record.continent, continent, 2);
      }
    }
    if (readDouble(entry, paths.of(Paths::kLatitude), record.latitude) &&
        readDouble(entry, paths.of(Paths::kLongitude), record.longitude)) {
      record.has_point = true;
    } else {
      record.latitude = record.longitude = 0;
    }
    record.asn = readAsn(entry, paths.of(Paths::kAsn));
    break;
  }
  return record;
}

GeoRecord GeoDatabase::locate(const zones::IpAddress& address) const noexcept {
  if (!cache_ || (address.family != 4 && address.family != 6)) return locateUncached(address);
  // Slotted by the client's /24 or /48: every address of a database network that wide or wider
  // in a /24 finds the same entry; a longer network (a /28) is kept while its /24 asks for it.
  // Two ways: a /24 may be in either slot of its pair (adjacent cache lines), so two busy /24s
  // that hash alike do not evict each other at every turn.
  const std::size_t pair = base::subnetSlot(address.bytes.data(), address.family == 4 ? 3 : 6,
                                            address.family, cache_bits_) &
                           ~std::size_t{1};
  bool empty[2] = {false, false};
  for (std::size_t way = 0; way < 2; ++way) {
    CachedNetwork cached;
    if (!readSlot(cache_[pair + way], cached)) continue;  // being written: not this one
    if (cached.family == address.family &&
        std::memcmp(address.masked(cached.record.prefix).bytes.data(), cached.bytes, 16) == 0) {
      counterShard().hits.fetch_add(1, std::memory_order_relaxed);
      return cached.record;
    }
    empty[way] = cached.family == 0;
  }
  const std::uint64_t misses = counterShard().misses.fetch_add(1, std::memory_order_relaxed);
  const GeoRecord record = locateUncached(address);
  CachedNetwork fresh{};
  std::memcpy(fresh.bytes, address.masked(record.prefix).bytes.data(), 16);
  fresh.family = address.family;
  fresh.record = record;
  // An empty way, else either (by this thread's miss count: as good as random, and free).
  const std::size_t victim = empty[0] ? 0 : empty[1] ? 1 : (misses & 1);
  writeSlot(cache_[pair + victim], fresh);
  return record;
}

namespace {

// The seqlock's two halves (Boehm, "Can seqlocks get along with programming language memory
// models?", 2012): the words are atomics read and written relaxed, ordered by the fences.
bool readSlot(const GeoDatabase::Slot& slot, CachedNetwork& out) noexcept {
  const std::uint64_t before = slot.sequence.load(std::memory_order_acquire);
  if (before & 1) return false;
  std::uint64_t words[kSlotWords];
  for (std::size_t i = 0; i < kSlotWords; ++i) {
    words[i] = slot.words[i].load(std::memory_order_relaxed);
  }
  std::atomic_thread_fence(std::memory_order_acquire);
  if (slot.sequence.load(std::memory_order_relaxed) != before) return false;
  std::memcpy(&out, words, sizeof out);
  return true;
}

void writeSlot(GeoDatabase::Slot& slot, const CachedNetwork& in) noexcept {
  std::uint64_t sequence = slot.sequence.load(std::memory_order_relaxed);
  if ((sequence & 1) ||
      !slot.sequence.compare_exchange_strong(sequence, sequence + 1, std::memory_order_acquire,
                                             std::memory_order_relaxed)) {
    return;  // another thread is writing this slot: its entry will do
  }
  std::atomic_thread_fence(std::memory_order_release);
  std::uint64_t words[kSlotWords] = {};
  std::memcpy(words, &in, sizeof in);
  for (std::size_t i = 0; i < kSlotWords; ++i) {
    slot.words[i].store(words[i], std::memory_order_relaxed);
  }
  slot.sequence.store(sequence + 2, std::memory_order_release);
}

}  // namespace

}  // namespace nines::policy
