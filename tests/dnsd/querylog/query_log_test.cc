// The per-worker log end to end in-process: what workers log is in the file, in order, with the
// policy outcome; sampling logs one in N; and a writer that falls behind makes the log drop and
// count, never wait.
#include "nines/dnsd/querylog/query_log.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "nines/dnsd/querylog/dnstap_codec.h"
#include "process.h"

namespace nines::dnsd::querylog {
namespace {

using nines::testing::TempDir;

// A query and its response for one exchange, told apart by their ID.
struct Packet {
  std::vector<std::uint8_t> query = {0, 0, 0x01, 0x00, 0,   1, 0, 0, 0, 0, 0,
                                     0, 3, 'w',  'w',  'w', 0, 0, 1, 0, 1};
  std::vector<std::uint8_t> response;
  sockaddr_in peer{};
  sockaddr_in local{};

  explicit Packet(std::uint16_t id) {
    query[0] = static_cast<std::uint8_t>(id >> 8);
    query[1] = static_cast<std::uint8_t>(id);
    response = query;
    response[2] = 0x84;
    peer.sin_family = local.sin_family = AF_INET;
    inet_pton(AF_INET, "198.51.100.7", &peer.sin_addr);
    inet_pton(AF_INET, "127.0.0.1", &local.sin_addr);
    peer.sin_port = htons(static_cast<std::uint16_t>(10000 + id % 1000));
    local.sin_port = htons(53);
  }
  Exchange exchange() const {
    Exchange e;
    e.query = query.data();
    e.query_size = query.size();
    e.response = response.data();
    e.response_size = response.size();
    e.peer = reinterpret_cast<const sockaddr*>(&peer);
    e.local = reinterpret_cast<const sockaddr*>(&local);
    clock_gettime(CLOCK_REALTIME, &e.received);
    return e;
  }
};

// A service answer from region eu-west, as lookUp() leaves it in the worker's context.
struct ServiceAnswer {
  policy::ServicePlan plan;
  PolicyContext context;
  QueryResult result;
  ServiceAnswer() {
    std::string error;
    plan.owner = *zones::Name::fromText("www.example.test.", nullptr, &error);
    plan.owner_text = plan.owner.toText();
    plan.regions.resize(2);
    plan.regions[0].name = "us-east";
    plan.regions[1].name = "eu-west";
    context.service = &plan;
    context.decision.picks[context.decision.count++] = {1, 0};
    result.parse = ParseOutcome::Ok;
  }
};

QueryLogConfig fileConfig(const TempDir& dir) {
  QueryLogConfig config;
  config.enabled = true;
  config.path = dir.path() + "/queries.dnstap";
  config.identity = "ns1";
  return config;
}

TEST(QueryLog, EveryLoggedExchangeIsInTheFileInOrder) {
  TempDir dir;
  const QueryLogConfig config = fileConfig(dir);
  ServiceAnswer answer;
  constexpr int kPerWorker = 200;
  {
    std::string error;
    auto log = QueryLog::open(config, 2, &error);
    ASSERT_TRUE(log) << error;
    ASSERT_EQ(log->workers(), 2u);
    // Each worker from a thread of its own, as dnsd runs them.
    std::vector<std::thread> threads;
    for (std::size_t w = 0; w < 2; ++w) {
      threads.emplace_back([&, w] {
        for (int i = 0; i < kPerWorker; ++i) {
          Packet packet(static_cast<std::uint16_t>(w * 1000 + i));
          log->worker(w)->log(packet.exchange(), answer.result, answer.context);
        }
      });
    }
    for (auto& thread : threads) thread.join();
    EXPECT_EQ(log->messages(), 2u * kPerWorker);
    EXPECT_EQ(log->dropped(), 0u);
  }  // closing the log writes what is queued
  std::string error;
  auto records = readDnstapFile(config.path, &error);
  ASSERT_TRUE(records) << error;
  ASSERT_EQ(records->size(), 2u * kPerWorker);
  int next[2] = {0, 0};
  for (const DnstapRecord& record : *records) {
    EXPECT_TRUE(record.query.empty()) << "the response alone unless query_message = true";
    ASSERT_EQ(record.response.size(), 21u);
    const int id = record.response[0] << 8 | record.response[1];
    const int worker = id / 1000;
    EXPECT_EQ(id % 1000, next[worker]++) << "a worker's frames are written in the order logged";
    EXPECT_EQ(record.kind, 2);
    EXPECT_EQ(record.response[2], 0x84);
    EXPECT_EQ(record.query_address.toString(), "198.51.100.7");
    EXPECT_EQ(record.response_port, 53);
    EXPECT_EQ(record.identity, "ns1");
    EXPECT_EQ(record.extra, "service=www.example.test. regions=eu-west outcome=primary");
  }
}

TEST(QueryLog, QueriesComeBeforeTheirResponsesWhenAskedFor) {
  TempDir dir;
  QueryLogConfig config = fileConfig(dir);
  config.queries = true;
  ServiceAnswer answer;
  {
    std::string error;
    auto log = QueryLog::open(config, 1, &error);
    ASSERT_TRUE(log) << error;
    for (int i = 0; i < 3; ++i) {
      log->worker(0)->log(Packet(static_cast<std::uint16_t>(i)).exchange(), answer.result,
                          answer.context);
    }
  }
  std::string error;
  auto records = readDnstapFile(config.path, &error);
  ASSERT_TRUE(records) << error;
  ASSERT_EQ(records->size(), 6u);
  for (std::size_t i = 0; i < records->size(); ++i) {
    EXPECT_EQ((*records)[i].kind, i % 2 == 0 ? 1 : 2);
    EXPECT_EQ((*records)[i].extra.empty(), i % 2 == 0);  // the outcome is the response's
    EXPECT_EQ((*records)[i].query.size(), i % 2 == 0 ? 21u : 0u);
  }
}

TEST(QueryLog, ABatchIsHeldUntilSentAndStampedThen) {
  TempDir dir;
  const QueryLogConfig config = fileConfig(dir);
  ServiceAnswer answer;
  timespec received{};
  timespec before_sent{};
  {
    std::string error;
    auto log = QueryLog::open(config, 1, &error);
    ASSERT_TRUE(log) << error;
    // More than a batch: the first 64 go to the writer when the 65th comes.
    for (int i = 0; i < 70; ++i) {
      const Packet packet(static_cast<std::uint16_t>(i));
      Exchange exchange = packet.exchange();
      exchange.batched = true;
      if (i == 0) received = exchange.received;
      exchange.received = received;
      log->worker(0)->log(exchange, answer.result, answer.context);
    }
    EXPECT_EQ(log->messages(), 64u);
    clock_gettime(CLOCK_REALTIME, &before_sent);
    log->worker(0)->sent();
    EXPECT_EQ(log->messages(), 70u);
    log->worker(0)->sent();  // nothing held: nothing more
    EXPECT_EQ(log->messages(), 70u);
  }
  std::string error;
  auto records = readDnstapFile(config.path, &error);
  ASSERT_TRUE(records) << error;
  ASSERT_EQ(records->size(), 70u);
  auto nanoseconds = [](const timespec& t) {
    return static_cast<long long>(t.tv_sec) * 1000000000LL + t.tv_nsec;
  };
  for (std::size_t i = 0; i < records->size(); ++i) {
    const DnstapRecord& record = (*records)[i];
    EXPECT_EQ(record.response[1], static_cast<std::uint8_t>(i));
    EXPECT_EQ(nanoseconds(record.query_time), nanoseconds(received));
    EXPECT_GE(nanoseconds(record.response_time), nanoseconds(received));
    if (i >= 64) {
      EXPECT_GE(nanoseconds(record.response_time), nanoseconds(before_sent));
    }
  }
}

TEST(QueryLog, QueryMessageTruePutsTheQueryInTheResponseFrame) {
  TempDir dir;
  QueryLogConfig config = fileConfig(dir);
  config.query_message = true;
  ServiceAnswer answer;
  {
    std::string error;
    auto log = QueryLog::open(config, 1, &error);
    ASSERT_TRUE(log) << error;
    log->worker(0)->log(Packet(7).exchange(), answer.result, answer.context);
  }
  std::string error;
  auto records = readDnstapFile(config.path, &error);
  ASSERT_TRUE(records) << error;
  ASSERT_EQ(records->size(), 1u);
  EXPECT_EQ((*records)[0].kind, 2);
  ASSERT_EQ((*records)[0].query.size(), 21u);
  EXPECT_EQ((*records)[0].query[1], 7);
  EXPECT_EQ((*records)[0].response.size(), 21u);
}

TEST(QueryLog, AQueryThatDidNotParseCarriesNoOutcome) {
  TempDir dir;
  const QueryLogConfig config = fileConfig(dir);
  ServiceAnswer answer;
  answer.result.parse = ParseOutcome::FormErr;  // the context holds an older query's decision
  {
    std::string error;
    auto log = QueryLog::open(config, 1, &error);
    ASSERT_TRUE(log) << error;
    log->worker(0)->log(Packet(1).exchange(), answer.result, answer.context);
  }
  std::string error;
  auto records = readDnstapFile(config.path, &error);
  ASSERT_TRUE(records) << error;
  ASSERT_EQ(records->size(), 1u);
  EXPECT_EQ((*records)[0].extra, "");
}

TEST(QueryLog, SamplingLogsOneInN) {
  TempDir dir;
  const std::vector<std::pair<std::uint32_t, int>> cases = {{1, 1000}, {3, 333}, {10, 100}};
  for (const auto& [sample, expected] : cases) {
    QueryLogConfig config = fileConfig(dir);
    config.sample = sample;
    std::string error;
    auto log = QueryLog::open(config, 1, &error);
    ASSERT_TRUE(log) << error;
    int taken = 0;
    for (int i = 0; i < 1000; ++i) taken += log->worker(0)->sampled() ? 1 : 0;
    EXPECT_EQ(taken, expected) << "sample = " << sample;
  }
}

// A Frame Streams reader that never answers: a unix socket listening that nobody accepts from.
// The writer connects into the backlog and waits for the handshake forever, so the queue fills.
class SilentReader {
 public:
  explicit SilentReader(const std::string& path) {
    fd_ = socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::snprintf(address.sun_path, sizeof address.sun_path, "%s", path.c_str());
    bound_ = bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
             listen(fd_, 4) == 0;
  }
  // Closing the listener resets the connection the writer waits on, so the log can shut down.
  ~SilentReader() { close(); }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  bool bound() const { return bound_; }

