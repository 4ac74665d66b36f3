// `ninesctl explain` agrees with dnsd (DESIGN.md "Processes": explain says why client X gets
// answer Y). For clients drawn by a fixed PRNG — ECS networks from the documentation ranges,
// inside each [geo.nets] entry and the service nets, and outside all of them, with random source
// prefixes — the running dnsd is asked, then `ninesctl explain NAME TYPE --client 127.0.0.1 --ecs
// CIDR --config dnsd.toml --json` is run on the same dnsd.toml, and the two responses (answer
// section in order, authority, RCODE, ECS scope) must be the same. A second round passes
// --server after drains and health changes, so explain has to take them from /v1/status.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "nines/zones/ip.h"
#include "policy_harness.h"

namespace nines::integration {
namespace {

using nines::testing::CommandResult;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

// A bound on the whole comparison: it takes a second or two, several times that on a busy machine.
// Past this the test stops and says how far it got (a ninesctl that crawls, or waits out its
// timeout each time), rather than leaving it to CTest's timeout.
constexpr auto kTimeBudget = std::chrono::seconds(60);

// splitmix64: the same sequence on every machine and standard library.
class Prng {
 public:
  explicit Prng(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  std::size_t below(std::size_t n) { return static_cast<std::size_t>(next() % n); }
  template <typename T, std::size_t N>
  const T& pick(const T (&items)[N]) {
    return items[below(N)];
  }

 private:
  std::uint64_t state_;
};

// Networks to draw client addresses from: the documentation ranges, every [geo.nets] entry of
// gslbSections(), the service nets of gslb.test, and networks none of them covers.
const char* const kNetworks[] = {
    "192.0.2.0/24",
    "198.51.100.0/24",
    "203.0.113.0/24",
    "198.51.100.192/26",
    "198.18.0.0/15",
    "127.0.0.0/8",
    "233.252.0.0/24",
    "2001:db8::/32",
    "2001:db8:aaaa::/48",
    "2001:db8:bbbb::/48",
    "2001:db8:ff::/48",
    "::1/128",
    "10.0.0.0/8",
    "100.64.0.0/10",
    "172.16.0.0/12",
    "fd00::/8",
    "3fff::/20",
    "0.0.0.0/0",
    "::/0",
};
const std::uint8_t kV4Sources[] = {0, 8, 12, 16, 20, 22, 23, 24, 25, 26, 27, 28, 32};
const std::uint8_t kV6Sources[] = {0, 16, 32, 36, 40, 44, 48, 52, 56, 64, 128};
const char* const kNames[] = {"www", "www", "www", "api", "db", "cdn", "lat.edge", "static"};

// A random ECS network "ADDRESS/SOURCE": a random address inside one of kNetworks, cut to a
// random source prefix.
std::string randomEcs(Prng& prng) {
  std::string error;
  auto network = nines::zones::Cidr::parse(prng.pick(kNetworks), &error);
  if (!network) return "0.0.0.0/0";
  nines::zones::IpAddress address = network->network;
  std::size_t bits = address.bitLength();
  for (std::size_t i = network->prefix; i < bits; ++i) {
    if (prng.next() & 1u) {
      address.bytes[i / 8] = static_cast<std::uint8_t>(address.bytes[i / 8] | (0x80u >> (i % 8)));
    }
  }
  std::uint8_t source = address.family == 4 ? prng.pick(kV4Sources) : prng.pick(kV6Sources);
  return address.masked(source).toString() + "/" + std::to_string(source);
}

std::string squeeze(const std::string& text) {
  std::istringstream in(text);
  std::string word, out;
  while (in >> word) out += (out.empty() ? "" : " ") + word;
  return out;
}

Strings lines(const json& array) {
  Strings out;
  if (!array.is_array()) return out;
  for (const auto& line : array) out.push_back(squeeze(line.get<std::string>()));
  return out;
}

// "source /24, scope /16" -> 16; -1 when there is none.
int scopeOf(const std::string& ecs) {
  auto at = ecs.find("scope /");
  return at == std::string::npos ? -1 : std::atoi(ecs.c_str() + at + 7);
}

class PolicyExplain : public GslbTest {
 protected:
  void SetUp() override {
    GslbTest::SetUp();
    if (HasFatalFailure()) return;
    started_ = Clock::now();
  }

