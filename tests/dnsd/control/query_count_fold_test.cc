// The query counters of the workers (serve/query_counters.h) summed by name across zone tables
// (control/query_count_fold.h): counts follow a zone and a service by name when a reload gives
// them other slots, nothing counted before a table swap is lost, and a worker still on the old
// table keeps counting under the old table's names.
#include "nines/dnsd/control/query_count_fold.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "dns_client.h"
#include "nines/dnsd/serve/query_pipeline.h"
#include "nines/dnsd/wire/message.h"
#include "nines/zones/loader.h"
#include "process.h"
#include "zone_text.h"

namespace nines::dnsd {
namespace {

std::string zoneWithService(const std::string& origin) {
  return nines::testing::zoneHead(origin, 1) + "\"@\" = [\"NS ns1." + origin +
         "\"]\nns1 = [\"A 192.0.2.53\"]\n[regions.r1]\n[regions.r2]\n"
         "[services.www]\npolicy = \"failover\"\norder = [\"r1\", \"r2\"]\n"
         "[services.www.pools.r1]\nendpoints = [\"192.0.2.1\"]\n"
         "[services.www.pools.r2]\nendpoints = [\"192.0.2.2\"]\n";
}

// A serving state of the zones `files` (file name -> text), given slots in the order of `files`.
std::shared_ptr<const ServingState> stateOf(
    const std::vector<std::pair<std::string, std::string>>& files, std::uint64_t generation) {
  nines::testing::TempDir dir;
  for (const auto& [file, text] : files) dir.write("zones/" + file, text);
  auto loaded = zones::loadZones(dir.path() + "/zones");
  for (const auto& error : loaded.errors) ADD_FAILURE() << error.toString();
  auto position = [&](const zones::Zone& zone) {
    for (std::size_t i = 0; i < files.size(); ++i) {
      if (zone.file.size() >= files[i].first.size() &&
          zone.file.compare(zone.file.size() - files[i].first.size(), std::string::npos,
                            files[i].first) == 0) {
        return i;
      }
    }
    return files.size();
  };
  std::sort(loaded.zones.begin(), loaded.zones.end(),
            [&](const zones::Zone& a, const zones::Zone& b) { return position(a) < position(b); });
  auto state = std::make_shared<ServingState>();
  state->generation = generation;
  state->zones = ZoneTable::build(std::move(loaded.zones));
  std::string error;
  state->locator = policy::ClientLocator::create({}, "", &error);
  return state;
}

class Worker {
 public:
  Worker() { context_.counters = &counters_; }
  const QueryCounters& counters() const { return counters_; }
  void ask(const ServingState& state, const std::string& name, const std::string& type,
           Transport transport = Transport::Udp) {
    const auto wire = nines::testing::buildQuery(name, type, {});
    std::vector<std::uint8_t> out(kMaxTcpMessage);
    processQuery(state, wire.data(), wire.size(), *zones::IpAddress::parse("127.0.0.1"), transport,
                 kMaxUdpPayload, context_, out.data());
  }

