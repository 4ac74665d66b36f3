// Logging an exchange allocates nothing on the worker: the frame is written into the worker's
// ring, the outcome text into its buffer, and fstrm's queue takes a pointer. Counted by
// interposing malloc and friends (tests/support/allocation_counter.h).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>

#include <cstddef>

#include "allocation_counter.h"
#include "nines/dnsd/querylog/query_log.h"
#include "process.h"

namespace nines::dnsd::querylog {
namespace {

using nines::testing::allocationsIn;
void* volatile sink = nullptr;

TEST(QueryLogNoAllocation, LoggingAnExchangeAllocatesNothing) {
  if (!nines::testing::kCountsAllocations) GTEST_SKIP() << "sanitizers own malloc";
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
  plan.owner_text = plan.owner.toText();
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
