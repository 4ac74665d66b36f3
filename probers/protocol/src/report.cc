#include "nines/probers/report.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <simdjson.h>

#include <array>
#include <cmath>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>

namespace nines::probers {

namespace {

using OrderedJson = nlohmann::ordered_json;

constexpr std::string_view kSignaturePrefix = "sha256=";
constexpr std::size_t kDigestSize = 32;  // SHA-256
constexpr std::size_t kMinKeyBytes = 16;
// An RTT beyond this is a bug or an attack, not a measurement (checks time out long before).
constexpr double kMaxRttMs = 3600.0 * 1000;

// Milliseconds to microseconds and seconds to milliseconds are all the precision anyone reads;
// rounding keeps the numbers short on the wire.
// A value too large to scale (a forged time of 1e308) is left as it is rather than made infinite,
// which JSON cannot carry.
double rounded(double value, double scale) {
  const double scaled = value * scale;
  return std::isfinite(scaled) ? std::round(scaled) / scale : value;
}

// At most `limit` bytes, cut at a UTF-8 character boundary.
std::string truncated(const std::string& text, std::size_t limit) {
  if (text.size() <= limit) return text;
  std::size_t end = limit;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return text.substr(0, end);
}

bool fail(std::string* error, std::string message) {
  if (error) *error = std::move(message);
  return false;
}

// The decoder walks simdjson's DOM (a tape over the whole body): a 5,000-result report decodes in
// about a tenth of the time nlohmann::json's DOM took, and dnsd takes one such report per prober
// per second on the core that answers queries (tools/bench/probe_bench.sh, ingest section).
using Element = simdjson::dom::element;
using Object = simdjson::dom::object;

constexpr std::size_t kTopLevel = static_cast<std::size_t>(-1);

// "results[3]: " for a result's key, "" for a top-level one. Built only for an error message: a
// 5,000-result report that passes builds none.
std::string where(std::size_t result) {
  return result == kTopLevel ? std::string() : "results[" + std::to_string(result) + "]: ";
}

// The string `value` (none: the key is absent) into `out`.
bool readString(const std::optional<Element>& value, const char* key, std::size_t max,
                bool required, std::string& out, std::size_t result, std::string* error) {
  if (!value) {
    out.clear();
    return !required || fail(error, where(result) + "\"" + key + "\" is missing");
  }
  std::string_view text;
  if (value->get_string().get(text) != simdjson::SUCCESS) {
    return fail(error, where(result) + "\"" + key + "\" must be a string");
  }
  if (required && text.empty()) {
    return fail(error, where(result) + "\"" + key + "\" must not be empty");
  }
  if (text.size() > max) {
    return fail(error, where(result) + "\"" + key + "\" is longer than " + std::to_string(max) +
                           " characters");
  }
  out.assign(text);  // into the capacity a reused Report already has
  return true;
}

bool readString(Object object, const char* key, std::size_t max, bool required, std::string& out,
                std::size_t result, std::string* error) {
  std::optional<Element> value;
  if (Element found; object.at_key(key).get(found) == simdjson::SUCCESS) value = found;
  return readString(value, key, max, required, out, result, error);
}

bool readResult(Element entry, std::size_t index, ReportResult& out, std::string* error) {
  Object object;
  if (entry.get_object().get(object) != simdjson::SUCCESS) {
    return fail(error, where(index) + "must be an object");
  }
  // One pass over the keys (at_key per key would compare each against those before it: a tenth
  // of dnsd's ingest time went to that). The first letter sorts them; a repeated key: the last.
  std::optional<Element> target, up, rtt, reason;
  for (const auto field : object) {
    const std::string_view key = field.key;
    if (key.empty()) continue;
    if (key[0] == 't' && key == "target") {
      target = field.value;
    } else if (key[0] == 'u' && key == "up") {
      up = field.value;
    } else if (key[0] == 'r' && key == "rtt_ms") {
      rtt = field.value;
    } else if (key[0] == 'r' && key == "reason") {
      reason = field.value;
    }
  }
  if (!readString(target, "target", kMaxTargetLength, true, out.target, index, error)) {
    return false;
  }
  bool is_up = false;
  if (!up || up->get_bool().get(is_up) != simdjson::SUCCESS) {
    return fail(error, where(index) + "\"up\" must be true or false");
  }
  out.up = is_up;
  out.rtt_ms = -1;
  if (rtt && !rtt->is_null()) {
    double value = 0;
    if (!rtt->is_number() || rtt->get_double().get(value) != simdjson::SUCCESS) {
      return fail(error, where(index) + "\"rtt_ms\" must be a number");
    }
    if (!std::isfinite(value) || value > kMaxRttMs) {
      return fail(error, where(index) + "\"rtt_ms\" is out of range");
    }
    out.rtt_ms = value < 0 ? -1 : value;
  }
  return readString(reason, "reason", kMaxReasonLength, false, out.reason, index, error);
}

bool readLocation(Element value, Report& report, std::string* error) {
  if (value.is_null()) return true;
  simdjson::dom::array pair;
  double latitude = 0, longitude = 0;
  if (value.get_array().get(pair) != simdjson::SUCCESS || pair.size() != 2 ||
      pair.at(0).get_double().get(latitude) != simdjson::SUCCESS ||
      pair.at(1).get_double().get(longitude) != simdjson::SUCCESS) {
    return fail(error, "\"location\" must be [latitude, longitude]");
  }
  if (!(std::fabs(latitude) <= 90) || !(std::fabs(longitude) <= 180)) {
    return fail(error, "\"location\" must be within [-90..90, -180..180]");
  }
  report.has_location = true;
  report.latitude = latitude;
  report.longitude = longitude;
  return true;
}

std::array<unsigned char, kDigestSize> digest(std::string_view key, std::string_view body) {
  std::array<unsigned char, kDigestSize> out{};
  unsigned int length = 0;
  static const unsigned char kEmpty = 0;
  const void* key_bytes = key.empty() ? static_cast<const void*>(&kEmpty) : key.data();
  HMAC(EVP_sha256(), key_bytes, static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(body.data()), body.size(), out.data(), &length);
  return out;
}

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool isBase64Char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
         c == '/';
}

}  // namespace

