#include "nines/dnsd/control/metrics.h"

#include <openssl/evp.h>
#include <prometheus/metric_family.h>
#include <prometheus/text_serializer.h>

#include <algorithm>
#include <cmath>
#include <deque>
#include <iterator>
#include <limits>
#include <sstream>

#include "nines/base/build_info.h"
#include "nines/dnsd/health/embedded_prober.h"
#include "nines/policy/answer_ttl.h"
#include "nines/policy/capacity.h"
#include "nines/policy/geo_database.h"
#include "nines/policy/select.h"

namespace nines::dnsd {

namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;
using Labels = std::vector<ClientMetric::Label>;

constexpr double kInf = std::numeric_limits<double>::infinity();

// Families in the order they are first asked for. A deque, so that the reference family()
// returns stays valid while later families are added.
class Families {
 public:
  MetricFamily& family(const std::string& name, const std::string& help, MetricType type) {
    families_.push_back({name, help, type, {}});
    return families_.back();
  }
  std::vector<MetricFamily> take() {
    return {std::make_move_iterator(families_.begin()), std::make_move_iterator(families_.end())};
  }

 private:
  std::deque<MetricFamily> families_;
};

void addSample(MetricFamily& family, Labels labels, double value) {
  ClientMetric metric;
  metric.label = std::move(labels);
  switch (family.type) {
    case MetricType::Counter:
      metric.counter.value = value;
      break;
    default:
      metric.gauge.value = value;
      break;
  }
  family.metric.push_back(std::move(metric));
}

void addInfo(Families& out, const MetricsSources& sources) {
  addSample(out.family("nines_build_info", "dnsd's version and the compiler that built it.",
                       MetricType::Gauge),
            {{"version", base::buildVersion()}, {"compiler", base::buildCompiler()}}, 1);
  addSample(out.family("nines_config_info",
                       "Digest of the loaded configuration and zones (the same files give the "
                       "same digest on every nameserver).",
                       MetricType::Gauge),
            {{"digest", sources.reload.config_digest}}, 1);
  if (sources.state != nullptr) {
    addSample(out.family("nines_health_view_info",
                         "Digest of the health verdicts being served (regions and endpoints).",
                         MetricType::Gauge),
              {{"digest", healthViewDigest(*sources.state)}}, 1);
  }
}

void addQueryCounts(Families& out, const QueryTotals& totals) {
  MetricFamily& queries = out.family(
      "nines_dns_queries_total",
      "DNS responses sent, by zone of the question (none: no loaded zone), query type bucket, "
      "response code bucket and transport.",
      MetricType::Counter);
  for (const auto& [zone, counts] : totals.queries) {
    for (std::size_t q = 0; q < kQtypeBuckets; ++q) {
      for (std::size_t r = 0; r < kRcodeBuckets; ++r) {
        for (std::size_t t = 0; t < kTransports; ++t) {
          const std::uint64_t n = counts[QueryTotals::queryIndex(q, r, t)];
          if (n == 0) continue;
          addSample(queries,
                    {{"zone", zone},
                     {"qtype", qtypeBucketName(q)},
                     {"rcode", rcodeBucketName(r)},
                     {"transport", transportName(t)}},
                    static_cast<double>(n));
        }
      }
    }
  }
  MetricFamily& answers = out.family(
      "nines_dns_answers_total",
      "Policy answers of a service that carried addresses of a region (each region in an "
      "answer counted once).",
      MetricType::Counter);
  for (const auto& [service, regions] : totals.answers) {
    for (const auto& [region, n] : regions) {
      addSample(answers, {{"service", service}, {"region", region}}, static_cast<double>(n));
    }
  }
  MetricFamily& decisions =
      out.family("nines_decisions_total",
                 "Policy decisions answered, by service and why the answer came from where it "
                 "did (policy/select.h DecisionOutcome).",
                 MetricType::Counter);
  for (const auto& [service, counts] : totals.decisions) {
    for (std::size_t o = 0; o < policy::kDecisionOutcomes; ++o) {
      addSample(
          decisions,
          {{"service", service},
           {"outcome",
            std::string(policy::decisionOutcomeName(static_cast<policy::DecisionOutcome>(o)))}},
          static_cast<double>(counts[o]));
    }
  }
  MetricFamily& cache = out.family(
      "nines_decision_cache_lookups_total",
      "Policy decisions looked up in the workers' caches: hit (reused for a client inside the "
      "network it holds for) or miss (decided afresh). A falling hit rate under many client "
      "networks asks for a larger [server] decision_cache_entries.",
      MetricType::Counter);
  addSample(cache, {{"result", "hit"}}, static_cast<double>(totals.decision_cache_hits));
  addSample(cache, {{"result", "miss"}}, static_cast<double>(totals.decision_cache_misses));
  addSample(out.family("nines_decision_cache_entries",
                       "Policy decisions the workers' caches can hold, all workers together.",
                       MetricType::Gauge),
            {}, static_cast<double>(totals.decision_cache_entries));
}

void addHealth(Families& out, const MetricsSources& sources) {
  const ServingState* state = sources.state;
  if (state == nullptr) return;
  MetricFamily& endpoint_up =
      out.family("nines_endpoint_up", "1 when the probers' quorum says the endpoint is up.",
                 MetricType::Gauge);
  MetricFamily& endpoint_unknown =
      out.family("nines_endpoint_unknown",
                 "1 when no fresh vote covers the endpoint (it counts as up).", MetricType::Gauge);
  MetricFamily& endpoint_drained = out.family(
      "nines_endpoint_drained", "1 when the endpoint is drained by the API.", MetricType::Gauge);
  MetricFamily& region_up =
      out.family("nines_region_up",
                 "1 when the region can take traffic (not drained, at least min_up endpoints up "
                 "or unknown).",
                 MetricType::Gauge);
  MetricFamily& region_drained =
      out.family("nines_region_drained", "1 when the region is drained (zone file or API).",
                 MetricType::Gauge);
  MetricFamily& region_unknown =
      out.family("nines_region_unknown",
                 "1 when no endpoint of the region has fresh votes (unknown counts as up in "
                 "answers: a blind manager does not black-hole traffic).",
                 MetricType::Gauge);
  MetricFamily& region_ramp =
      out.family("nines_region_ramp",
                 "Slow start: the share of its full traffic a region gets now (1: not ramping).",
                 MetricType::Gauge);
  // TTLs that follow health (policy/answer_ttl.h).
  MetricFamily& service_unstable =
      out.family("nines_service_unstable",
                 "1 while a service with ttl_unstable answers with it (a region changed, ramps or "
                 "was drained within its ttl_calm).",
                 MetricType::Gauge);
  MetricFamily& service_answer_ttl =
      out.family("nines_service_answer_ttl_seconds",
                 "The TTL a service's answers carry now: ttl_unstable while unstable, else ttl.",
                 MetricType::Gauge);
  const auto& plans = state->zones->services().plans;
  for (std::size_t slot = 0; slot < plans.size(); ++slot) {
    const policy::ServicePlan& plan = plans[slot];
    const policy::ServiceHealth& health = state->serviceHealth(slot);
    const std::string& service = plan.owner_text;
    addSample(service_unstable, {{"service", service}},
              plan.ttl_unstable && health.stability.unstable ? 1 : 0);
    addSample(service_answer_ttl, {{"service", service}}, policy::answerTtl(plan, health));
    for (std::size_t r = 0; r < plan.regions.size(); ++r) {
      const policy::RegionPlan& region = plan.regions[r];
      const policy::RegionHealth* region_health =
          r < health.regions.size() ? &health.regions[r] : nullptr;
      const bool drained = region.drain || (region_health != nullptr && region_health->drained);
      double ramp = region_health != nullptr ? region_health->ramp : 1.0;
      if (!(ramp >= 0 && ramp <= 1)) ramp = 1.0;  // NaN or out of range: not ramping
      addSample(region_up, {{"service", service}, {"region", region.name}},
                policy::regionUsable(region, region_health) ? 1 : 0);
      addSample(region_drained, {{"service", service}, {"region", region.name}}, drained ? 1 : 0);
      addSample(region_ramp, {{"service", service}, {"region", region.name}}, ramp);
      bool all_unknown = !region.endpoints.empty();
      for (std::size_t e = 0; e < region.endpoints.size(); ++e) {
        const policy::EndpointState endpoint =
            region_health != nullptr && e < region_health->endpoints.size()
                ? region_health->endpoints[e]
                : policy::EndpointState::Unknown;
        const std::string address = region.endpoints[e].toString();
        const Labels labels{{"service", service}, {"region", region.name}, {"endpoint", address}};
        addSample(endpoint_up, labels, endpoint == policy::EndpointState::Up ? 1 : 0);
        addSample(endpoint_unknown, labels, endpoint == policy::EndpointState::Unknown ? 1 : 0);
        addSample(endpoint_drained, labels, endpoint == policy::EndpointState::Drained ? 1 : 0);
        if (endpoint != policy::EndpointState::Unknown) all_unknown = false;
      }
      addSample(region_unknown, {{"service", service}, {"region", region.name}},
                all_unknown ? 1 : 0);
    }
  }
  if (state->health) {
    addSample(
        out.family("nines_health_view_age_seconds",
                   "Seconds since the health view being served was built.", MetricType::Gauge),
        {}, std::max(0.0, sources.now - state->health->built_at));
  }
}

void addProbers(Families& out, const MetricsSources& sources) {
  MetricFamily& age = out.family("nines_prober_last_report_age_seconds",
                                 "Seconds since the prober's last accepted report (+Inf: none "
                                 "since dnsd started).",
                                 MetricType::Gauge);
  auto ageOf = [&](double at) { return at > 0 ? std::max(0.0, sources.now - at) : kInf; };
  if (sources.embedded)
    addSample(age, {{"prober", kEmbeddedProber}}, ageOf(sources.embedded_last_feed));
  for (const auto& stats : sources.probers) {
    if (stats.id == kUnknownProber) continue;
    addSample(age, {{"prober", stats.id}}, ageOf(stats.last_report));
  }
  MetricFamily& reports = out.family(
      "nines_reports_total",
      "Prober reports received, by prober (\"(unknown)\": a name no configured prober has) and "
      "result (accepted, or why it was refused).",
      MetricType::Counter);
  for (const auto& stats : sources.probers) {
    for (std::size_t i = 0; i < kReportOutcomes; ++i) {
      addSample(reports,
                {{"prober", stats.id}, {"result", outcomeName(static_cast<ReportOutcome>(i))}},
                static_cast<double>(stats.counts[i]));
    }
  }
}

void addReloads(Families& out, const ReloadRecord& record) {
  MetricFamily& reloads =
      out.family("nines_reloads_total", "Loads and reloads, by result (the first load counts).",
                 MetricType::Counter);
  addSample(reloads, {{"result", "success"}}, static_cast<double>(record.successes));
  addSample(reloads, {{"result", "failure"}}, static_cast<double>(record.failures));
  addSample(out.family("nines_config_last_reload_successful",
                       "1 when the last load or reload applied with no error.", MetricType::Gauge),
            {}, record.last_ok ? 1 : 0);
  addSample(out.family("nines_config_last_reload_success_timestamp_seconds",
                       "Unix time of the last load or reload that applied with no error (0: none).",
                       MetricType::Gauge),
            {}, record.last_success_time);
}

void addQueryLog(Families& out, const MetricsSources& sources) {
  if (!sources.query_log) return;
  addSample(out.family("nines_query_log_messages_total",
                       "dnstap messages queued for the query log writer.", MetricType::Counter),
            {}, static_cast<double>(sources.query_log_messages));
  addSample(out.family("nines_query_log_dropped_total",
                       "dnstap messages dropped because the query log writer fell behind.",
                       MetricType::Counter),
            {}, static_cast<double>(sources.query_log_dropped));
}

void addTcpLimits(Families& out, const TcpLimitCounters* tcp) {
  if (tcp == nullptr) return;
  auto value = [](const std::atomic<std::uint64_t>& counter) {
    return static_cast<double>(counter.load(std::memory_order_relaxed));
  };
  MetricFamily& refused =
      out.family("nines_dns_tcp_connections_refused_total",
                 "TCP connections closed at accept, by the limit they met: max_connections (all "
                 "clients) or per_client (one address).",
                 MetricType::Counter);
  addSample(refused, {{"reason", "max_connections"}}, value(tcp->refused_max_connections));
  addSample(refused, {{"reason", "per_client"}}, value(tcp->refused_per_client));
  MetricFamily& closed = out.family(
      "nines_dns_tcp_connections_closed_total",
      "TCP connections dnsd closed by a limit: idle (no complete query or read of ours within "
      "tcp_idle_timeout), connection_time (tcp_max_connection_time) or queries "
      "(tcp_max_queries_per_connection).",
      MetricType::Counter);
  addSample(closed, {{"reason", "idle"}}, value(tcp->closed_idle));
  addSample(closed, {{"reason", "connection_time"}}, value(tcp->closed_connection_time));
  addSample(closed, {{"reason", "queries"}}, value(tcp->closed_queries));
}

void addHttpLimits(Families& out, const MetricsSources& sources) {
  addSample(out.family("nines_http_connections_refused_total",
                       "HTTP API connections closed unread: their address had "
                       "max_connections_per_client open.",
                       MetricType::Counter),
            {}, static_cast<double>(sources.http_connections_refused));
  addSample(out.family("nines_http_rate_limited_total",
                       "HTTP API requests answered 429: their address was over "
                       "requests_per_second.",
                       MetricType::Counter),
            {}, static_cast<double>(sources.http_rate_limited));
}

void addRateLimit(Families& out, const RateLimitTotals& totals) {
  // Every class and action, zeros included: a dashboard and an alert find the series before the
  // first response is ever limited.
  MetricFamily& limited = out.family(
      "nines_dns_rate_limited_total",
      "UDP responses the response rate limiter acted on, by response class (answer, nxdomain, "
      "nodata, referral, error) and action (drop, slip: sent empty with TC=1; exempt: an exempt "
      "network, sent; would_drop, would_slip: over the limit with log_only, sent).",
      MetricType::Counter);
  for (std::size_t c = 0; c < kResponseClasses; ++c) {
    for (std::size_t a = 0; a < kRateLimitActions; ++a) {
      addSample(limited,
                {{"class", responseClassName(static_cast<ResponseClass>(c))},
                 {"action", rateLimitActionName(static_cast<RateLimitAction>(a))}},
                static_cast<double>(totals.counts[c * kRateLimitActions + a]));
    }
  }
  addSample(out.family("nines_rate_limit_table_used",
                       "Buckets of the rate limiters' tables holding a client network's account "
                       "(summed over the UDP workers).",
                       MetricType::Gauge),
            {}, static_cast<double>(totals.used));
  addSample(out.family("nines_rate_limit_table_size",
                       "Buckets of the rate limiters' tables (table_size per UDP worker; 0 while "
                       "rate limiting has been off since start).",
                       MetricType::Gauge),
            {}, static_cast<double>(totals.capacity));
  addSample(out.family("nines_rate_limit_table_reused_total",
                       "Buckets taken over from another client network's account because the "
                       "table was full (many sources, e.g. a spoofed flood).",
                       MetricType::Counter),
            {}, static_cast<double>(totals.reused));
}

}  // namespace

