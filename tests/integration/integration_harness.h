// Shared by the integration tests: a dnsd started on loopback with the zones they serve (mostly
// those of answer_cases.h), and the two transports every case can run over. Responses are decoded
// by ldns (dns_client.h), never by dnsd's own parser.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "answer_cases.h"
#include "dns_client.h"
#include "http_client.h"
#include "loopback.h"
#include "process.h"
#include "status_json.h"
#include "zone_text.h"

namespace nines::integration {

using Bytes = std::vector<std::uint8_t>;
using Strings = std::vector<std::string>;

// The test support every integration test reaches for, by its short name.
using nines::testing::buildQuery;
using nines::testing::decodeResponse;
using nines::testing::ecsQuery;
using nines::testing::ednsQuery;
using nines::testing::endpointState;
using nines::testing::endpointStatus;
using nines::testing::exampleZone;
using nines::testing::freePort;
using nines::testing::httpGet;
using nines::testing::httpPost;
using nines::testing::HttpReply;
using nines::testing::ipv6LoopbackAvailable;
using nines::testing::proberStatus;
using nines::testing::QueryOptions;
using nines::testing::regionStatus;
using nines::testing::reportCount;
using nines::testing::Response;
using nines::testing::serviceStatus;
using nines::testing::shortTtlZone;
using nines::testing::statusJson;
using nines::testing::TcpConnection;
using nines::testing::voteOf;
using nines::testing::waitUntil;

enum class Transport { Udp, Tcp };

// For INSTANTIATE_TEST_SUITE_P: "Udp" / "Tcp".
std::string transportName(const ::testing::TestParamInfo<Transport>& info);

// The [regions] tables of the traffic zones (gslb.test, health.test): us-east (Washington), eu-west
// (Dublin) and ap-south (Mumbai), each with its location, one line a key.
extern const char* const kRegionTables;

// A dnsd serving zone files `zones` (file name -> content) from a temporary directory.
class DnsdServer {
 public:
  struct Options {
    std::vector<std::string> listen = {"127.0.0.1:0"};
    std::string server_extra;  // more lines for [server], e.g. "tcp_idle_timeout = 0.5\n"
    unsigned threads = 1;      // UDP workers per address
  };
  DnsdServer(const std::map<std::string, std::string>& zones, Options options)
      : DnsdServer(zones, std::move(options), "") {}
  // `sections`: more of dnsd.toml after [server], e.g. "[http]\nlisten = \"127.0.0.1:0\"\n".
  DnsdServer(const std::map<std::string, std::string>& zones, Options options,
             const std::string& sections);
  explicit DnsdServer(const std::map<std::string, std::string>& zones)
      : DnsdServer(zones, Options{}) {}

  // Waits until dnsd logs that it is ready; false (with the log in the failure) if it is not.
  bool ready();
  nines::testing::DnsdProcess& process() { return *process_; }
  std::uint16_t port() const { return process_->port(); }
  // The port of the HTTP API (from "http listening on 127.0.0.1:PORT"), 0 when there is none.
  std::uint16_t httpPort() const { return process_->httpPort(); }
  std::string configPath() const { return dir_.path() + "/dnsd.toml"; }
  const nines::testing::TempDir& dir() const { return dir_; }
  std::string zonePath(const std::string& file) const;
  // Rewrites a zone file (the caller sends SIGHUP to have it read).
  void writeZone(const std::string& file, const std::string& content) const;

  // Sends `wire` over `transport`; the raw response, or nullopt when none came in `timeout_ms`.
  std::optional<Bytes> exchange(const Bytes& wire, Transport transport,
                                int timeout_ms = nines::testing::kAnswerTimeoutMs,
                                bool ipv6 = false, std::uint16_t port = 0) const;
  // Builds a query, sends it and decodes the answer (`parsed` false when there was none).
  nines::testing::Response ask(const std::string& name, const std::string& type,
                               Transport transport = Transport::Udp,
                               const nines::testing::QueryOptions& options = {}) const;
  // ask() with EDNS and a client subnet option for `ecs` (none when empty), as
  // nines::testing::ecsQuery builds it.
  nines::testing::Response askEcs(const std::string& name, const std::string& type,
                                  const std::string& ecs,
                                  Transport transport = Transport::Udp) const;
  nines::testing::Response send(const Bytes& wire, Transport transport = Transport::Udp) const;

 private:
  nines::testing::TempDir dir_;
  std::unique_ptr<nines::testing::DnsdProcess> process_;
};

// QueryOptions set up by `edit`, e.g. with([](auto& o) { o.edns = true; }). (Designated
// initializers would warn about the members left out.)
template <typename Edit>
nines::testing::QueryOptions with(Edit edit) {
  nines::testing::QueryOptions options;
  edit(options);
  return options;
}
// A plain query's options with message ID `id`, for telling responses apart.
inline nines::testing::QueryOptions withId(std::uint16_t id) {
  return with([id](auto& o) { o.id = id; });
}

// A fixture whose test suite shares one dnsd serving example.test and short.test (answerZones()).
// `Base` is
// ::testing::Test or ::testing::TestWithParam<Transport>.
template <typename Base = ::testing::Test>
class SharedServerTest : public Base {
 protected:
  static void SetUpTestSuite() { server_ = new DnsdServer(nines::testing::answerZones()); }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  void SetUp() override { ASSERT_TRUE(server_->ready()); }

  static inline DnsdServer* server_ = nullptr;
};

// Raw edits of query bytes, for the malformed and unusual cases ldns will not build.
Bytes withOpcode(Bytes wire, int opcode);
Bytes withCount(Bytes wire, int section, std::uint16_t count);  // 0 QD, 1 AN, 2 NS, 3 AR
// A query whose OPT record is repeated (ARCOUNT 2). `wire` must end with an option-less OPT.
Bytes withSecondOpt(Bytes wire);

// The TTL field (second word) of a "owner TTL IN TYPE RDATA" line.
std::string ttlOf(const std::string& record);
// The type field of such a line.
std::string typeOf(const std::string& record);

// The RDATA (last field) of each A/AAAA record of an answer section, in order.
Strings addressesOf(const Strings& answer);
// The SCOPE of an ECS option as Response::ecs_option shows it ("addr/source/scope"), -1 if none.
int ecsScope(const nines::testing::Response& response);

}  // namespace nines::integration