std::string encodeReport(const Report& report) {
  OrderedJson json;
  json["prober"] = report.prober;
  json["region"] = report.region;
  if (report.has_location) json["location"] = {report.latitude, report.longitude};
  json["seq"] = report.seq;
  json["time"] = rounded(report.time, 1e3);
  OrderedJson results = OrderedJson::array();
  for (const auto& result : report.results) {
    bool has_rtt = result.rtt_ms >= 0 && std::isfinite(result.rtt_ms);
    results.push_back({{"target", result.target},
                       {"up", result.up},
                       {"rtt_ms", has_rtt ? rounded(result.rtt_ms, 1e3) : -1.0},
                       {"reason", truncated(result.reason, kMaxReasonLength)}});
  }
  json["results"] = std::move(results);
  // Reasons quote curl and the network: invalid UTF-8 is replaced rather than thrown on.
  return json.dump(-1, ' ', false, OrderedJson::error_handler_t::replace);
}

namespace {

// Results [begin, end) of `report` as bodies of at most `budget` bytes, with seqs from `seq` on.
void encodeRange(const Report& report, std::size_t begin, std::size_t end, std::size_t budget,
                 std::uint64_t& seq, std::vector<std::string>& bodies) {
  Report part;
  part.prober = report.prober;
  part.region = report.region;
  part.has_location = report.has_location;
  part.latitude = report.latitude;
  part.longitude = report.longitude;
  part.time = report.time;
  part.seq = seq;
  part.results.assign(report.results.begin() + static_cast<std::ptrdiff_t>(begin),
                      report.results.begin() + static_cast<std::ptrdiff_t>(end));
  std::string body = encodeReport(part);
  if (body.size() <= budget || end - begin <= 1) {
    bodies.push_back(std::move(body));
    ++seq;
    return;
  }
  // Escaping made it larger than estimated: halve it (rare; one more encoding of these results).
  const std::size_t middle = begin + (end - begin) / 2;
  encodeRange(report, begin, middle, budget, seq, bodies);
  encodeRange(report, middle, end, budget, seq, bodies);
}

}  // namespace