void RateLimitTotals::add(const ResponseRateLimiter& limiter) {
  for (std::size_t c = 0; c < kResponseClasses; ++c) {
    for (std::size_t a = 0; a < kRateLimitActions; ++a) {
      counts[c * kRateLimitActions + a] +=
          limiter.count(static_cast<ResponseClass>(c), static_cast<RateLimitAction>(a));
    }
  }
  used += limiter.occupied();
  capacity += limiter.capacity();
  reused += limiter.reused();
}

// The N-1 rule (policy/capacity.h) of each service with an expected_load, with the regions up
// now; both families left out when no service has one.
void addCapacity(Families& out, const MetricsSources& sources) {
  if (sources.state == nullptr) return;
  const auto& plans = sources.state->zones->services().plans;
  MetricFamily* headroom = nullptr;
  MetricFamily* n1_headroom = nullptr;
  for (std::size_t slot = 0; slot < plans.size(); ++slot) {
    const auto capacity =
        policy::capacityHeadroom(plans[slot], &sources.state->serviceHealth(slot));
    if (!capacity) continue;
    if (headroom == nullptr) {
      headroom = &out.family("nines_service_capacity_headroom",
                             "Requests/s the regions up can carry (zone file capacity) beyond "
                             "the service's expected_load; negative: short now.",
                             MetricType::Gauge);
      n1_headroom = &out.family("nines_service_n1_headroom",
                                "The same without the region the service can least afford to "
                                "lose (the largest; failover: the active one); negative: the "
                                "N-1 rule is broken.",
                                MetricType::Gauge);
    }
    addSample(*headroom, {{"service", plans[slot].owner_text}}, capacity->headroom);
    addSample(*n1_headroom, {{"service", plans[slot].owner_text}}, capacity->n1_headroom);
  }
}

