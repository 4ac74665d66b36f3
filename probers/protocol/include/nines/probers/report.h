// The health report a prober sends to every dnsd (DESIGN.md "One health report"):
//   POST /v1/reports
//   X-Nines-Prober: eu-1
//   X-Nines-Signature: sha256=<hex HMAC-SHA256 of the exact body with the prober's key>
//   {"prober":"eu-1","region":"eu-west","location":[53.3,-6.3],"seq":42,"time":1764094000.125,
//    "results":[{"target":"gslb.example.test.|web|127.0.0.11","up":true,"rtt_ms":1.25,
//                "reason":"HTTP 200"}]}
// `seq` grows by one per report (a restarted prober starts from its start time in ms, so it never
// goes back); `time` is the prober's wall clock in seconds.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nines::probers {

inline constexpr const char* kProberHeader = "X-Nines-Prober";
inline constexpr const char* kSignatureHeader = "X-Nines-Signature";
inline constexpr std::size_t kMaxReportBody = 4 * 1024 * 1024;
// Limits decodeReport() enforces (encodeReport() truncates `reason` to fit).
inline constexpr std::size_t kMaxReportResults = 100000;
inline constexpr std::size_t kMaxReasonLength = 200;
inline constexpr std::size_t kMaxTargetLength = 600;
inline constexpr std::size_t kMaxProberNameLength = 64;  // `prober` and `region`

struct ReportResult {
  std::string target;  // CheckTarget::id
  bool up = false;
  double rtt_ms = -1;  // negative: none (the check failed)
  std::string reason;  // "HTTP 200", "connect: refused", "timeout after 1.0 s", ...
};

struct Report {
  std::string prober;
  std::string region;
  // The prober's own location ([latitude, longitude] in prober.toml), for the latency policy's
  // choice of vantage point; absent when not configured.
  bool has_location = false;
  double latitude = 0, longitude = 0;
  std::uint64_t seq = 0;
  double time = 0;
  std::vector<ReportResult> results;
};

std::string encodeReport(const Report& report);

// What one body may hold when a prober splits its results: half the limit, so that even results
// whose text grows when escaped stay well under it.
inline constexpr std::size_t kReportPartBudget = kMaxReportBody / 2;
// The report as one body, or, when its results would not fit in `budget` bytes, as several: each
// a whole report (same prober, region, location and time) on some of the results, in order, with
// seqs counting up from report.seq. dnsd applies each on its own; every body is at most `budget`
// bytes unless a single result is larger.
std::vector<std::string> encodeReportParts(const Report& report,
                                           std::size_t budget = kReportPartBudget);
// Parses a body; nullopt with `error` set when it is not a well-formed report: not a JSON object,
// a required key (prober, region, seq, time, results; per result target and up) missing or of the
// wrong type, a value out of range, a string too long, too many or duplicate targets. Keys it does
// not know are ignored, so a newer prober can add some without breaking older dnsd instances.
std::optional<Report> decodeReport(std::string_view body, std::string* error);

// decodeReport with a parser kept between calls, so a dnsd taking reports every second does not
// allocate its buffers anew for each. One thread at a time.
class ReportDecoder {
 public:
  ReportDecoder();
  ~ReportDecoder();
  ReportDecoder(const ReportDecoder&) = delete;
  ReportDecoder& operator=(const ReportDecoder&) = delete;
  std::optional<Report> decode(std::string_view body, std::string* error);
  // The same into `report`, whose strings and results keep their capacity from one report to the
  // next (no allocation per result in the steady state). On false, `report` is unspecified.
  bool decode(std::string_view body, Report& report, std::string* error);

 private:
  struct Parser;
  std::unique_ptr<Parser> parser_;
};

// "sha256=<64 hex digits>" for `body` under `key` (the raw key bytes).
std::string signBody(std::string_view key, std::string_view body);
// Constant-time check of a signature header value.
bool verifySignature(std::string_view key, std::string_view body, std::string_view signature);
// Keys are written base64 in the config files; nullopt when `text` is not valid base64 or
// decodes to fewer than 16 bytes.
std::optional<std::string> decodeKey(std::string_view text);

}  // namespace nines::probers