std::vector<std::string> encodeReportParts(const Report& report, std::size_t budget) {
  // An estimate of each result's encoded size (its strings and ~70 bytes of keys and numbers)
  // cuts the results into runs, so the usual report is encoded once.
  constexpr std::size_t kResultOverhead = 72, kHeaderOverhead = 256;
  std::vector<std::string> bodies;
  std::uint64_t seq = report.seq;
  std::size_t begin = 0, bytes = kHeaderOverhead + report.prober.size() + report.region.size();
  const std::size_t header = bytes;
  for (std::size_t i = 0; i < report.results.size(); ++i) {
    const auto& result = report.results[i];
    const std::size_t size =
        result.target.size() + std::min(result.reason.size(), kMaxReasonLength) + kResultOverhead;
    if (i > begin && (bytes + size > budget || i - begin >= kMaxReportResults)) {
      encodeRange(report, begin, i, budget, seq, bodies);
      begin = i;
      bytes = header;
    }
    bytes += size;
  }
  if (begin < report.results.size() || bodies.empty()) {
    encodeRange(report, begin, report.results.size(), budget, seq, bodies);
  }
  return bodies;
}

struct ReportDecoder::Parser {
  simdjson::dom::parser dom;
  // Open addressing over result indices (kEmpty: free), for the duplicate check: no allocation
  // per result, and none at all once it has grown to the largest report seen.
  static constexpr std::uint32_t kEmpty = ~std::uint32_t{0};
  std::vector<std::uint32_t> slots;

  // The index of an earlier result with the same target as results[i], or -1 after recording i.
  std::ptrdiff_t firstWithTarget(const std::vector<ReportResult>& results, std::size_t i) {
    const std::size_t mask = slots.size() - 1;
    std::size_t slot = std::hash<std::string_view>{}(results[i].target) & mask;
    while (slots[slot] != kEmpty) {
      if (results[slots[slot]].target == results[i].target) {
        return static_cast<std::ptrdiff_t>(slots[slot]);
      }
      slot = (slot + 1) & mask;
    }
    slots[slot] = static_cast<std::uint32_t>(i);
    return -1;
  }
};

ReportDecoder::ReportDecoder() : parser_(std::make_unique<Parser>()) {}
ReportDecoder::~ReportDecoder() = default;