// The GeoIP lookup cache (policy/geo_database.h): its counts are process-wide, so they survive the
// reloads that replace the cache itself.
void addGeoCache(Families& out, const MetricsSources& sources) {
  const policy::GeoCacheCounts counts = policy::geoCacheCounts();
  MetricFamily& lookups = out.family(
      "nines_geo_cache_lookups_total",
      "GeoIP database lookups of clients that [geo.nets] did not place: hit (answered from the "
      "cache of database networks) or miss (the databases' trees walked). A falling hit rate "
      "under many client networks asks for a larger [geo] cache_entries.",
      MetricType::Counter);
  addSample(lookups, {{"result", "hit"}}, static_cast<double>(counts.hits));
  addSample(lookups, {{"result", "miss"}}, static_cast<double>(counts.misses));
  const policy::GeoDatabase* database =
      sources.state && sources.state->locator ? sources.state->locator->database() : nullptr;
  addSample(out.family("nines_geo_cache_entries",
                       "Database networks the GeoIP lookup cache can hold; 0 without a database "
                       "or with the cache off.",
                       MetricType::Gauge),
            {}, database ? static_cast<double>(database->cacheEntries()) : 0.0);
}

std::string renderMetrics(const MetricsSources& sources) {
  Families families;
  addInfo(families, sources);
  addQueryCounts(families, sources.queries);
  addHealth(families, sources);
  addCapacity(families, sources);
  addProbers(families, sources);
  addReloads(families, sources.reload);
  addQueryLog(families, sources);
  addTcpLimits(families, sources.tcp_limits);
  addHttpLimits(families, sources);
  addRateLimit(families, sources.rate_limit);
  addGeoCache(families, sources);
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, families.take());
  return out.str();
}