 private:
  int fd_ = -1;
  bool bound_ = false;
};

TEST(QueryLog, AWriterThatFallsBehindMakesTheLogDropAndCountNotWait) {
  TempDir dir;
  QueryLogConfig config;
  config.enabled = true;
  config.socket = dir.path() + "/dnstap.sock";
  config.queue_entries = 16;
  SilentReader reader(config.socket);
  ASSERT_TRUE(reader.bound());
  ServiceAnswer answer;
  constexpr int kExchanges = 20000;
  std::string error;
  auto log = QueryLog::open(config, 1, &error);
  ASSERT_TRUE(log) << error;
  Packet packet(7);
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < kExchanges; ++i) {
    log->worker(0)->log(packet.exchange(), answer.result, answer.context);
  }
  const auto elapsed = std::chrono::steady_clock::now() - start;
  // 20,000 frames take a few milliseconds when nothing waits; the bound is for a loaded machine.
  EXPECT_LT(elapsed, std::chrono::seconds(5));
  EXPECT_EQ(log->messages() + log->dropped(), static_cast<std::uint64_t>(kExchanges));
  EXPECT_GT(log->dropped(), static_cast<std::uint64_t>(kExchanges / 2));
  EXPECT_LE(log->messages(), 64u) << "no more than the queue (and its wake-up slack) holds";
  reader.close();
  log.reset();  // must return: the writer gives up on the reset connection
}

TEST(QueryLog, AFullRingDropsAndCountsAndWhatWasKeptIsWhole) {
  TempDir dir;
  QueryLogConfig config = fileConfig(dir);
  config.ring_bytes = 1024;  // room for a handful of frames
  ServiceAnswer answer;
  std::uint64_t messages = 0;
  {
    std::string error;
    auto log = QueryLog::open(config, 1, &error);
    ASSERT_TRUE(log) << error;
    // Until the ring has overflowed: the writer keeps up with a worker the scheduler keeps
    // pausing (a busy machine, sanitizers), so how many that takes is not fixed; bounded.
    constexpr int kMostExchanges = 200000;
    int exchanges = 0;
    while (exchanges < 1000 || (log->dropped() == 0 && exchanges < kMostExchanges)) {
      log->worker(0)->log(Packet(static_cast<std::uint16_t>(exchanges)).exchange(), answer.result,
                          answer.context);
      ++exchanges;
    }
    messages = log->messages();
    EXPECT_EQ(messages + log->dropped(), static_cast<std::uint64_t>(exchanges));
    EXPECT_GT(log->dropped(), 0u) << "a 1 KiB ring never overflowed in " << exchanges;
  }
  std::string error;
  auto records = readDnstapFile(config.path, &error);
  ASSERT_TRUE(records) << error;
  EXPECT_EQ(records->size(), messages);
  for (const auto& record : *records) {
    EXPECT_EQ(record.extra, "service=www.example.test. regions=eu-west outcome=primary");
  }
}

TEST(QueryLog, AFileThatCannotBeCreatedIsAnError) {
  QueryLogConfig config;
  config.enabled = true;
  config.path = "/nonexistent/dir/queries.dnstap";
  std::string error;
  EXPECT_FALSE(QueryLog::open(config, 1, &error));
  EXPECT_NE(error.find("/nonexistent/dir/queries.dnstap"), std::string::npos);
}

}  // namespace
}  // namespace nines::dnsd::querylog