bool ReportDecoder::decode(std::string_view body, Report& report, std::string* error) {
  if (body.size() > kMaxReportBody) {
    return fail(error, "report larger than " + std::to_string(kMaxReportBody) + " bytes");
  }
  Element root;
  // An empty view may have a null data(); simdjson copies from it, and memcpy from null is
  // undefined even for zero octets.
  const char* data = body.empty() ? "" : body.data();
  if (auto code = parser_->dom.parse(data, body.size()).get(root); code != simdjson::SUCCESS) {
    return fail(
        error, std::string("report must be a JSON object (") + simdjson::error_message(code) + ")");
  }
  Object json;
  if (root.get_object().get(json) != simdjson::SUCCESS) {
    return fail(error, "report must be a JSON object");
  }
  report.has_location = false;
  report.latitude = report.longitude = 0;
  if (!readString(json, "prober", kMaxProberNameLength, true, report.prober, kTopLevel, error) ||
      !readString(json, "region", kMaxProberNameLength, true, report.region, kTopLevel, error)) {
    return false;
  }
  if (Element location; json.at_key("location").get(location) == simdjson::SUCCESS &&
                        !readLocation(location, report, error)) {
    return false;
  }
  Element seq;
  if (json.at_key("seq").get(seq) != simdjson::SUCCESS ||
      seq.get_uint64().get(report.seq) != simdjson::SUCCESS) {
    return fail(error, "\"seq\" must be a non-negative integer");
  }
  Element time;
  if (json.at_key("time").get(time) != simdjson::SUCCESS || !time.is_number() ||
      time.get_double().get(report.time) != simdjson::SUCCESS || !std::isfinite(report.time) ||
      report.time < 0) {
    return fail(error, "\"time\" must be a non-negative number of seconds");
  }
  simdjson::dom::array results;
  if (json.at_key("results").get_array().get(results) != simdjson::SUCCESS) {
    return fail(error, "\"results\" must be an array");
  }
  const std::size_t count = results.size();
  if (count > kMaxReportResults) {
    return fail(error, "more than " + std::to_string(kMaxReportResults) + " results");
  }
  report.results.resize(count);
  std::size_t capacity = 16;
  while (capacity < 2 * count) capacity *= 2;
  parser_->slots.assign(capacity, Parser::kEmpty);
  std::size_t i = 0;
  for (Element entry : results) {
    if (!readResult(entry, i, report.results[i], error)) return false;
    if (parser_->firstWithTarget(report.results, i) >= 0) {
      return fail(error, where(i) + "target \"" + report.results[i].target + "\" appears twice");
    }
    ++i;
  }
  return true;
}

std::optional<Report> ReportDecoder::decode(std::string_view body, std::string* error) {
  Report report;
  if (!decode(body, report, error)) return std::nullopt;
  return report;
}

std::optional<Report> decodeReport(std::string_view body, std::string* error) {
  return ReportDecoder().decode(body, error);
}

std::string signBody(std::string_view key, std::string_view body) {
  static constexpr char kHex[] = "0123456789abcdef";
  auto mac = digest(key, body);
  std::string out(kSignaturePrefix);
  for (unsigned char byte : mac) {
    out.push_back(kHex[byte >> 4]);
    out.push_back(kHex[byte & 15]);
  }
  return out;
}

bool verifySignature(std::string_view key, std::string_view body, std::string_view signature) {
  if (signature.size() != kSignaturePrefix.size() + 2 * kDigestSize ||
      signature.substr(0, kSignaturePrefix.size()) != kSignaturePrefix) {
    return false;
  }
  std::array<unsigned char, kDigestSize> given{};
  std::string_view hex = signature.substr(kSignaturePrefix.size());
  for (std::size_t i = 0; i < kDigestSize; ++i) {
    int high = hexValue(hex[2 * i]), low = hexValue(hex[2 * i + 1]);
    if (high < 0 || low < 0) return false;
    given[i] = static_cast<unsigned char>(high * 16 + low);
  }
  auto expected = digest(key, body);
  // Constant time, so a forger learns nothing from how long a wrong guess took to refuse.
  return CRYPTO_memcmp(given.data(), expected.data(), kDigestSize) == 0;
}

std::optional<std::string> decodeKey(std::string_view text) {
  // Standard alphabet (RFC 4648 §4) with padding; nothing else, not even whitespace.
  if (text.empty() || text.size() % 4 != 0 || text.size() > 4096) return std::nullopt;
  std::size_t padding = 0;
  while (padding < 2 && text[text.size() - 1 - padding] == '=') ++padding;
  for (std::size_t i = 0; i < text.size() - padding; ++i) {
    if (!isBase64Char(text[i])) return std::nullopt;
  }
  std::string out(text.size() / 4 * 3, '\0');
  int length = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                               reinterpret_cast<const unsigned char*>(text.data()),
                               static_cast<int>(text.size()));
  if (length < 0 || static_cast<std::size_t>(length) < padding) return std::nullopt;
  out.resize(static_cast<std::size_t>(length) - padding);
  if (out.size() < kMinKeyBytes) return std::nullopt;
  return out;
}

}  // namespace nines::probers