std::string healthViewDigest(const ServingState& state) {
  std::vector<std::string> lines;
  const auto& plans = state.zones->services().plans;
  for (std::size_t slot = 0; slot < plans.size(); ++slot) {
    const policy::ServicePlan& plan = plans[slot];
    const policy::ServiceHealth& health = state.serviceHealth(slot);
    const std::string& service = plan.owner_text;
    for (std::size_t r = 0; r < plan.regions.size(); ++r) {
      const policy::RegionPlan& region = plan.regions[r];
      const policy::RegionHealth* region_health =
          r < health.regions.size() ? &health.regions[r] : nullptr;
      const bool drained = region.drain || (region_health != nullptr && region_health->drained);
      const std::string prefix = service + ' ' + region.name;
      lines.push_back(prefix + (policy::regionUsable(region, region_health) ? " up" : " down") +
                      (drained ? " drained" : ""));
      for (std::size_t e = 0; e < region.endpoints.size(); ++e) {
        const policy::EndpointState endpoint =
            region_health != nullptr && e < region_health->endpoints.size()
                ? region_health->endpoints[e]
                : policy::EndpointState::Unknown;
        lines.push_back(prefix + ' ' + region.endpoints[e].toString() + ' ' +
                        policy::endpointStateName(endpoint));
      }
    }
  }
  std::sort(lines.begin(), lines.end());
  EVP_MD_CTX* context = EVP_MD_CTX_new();
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestInit_ex(context, EVP_sha256(), nullptr);
  for (const auto& line : lines) {
    EVP_DigestUpdate(context, line.data(), line.size());
    EVP_DigestUpdate(context, "\n", 1);
  }
  EVP_DigestFinal_ex(context, digest, &length);
  EVP_MD_CTX_free(context);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string text;
  for (unsigned int i = 0; i < 8 && i < length; ++i) {
    text += kHex[digest[i] >> 4];
    text += kHex[digest[i] & 15];
  }
  return text;
}

}  // namespace nines::dnsd