 private:
  QueryCounters counters_;
  QueryContext context_;
};

std::uint64_t queries(const QueryTotals& totals, const std::string& zone, std::size_t qtype,
                      std::size_t rcode, Transport transport) {
  auto it = totals.queries.find(zone);
  if (it == totals.queries.end()) return 0;
  return it->second[QueryTotals::queryIndex(qtype, rcode, static_cast<std::size_t>(transport))];
}

constexpr std::size_t kA = 0, kTxt = 6, kNoError = 0, kNxDomain = 1, kRefused = 3;
constexpr auto kPrimary = static_cast<std::size_t>(policy::DecisionOutcome::Primary);

TEST(QueryCountFold, CountsByNameAcrossATableSwap) {
  // a.test. is slot 0 of the first table and slot 1 of the second.
  const auto first = stateOf({{"a.toml", zoneWithService("a.test.")}}, 1);
  const auto second =
      stateOf({{"b.toml", zoneWithService("b.test.")}, {"a.toml", zoneWithService("a.test.")}}, 2);
  ASSERT_EQ(second->zones->zones()[1]->origin.toText(), "a.test.");
  QueryCountFold fold;
  Worker one, two;
  fold.addWorker(&one.counters());
  fold.addWorker(&two.counters());
  fold.addTable(*first->zones);

  for (int i = 0; i < 3; ++i) one.ask(*first, "www.a.test.", "A");
  two.ask(*first, "nope.a.test.", "A");
  one.ask(*first, "elsewhere.test.", "TXT", Transport::Tcp);
  QueryTotals totals = fold.totals();
  EXPECT_EQ(queries(totals, "a.test.", kA, kNoError, Transport::Udp), 3u);
  EXPECT_EQ(queries(totals, "a.test.", kA, kNxDomain, Transport::Udp), 1u);
  EXPECT_EQ(queries(totals, "none", kTxt, kRefused, Transport::Tcp), 1u);
  EXPECT_EQ(totals.answers["www.a.test."]["r1"], 3u);
  EXPECT_EQ(totals.answers["www.a.test."]["r2"], 0u);
  EXPECT_EQ(totals.decisions["www.a.test."][kPrimary], 3u);

  // Worker one moves to the second table (its first block is retired); two stays on the first.
  fold.addTable(*second->zones);
  for (int i = 0; i < 2; ++i) one.ask(*second, "www.a.test.", "A");
  one.ask(*second, "www.b.test.", "A");
  two.ask(*first, "nope.a.test.", "A");
  totals = fold.totals();
  EXPECT_EQ(queries(totals, "a.test.", kA, kNoError, Transport::Udp), 5u);
  EXPECT_EQ(queries(totals, "a.test.", kA, kNxDomain, Transport::Udp), 2u);
  EXPECT_EQ(queries(totals, "b.test.", kA, kNoError, Transport::Udp), 1u);
  EXPECT_EQ(queries(totals, "none", kTxt, kRefused, Transport::Tcp), 1u);
  EXPECT_EQ(totals.answers["www.a.test."]["r1"], 5u);
  EXPECT_EQ(totals.answers["www.b.test."]["r1"], 1u);
  EXPECT_EQ(totals.decisions["www.a.test."][kPrimary], 5u);
  EXPECT_EQ(totals.decisions["www.b.test."][kPrimary], 1u);

  // Folding again (the control thread does it every second) neither loses nor doubles a count.
  fold.foldRetired();
  fold.foldRetired();
  two.ask(*second, "www.a.test.", "A");  // two moves as well
  totals = fold.totals();
  EXPECT_EQ(queries(totals, "a.test.", kA, kNoError, Transport::Udp), 6u);
  EXPECT_EQ(queries(totals, "a.test.", kA, kNxDomain, Transport::Udp), 2u);
  EXPECT_EQ(totals.decisions["www.a.test."][kPrimary], 6u);
  EXPECT_EQ(totals.answers["www.a.test."]["r1"], 6u);
}

// Every service and region of the latest table is in the totals, at zero, before any query.
TEST(QueryCountFold, ServicesOfTheLatestTableStartAtZero) {
  const auto state = stateOf({{"a.toml", zoneWithService("a.test.")}}, 1);
  QueryCountFold fold;
  fold.addTable(*state->zones);
  QueryTotals totals = fold.totals();
  EXPECT_TRUE(totals.queries.empty());
  ASSERT_EQ(totals.answers.count("www.a.test."), 1u);
  EXPECT_EQ(totals.answers["www.a.test."].size(), 2u);
  EXPECT_EQ(totals.decisions["www.a.test."][kPrimary], 0u);
}

TEST(QueryCounterBuckets, NamesAreTheContractsLabels) {
  EXPECT_STREQ(qtypeBucketName(qtypeBucket(zones::rrtype::HTTPS)), "HTTPS");
  EXPECT_STREQ(qtypeBucketName(qtypeBucket(zones::rrtype::DNSKEY)), "other");
  EXPECT_STREQ(rcodeBucketName(rcodeBucket(rcode::NotImp)), "NOTIMP");
  EXPECT_STREQ(rcodeBucketName(rcodeBucket(rcode::BadVers)), "other");
  EXPECT_STREQ(transportName(static_cast<std::size_t>(Transport::Tcp)), "tcp");
}

}  // namespace
}  // namespace nines::dnsd
