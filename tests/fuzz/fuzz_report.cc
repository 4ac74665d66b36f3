// libFuzzer target for prober reports: arbitrary bytes as the body of POST /v1/reports, signed
// with the prober's key (so the fuzzer gets past the signature to the decoder and the vote
// table), through dnsd's ReportIngest. The decoder must refuse what is not a report with a
// reason and never crash; what it accepts must survive an encode/decode round trip unchanged,
// and the vote table must still answer for every target. fuzz_seeds_test.cc runs the seed
// corpus (tests/fuzz/corpus/report) through the same checks on every build.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_targets.h"
#include "nines/dnsd/health/report_ingest.h"
#include "nines/dnsd/health/vote_table.h"
#include "nines/probers/report.h"

namespace {

bool sameResults(const nines::probers::Report& a, const nines::probers::Report& b) {
  if (a.results.size() != b.results.size()) return false;
  for (std::size_t i = 0; i < a.results.size(); ++i) {
    const auto& x = a.results[i];
    const auto& y = b.results[i];
    if (x.target != y.target || x.up != y.up || x.reason != y.reason) return false;
  }
  return true;
}

}  // namespace

std::vector<std::string> reportInvariantsBroken(const std::uint8_t* data, std::size_t size) {
  using namespace nines;
  std::vector<std::string> broken;
  auto check = [&](bool holds, const char* invariant) {
    if (!holds) broken.push_back(invariant);
  };
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  static const std::string kKey = "fuzz-prober-key-0123456789";

  std::string error;
  auto report = probers::decodeReport(body, &error);
  check(report.has_value() || !error.empty(), "what is not a report is refused with a reason");
  if (report) {
    // Encoding may round numbers (rtt to the microsecond, time to the millisecond) and shorten
    // reasons, never change what the results say.
    auto again = probers::decodeReport(probers::encodeReport(*report), &error);
    check(again.has_value(), "an accepted report decodes again after encoding");
    check(again && again->prober == report->prober && again->region == report->region &&
              again->seq == report->seq && sameResults(*report, *again),
          "the round trip keeps prober, region, seq and every result");
  }

  // Through ingestion: a clock that accepts any report time, targets that some results may name.
  dnsd::VoteTable table({0.5, 10.0}, [] { return 1000.0; });
  table.setTargets({"a", "b", "gslb.example.test.|web|127.0.0.21"});
  dnsd::ReportIngest ingest(
      {{"fuzz", kKey, ""}}, 1e300, table, [] { return 1000.0; },
      [](base::LogLevel, const std::string&) {});
  const std::string prober = report ? report->prober : "fuzz";
  dnsd::IngestReply reply = ingest.ingest(prober, probers::signBody(kKey, body), body);
  if (reply.outcome == dnsd::ReportOutcome::Accepted) {
    check(report.has_value() && report->prober == "fuzz",
          "only a well-formed report of the signing prober is accepted");
    std::uint64_t version = 0;
    table.indicesOf({}, &version);
    std::vector<policy::EndpointState> states;
    check(table.states(1000.0, version, states) && states.size() == 3,
          "the vote table answers for every target after a report");
  } else {
    check(reply.status >= 400 && reply.status < 500, "a refusal is a 4xx");
  }
  return broken;
}

#ifdef NINES_FUZZ_REPORT_MAIN
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (!reportInvariantsBroken(data, size).empty()) __builtin_trap();
  return 0;
}
#endif
