// Logging an exchange allocates nothing on the worker: the frame is written into the worker's
// ring, the outcome text into its buffer, and fstrm's queue takes a pointer. Counted by
// interposing malloc and friends (glibc exports the real ones as __libc_*), as
// tests/policy/no_allocation_test.cc does.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>

#include <atomic>
#include <cstddef>

#include "nines/dnsd/querylog/query_log.h"
#include "process.h"

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

namespace {
std::atomic<long> allocations{0};
thread_local bool counting = false;
void* volatile sink = nullptr;
}  // namespace

#if NINES_COUNT_ALLOCATIONS
extern "C" {
void* __libc_malloc(std::size_t size);
void* __libc_calloc(std::size_t count, std::size_t size);
void* __libc_realloc(void* pointer, std::size_t size);
void __libc_free(void* pointer);

void* malloc(std::size_t size) {
  if (counting) ++allocations;
  return __libc_malloc(size);
}
void* calloc(std::size_t count, std::size_t size) {
  if (counting) ++allocations;
  return __libc_calloc(count, size);
}
void* realloc(void* pointer, std::size_t size) {
  if (counting) ++allocations;
  return __libc_realloc(pointer, size);
}
void free(void* pointer) { __libc_free(pointer); }
}
#endif

namespace nines::dnsd::querylog {
namespace {

template <class Body>
long allocationsIn(Body&& body) {
  allocations = 0;
  counting = true;
  body();
  counting = false;
  return allocations.load();
}

TEST(QueryLogNoAllocation, LoggingAnExchangeAllocatesNothing) {
  if (!NINES_COUNT_ALLOCATIONS) GTEST_SKIP() << "sanitizers own malloc";
  // The counter itself must see an allocation, or the test proves nothing.
  ASSERT_GT(allocationsIn([] {
              sink = ::operator new(32);
              ::operator delete(sink);
            }),
            0);

  nines::testing::TempDir dir;
  QueryLogConfig config;
  config.enabled = true;
  config.path = dir.path() + "/queries.dnstap";
  config.identity = "ns1";
  config.queries = true;
  std::string error;
  auto log = QueryLog::open(config, 1, &error);
  ASSERT_TRUE(log) << error;

  policy::ServicePlan plan;
  plan.owner = *zones::Name::fromText("www.example.test.", nullptr, &error);
  plan.regions.resize(1);
  plan.regions[0].name = "eu-west";
  PolicyContext policy;
  policy.service = &plan;
  policy.decision.picks[policy.decision.count++] = {0, 0};
  QueryResult result;
  result.parse = ParseOutcome::Ok;
  const std::uint8_t query[] = {0, 1, 1,   0,   0,   1, 0, 0, 0, 0, 0,
                                0, 3, 'w', 'w', 'w', 0, 0, 1, 0, 1};
  sockaddr_in peer{};
  peer.sin_family = AF_INET;
  peer.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  Exchange exchange;
  exchange.query = exchange.response = query;
  exchange.query_size = exchange.response_size = sizeof query;
  exchange.peer = exchange.local = reinterpret_cast<const sockaddr*>(&peer);
  WorkerQueryLog& worker = *log->worker(0);
  worker.log(exchange, result, policy);  // first use of anything lazily set up

  EXPECT_EQ(allocationsIn([&] {
              for (int i = 0; i < 1000; ++i) {
                if (worker.sampled()) worker.log(exchange, result, policy);
              }
            }),
            0);
  EXPECT_GT(worker.messages(), 1u);
}

}  // namespace
}  // namespace nines::dnsd::querylog