  // Asks dnsd and ninesctl explain the same question; false (with failures added) on a mismatch.
  // `ecs` "": no ECS option (the source address decides).
  bool compare(const std::string& name, const std::string& type, const std::string& ecs, bool live,
               Transport transport = Transport::Udp) {
    SCOPED_TRACE(name + " " + type + " ECS " + ecs + (live ? " --server" : "") +
                 (transport == Transport::Tcp ? " --tcp" : ""));
    Response dnsd = server_->askEcs(name, type, ecs, transport);
    std::vector<std::string> args = {nines::testing::binaryPath("ninesctl"),
                                     "explain",
                                     name,
                                     type,
                                     "--client",
                                     "127.0.0.1",
                                     "--config",
                                     server_->configPath(),
                                     "--json"};
    if (!ecs.empty()) {
      args.push_back("--ecs");
      args.push_back(ecs);
    }
    if (transport == Transport::Tcp) args.push_back("--tcp");
    if (live) {
      args.push_back("--server");
      args.push_back("http://127.0.0.1:" + std::to_string(http_));
    }
    CommandResult run = nines::testing::runCommand(args, std::chrono::seconds(15));
    if (!dnsd.parsed || run.status != 0) {
      ADD_FAILURE() << "dnsd parsed " << dnsd.parsed << "; ninesctl exit " << run.status << ": "
                    << run.err;
      return false;
    }
    json explained = json::parse(run.out, nullptr, false);
    if (!explained.is_object() || !explained.contains("response")) {
      ADD_FAILURE() << "not explain JSON: " << run.out;
      return false;
    }
    const json& response = explained["response"];
    bool same = true;
    auto check = [&](bool ok, const std::string& what) {
      if (!ok) ADD_FAILURE() << what << "\nexplain: " << run.out;
      same = same && ok;
    };
    check(lines(response["answer"]) == dnsd.answer,
          "answer differs; dnsd: " + ::testing::PrintToString(dnsd.answer));
    check(lines(response["authority"]) == dnsd.authority,
          "authority differs; dnsd: " + ::testing::PrintToString(dnsd.authority));
    check(response.value("rcode", "") == dnsd.rcode, "rcode differs; dnsd: " + dnsd.rcode);
    check(scopeOf(response.value("ecs", "")) == ecsScope(dnsd),
          "ECS scope differs; dnsd: " + dnsd.ecs_option);
    // The decision's own account of the answer matches the response it made.
    if (explained.value("service", false)) {
      check(lines(explained["decision"]["answer"]) == addressesOf(dnsd.answer),
            "decision.answer differs from the response");
    }
    return same;
  }

  void compareRandomClients(Prng& prng, int count, bool live) {
    int mismatches = 0;
    for (int i = 0; i < count && mismatches < 5; ++i) {
      ASSERT_LT(Clock::now() - started_, kTimeBudget) << "after " << i << " clients";
      std::string name = std::string(prng.pick(kNames)) + ".gslb.test.";
      std::string type = prng.below(4) == 0 ? "AAAA" : "A";
      if (!compare(name, type, randomEcs(prng), live)) ++mismatches;
    }
    EXPECT_EQ(mismatches, 0) << "(stops after 5)";
  }

  Clock::time_point started_;
};

TEST_F(PolicyExplain, AgreesWithDnsdForOneHundredRandomClients) {
  Prng prng(20240611);
  compareRandomClients(prng, 100, /*live=*/false);
}

TEST_F(PolicyExplain, AgreesWithDnsdOnTheGeoTableAndWithoutEcs) {
  // Each network's first address at its own prefix, and the exact cases of the geo table.
  for (const char* ecs :
       {"192.0.2.0/24", "198.51.100.0/24", "198.51.100.5/32", "198.51.100.192/26", "203.0.113.0/24",
        "198.18.0.0/15", "233.252.0.0/16", "10.1.2.0/24", "0.0.0.0/0", "2001:db8:aaaa::/48",
        "2001:db8:bbbb::/48", "2001:db8:ff::/48", "::/0"}) {
    for (const char* type : {"A", "AAAA"}) compare("www.gslb.test.", type, ecs, false);
  }
  // Without ECS, and over TCP.
  for (const char* name : {"www", "api", "db", "cdn", "lat.edge", "static", "ns1", "nowhere"}) {
    compare(std::string(name) + ".gslb.test.", "A", "", false);
    compare(std::string(name) + ".gslb.test.", "AAAA", "198.51.100.0/24", false, Transport::Tcp);
  }
}

TEST_F(PolicyExplain, WithServerItSeesTheLiveDrainsAndHealth) {
  ASSERT_EQ(drain(R"({"service": "www", "region": "eu-west"})").status, 200);
  ASSERT_EQ(drain(R"({"service": "api", "endpoint": "192.0.2.20"})").status, 200);
  ASSERT_EQ(setHealth(http_, "db", "us-east", "", "down"), 200);
  ASSERT_EQ(setHealth(http_, "www", "", "192.0.2.10", "down"), 200);
  ASSERT_EQ(setHealth(http_, "lat.edge", "", "", "down"), 200);  // fail open
  // The changes are visible, so agreement below means explain took them from dnsd.
  EXPECT_EQ(server_->ask("db.gslb.test.", "A").answer,
            Strings{"db.gslb.test. 30 IN A 198.51.100.30"});
  for (const char* ecs : {"198.51.100.0/24", "192.0.2.0/24", "198.18.7.0/24"}) {
    compare("www.gslb.test.", "A", ecs, true);
    compare("api.gslb.test.", "A", ecs, true);
    compare("db.gslb.test.", "A", ecs, true);
    compare("lat.edge.gslb.test.", "A", ecs, true);
  }
  // Every lat.edge region down: the explanation says it failed open.
  CommandResult run = nines::testing::runCommand(
      {nines::testing::binaryPath("ninesctl"), "explain", "lat.edge.gslb.test.", "A", "--client",
       "127.0.0.1", "--config", server_->configPath(), "--json", "--server",
       "http://127.0.0.1:" + std::to_string(http_)});
  json explained = json::parse(run.out, nullptr, false);
  ASSERT_TRUE(explained.is_object()) << run.out << run.err;
  EXPECT_TRUE(explained["decision"].value("fail_open", false)) << run.out;
  EXPECT_EQ(explained["decision"].value("outcome", ""), "fail_open") << run.out;

  Prng prng(7);
  compareRandomClients(prng, 40, /*live=*/true);
}

}  // namespace
}  // namespace nines::integration
