// ninesctl replay: what would change for the clients in a dnstap log if dnsd ran another
// configuration. Every logged response's query is answered again through dnsd's own pipeline
// (processQuery) on the zones and [geo] of the new dnsd.toml, from the logged source address and
// with the query's own ECS option (the logged query, or the one rebuilt from the response), and the
// answer's regions and RCODE are compared with what the log says the client got (the regions from
// the `extra` text dnsd writes, policy_outcome.h).
//
// Health: the log does not record the health view each answer was made under, so the replay
// assumes every endpoint up (as dnsd starts: unknown, which policies count as up), or takes the
// drains and states of a running dnsd with --server. Differences therefore show what the
// configuration change moves, not what health did at the time.
#include <algorithm>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <tuple>

#include "commands.h"
#include "nines/dnsd/querylog/dnstap_codec.h"
#include "nines/dnsd/querylog/policy_outcome.h"
#include "nines/dnsd/querylog/query_from_response.h"
#include "nines/dnsd/serve/query_pipeline.h"
#include "nines/dnsd/wire/message.h"
#include "serving_state_of.h"

namespace nines::ctl {

namespace {

using nlohmann::json;

constexpr std::uint8_t kV4Network = 24;  // a client network when the query has no ECS
constexpr std::uint8_t kV6Network = 56;

std::string rcodeName(unsigned rcode) {
  static const char* const kNames[] = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN",
                                       "NOTIMP",  "REFUSED", "YXDOMAIN", "YXRRSET",
                                       "NXRRSET", "NOTAUTH", "NOTZONE"};
  if (rcode < std::size(kNames)) return kNames[rcode];
  if (rcode == 16) return "BADVERS";
  return "RCODE" + std::to_string(rcode);
}

// "eu-west,us-east" (answer order, no repeats); "-" when no policy answered.
std::string regionKey(const std::vector<std::string>& regions) {
  std::string key;
  for (const auto& region : regions) key += (key.empty() ? "" : ",") + region;
  return key.empty() ? "-" : key;
}

std::vector<std::string> regionsOf(const dnsd::PolicyContext& policy) {
  std::vector<std::string> regions;
  if (!policy.service) return regions;
  for (std::uint8_t i = 0; i < policy.decision.count; ++i) {
    const std::uint16_t slot = policy.decision.picks[i].region;
    if (slot >= policy.service->regions.size()) continue;
    const std::string& name = policy.service->regions[slot].name;
    if (std::find(regions.begin(), regions.end(), name) == regions.end()) regions.push_back(name);
  }
  return regions;
}

// The client network a query stands for: its ECS subnet, else its source's /24 (IPv6: /56).
std::string networkOf(const dnsd::Query& query, const zones::IpAddress& source) {
  if (query.has_ecs && (query.ecs.family == 1 || query.ecs.family == 2)) {
    zones::IpAddress address;
    address.family = query.ecs.family == 1 ? 4 : 6;
    address.bytes = query.ecs.address;
    return zones::Cidr{address.masked(query.ecs.source_prefix), query.ecs.source_prefix}.toString();
  }
  if (source.family == 0) return "(unknown)";
  const std::uint8_t prefix = source.family == 4 ? kV4Network : kV6Network;
  return zones::Cidr{source.masked(prefix), prefix}.toString();
}

struct Tally {
  std::size_t frames = 0;    // in the log
  std::size_t replayed = 0;  // responses answered again
  std::size_t skipped = 0;   // queries the log lacks, or that dnsd drops now
  std::size_t policy_answers = 0;
  std::size_t moved = 0;
  std::size_t rcode_changed = 0;
  // (service, from, to) and (network, service, from, to): answers that moved
  std::map<std::tuple<std::string, std::string, std::string>, std::size_t> moves;
  std::map<std::tuple<std::string, std::string, std::string, std::string>, std::size_t> networks;
  std::map<std::pair<std::string, std::string>, std::size_t> rcodes;  // (from, to), changed only
  // service -> region -> (answers before, answers after)
  std::map<std::string, std::map<std::string, std::pair<std::size_t, std::size_t>>> shares;
};

void replayOne(const dnsd::ServingState& state, const dnsd::querylog::DnstapRecord& record,
               dnsd::QueryContext& context, std::vector<std::uint8_t>& out, Tally& tally) {
  if (record.kind != static_cast<int>(dnsd::querylog::DnstapKind::AuthResponse)) return;
  // dnsd logs the response alone unless [query_log] query_message = true: the question, EDNS
  // and ECS the response echoes are the query again.
  std::optional<std::vector<std::uint8_t>> rebuilt;
  if (record.query.empty()) {
    rebuilt = dnsd::querylog::queryFromResponse(record.response.data(), record.response.size());
  }
  const std::vector<std::uint8_t>& query =
      record.query.empty() && rebuilt ? *rebuilt : record.query;
  if (query.empty()) {
    ++tally.skipped;
    return;
  }
  zones::IpAddress source = record.query_address;
  const auto transport = record.tcp ? dnsd::Transport::Tcp : dnsd::Transport::Udp;
  dnsd::QueryResult result =
      dnsd::processQuery(state, query.data(), query.size(), source, transport,
                         /*udp_payload=*/1232, context, out.data());
  if (result.size == 0) {
    ++tally.skipped;
    return;
  }
  ++tally.replayed;
  const bool looked_up = result.parse == dnsd::ParseOutcome::Ok;
  std::vector<std::string> after =
      looked_up ? regionsOf(context.policy) : std::vector<std::string>{};
  std::string service =
      looked_up && context.policy.service ? context.policy.service->owner.toText() : std::string();
  std::vector<std::string> before;
  if (auto logged = dnsd::querylog::parsePolicyOutcome(record.extra)) {
    before = logged->regions;
    if (service.empty()) service = logged->service;
  }
  if (!service.empty()) {
    ++tally.policy_answers;
    for (const auto& region : before) ++tally.shares[service][region].first;
    for (const auto& region : after) ++tally.shares[service][region].second;
    auto sorted = [](std::vector<std::string> v) {
      std::sort(v.begin(), v.end());
      return v;
    };
    if (sorted(before) != sorted(after)) {
      ++tally.moved;
      const std::string from = regionKey(before), to = regionKey(after);
      ++tally.moves[{service, from, to}];
      ++tally.networks[{networkOf(context.query, source), service, from, to}];
    }
  }
  const unsigned old_rcode = record.response.size() >= 4 ? record.response[3] & 0x0f : 0;
  const unsigned new_rcode = result.rcode;
  if (record.response.size() >= 4 && old_rcode != (new_rcode & 0x0f)) {
    ++tally.rcode_changed;
    ++tally.rcodes[{rcodeName(old_rcode), rcodeName(new_rcode)}];
  }
}

// The `limit` largest of `counts`, largest first (ties in key order).
template <typename Map>
std::vector<std::pair<typename Map::key_type, std::size_t>> largest(const Map& counts,
                                                                    std::size_t limit) {
  std::vector<std::pair<typename Map::key_type, std::size_t>> rows(counts.begin(), counts.end());
  std::stable_sort(rows.begin(), rows.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  if (rows.size() > limit) rows.resize(limit);
  return rows;
}

double percent(std::size_t part, std::size_t whole) {
  return whole ? 100.0 * static_cast<double>(part) / static_cast<double>(whole) : 0.0;
}

void printJson(const ReplayOptions& options, const Tally& tally) {
  json out = {
      {"log", options.log},
      {"config", options.config},
      {"health", options.server.empty() ? "every endpoint up" : "live from " + options.server},
      {"frames", tally.frames},
      {"replayed", tally.replayed},
      {"skipped", tally.skipped},
      {"policy_answers", tally.policy_answers},
      {"moved", tally.moved},
      {"rcode_changed", tally.rcode_changed}};
  json moves = json::array(), networks = json::array(), rcodes = json::array(),
       shares = json::array();
  for (const auto& [key, count] : largest(tally.moves, SIZE_MAX)) {
    moves.push_back({{"service", std::get<0>(key)},
                     {"from", std::get<1>(key)},
                     {"to", std::get<2>(key)},
                     {"count", count}});
  }
  for (const auto& [key, count] : largest(tally.networks, options.networks)) {
    networks.push_back({{"network", std::get<0>(key)},
                        {"service", std::get<1>(key)},
                        {"from", std::get<2>(key)},
                        {"to", std::get<3>(key)},
                        {"count", count}});
  }
  for (const auto& [key, count] : largest(tally.rcodes, SIZE_MAX)) {
    rcodes.push_back({{"from", key.first}, {"to", key.second}, {"count", count}});
  }
  for (const auto& [service, regions] : tally.shares) {
    for (const auto& [region, counts] : regions) {
      shares.push_back({{"service", service},
                        {"region", region},
                        {"before", counts.first},
                        {"after", counts.second}});
    }
  }
  out["moves"] = moves;
  out["networks"] = networks;
  out["rcode_changes"] = rcodes;
  out["shares"] = shares;
  std::printf("%s\n", out.dump(2).c_str());
}

void printText(const ReplayOptions& options, const Tally& tally) {
  std::printf(
      "replayed %zu of %zu logged responses against %s (health: %s)\n", tally.replayed,
      tally.frames, options.config.c_str(),
      options.server.empty() ? "every endpoint up" : ("live from " + options.server).c_str());
  if (tally.skipped)
    std::printf("skipped:  %zu (no query in the log, or dropped now)\n", tally.skipped);
  std::printf("moved:    %zu of %zu policy answers (%.1f%%)\n", tally.moved, tally.policy_answers,
              percent(tally.moved, tally.policy_answers));
  std::printf("rcode:    %zu changed\n", tally.rcode_changed);
  if (!tally.moves.empty()) {
    std::printf("\nmoves (service: from -> to):\n");
    for (const auto& [key, count] : largest(tally.moves, SIZE_MAX)) {
      std::printf("  %8zu  %s: %s -> %s\n", count, std::get<0>(key).c_str(),
                  std::get<1>(key).c_str(), std::get<2>(key).c_str());
    }
  }
  if (!tally.shares.empty()) {
    std::printf("\nshare of answers by region (before -> after):\n");
    for (const auto& [service, regions] : tally.shares) {
      std::size_t before_total = 0, after_total = 0;
      for (const auto& [region, counts] : regions) {
        before_total += counts.first;
        after_total += counts.second;
      }
      for (const auto& [region, counts] : regions) {
        std::printf("  %s %-12s %6.1f%% -> %6.1f%%  (%zu -> %zu)\n", service.c_str(),
                    region.c_str(), percent(counts.first, before_total),
                    percent(counts.second, after_total), counts.first, counts.second);
      }
    }
  }
  if (!tally.networks.empty()) {
    std::printf("\nclient networks that move (largest %zu):\n", options.networks);
    for (const auto& [key, count] : largest(tally.networks, options.networks)) {
      std::printf("  %8zu  %-20s %s: %s -> %s\n", count, std::get<0>(key).c_str(),
                  std::get<1>(key).c_str(), std::get<2>(key).c_str(), std::get<3>(key).c_str());
    }
  }
  if (!tally.rcodes.empty()) {
    std::printf("\nrcode changes:\n");
    for (const auto& [key, count] : largest(tally.rcodes, SIZE_MAX)) {
      std::printf("  %8zu  %s -> %s\n", count, key.first.c_str(), key.second.c_str());
    }
  }
}

}  // namespace

int runReplay(const ReplayOptions& options) {
  auto fail = [](const std::string& message) {
    if (!message.empty()) std::fprintf(stderr, "ninesctl replay: %s\n", message.c_str());
    return kExitProblems;
  };
  std::string error;
  auto records = dnsd::querylog::readDnstapFile(options.log, &error);
  if (!records) return fail(error);
  if (!error.empty())
    std::fprintf(stderr, "ninesctl replay: %s (replaying the rest)\n", error.c_str());
  std::shared_ptr<const dnsd::ServingState> state =
      servingStateOf(options.config, options.server, &error);
  if (!state) return fail(error);
  auto context = std::make_unique<dnsd::QueryContext>();
  std::vector<std::uint8_t> out(dnsd::kMaxTcpMessage);
  Tally tally;
  tally.frames = records->size();
  for (const auto& record : *records) replayOne(*state, record, *context, out, tally);
  if (options.json) {
    printJson(options, tally);
  } else {
    printText(options, tally);
  }
  return kExitOk;
}

}  // namespace nines::ctl
