#include "nines/probers/report.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

namespace nines::probers {
namespace {

const std::string kKey = "0123456789abcdef0123456789abcdef";

Report sampleReport() {
  Report report;
  report.prober = "eu-1";
  report.region = "eu-west";
  report.has_location = true;
  report.latitude = 53.3;
  report.longitude = -6.3;
  report.seq = 1764094000125;
  report.time = 1764094000.125;
  report.results = {
      {"gslb.example.test.|web|127.0.0.11", true, 1.25, "HTTP 200"},
      {"gslb.example.test.|web|127.0.0.12", false, -1, "connect: Connection refused"}};
  return report;
}

TEST(ReportTest, EncodeDecodeRoundTrip) {
  Report report = sampleReport();
  std::string body = encodeReport(report);
  std::string error;
  auto decoded = decodeReport(body, &error);
  ASSERT_TRUE(decoded) << error;
  EXPECT_EQ(decoded->prober, "eu-1");
  EXPECT_EQ(decoded->region, "eu-west");
  EXPECT_TRUE(decoded->has_location);
  EXPECT_DOUBLE_EQ(decoded->latitude, 53.3);
  EXPECT_DOUBLE_EQ(decoded->longitude, -6.3);
  EXPECT_EQ(decoded->seq, report.seq);
  EXPECT_DOUBLE_EQ(decoded->time, report.time);
  ASSERT_EQ(decoded->results.size(), 2u);
  EXPECT_EQ(decoded->results[0].target, report.results[0].target);
  EXPECT_TRUE(decoded->results[0].up);
  EXPECT_DOUBLE_EQ(decoded->results[0].rtt_ms, 1.25);
  EXPECT_EQ(decoded->results[0].reason, "HTTP 200");
  EXPECT_FALSE(decoded->results[1].up);
  EXPECT_LT(decoded->results[1].rtt_ms, 0);
  EXPECT_EQ(decoded->results[1].reason, "connect: Connection refused");
}

TEST(ReportTest, WireFormatIsTheDocumentedOne) {
  Report report = sampleReport();
  report.results.resize(1);
  EXPECT_EQ(encodeReport(report),
            R"({"prober":"eu-1","region":"eu-west","location":[53.3,-6.3],"seq":1764094000125,)"
            R"("time":1764094000.125,"results":[{"target":"gslb.example.test.|web|127.0.0.11",)"
            R"("up":true,"rtt_ms":1.25,"reason":"HTTP 200"}]})");
  report.has_location = false;
  EXPECT_EQ(encodeReport(report).find("location"), std::string::npos);
}

TEST(ReportTest, EncodeTruncatesLongReasonsAndSurvivesBadUtf8) {
  Report report = sampleReport();
  report.results[0].reason = std::string(300, 'x');
  report.results[1].reason = "bad \xff byte";
  auto decoded = decodeReport(encodeReport(report), nullptr);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->results[0].reason.size(), kMaxReasonLength);
  EXPECT_NE(decoded->results[1].reason.find("bad"), std::string::npos);
}

std::string withResult(const std::string& result) {
  return R"({"prober":"p","region":"r","seq":1,"time":2.5,"results":[)" + result + "]}";
}

TEST(ReportTest, MalformedBodiesAreRejected) {
  const std::string long_target(kMaxTargetLength + 1, 't');
  const std::string long_reason(kMaxReasonLength + 1, 'r');
  struct Case {
    std::string body;
    std::string error_part;
  };
  const Case cases[] = {
      {"", "JSON object"},
      {"[]", "JSON object"},
      {"{\"prober\":", "JSON object"},
      {R"({"region":"r","seq":1,"time":1,"results":[]})", "\"prober\" is missing"},
      {R"({"prober":"","region":"r","seq":1,"time":1,"results":[]})", "\"prober\" must not"},
      {R"({"prober":7,"region":"r","seq":1,"time":1,"results":[]})", "\"prober\" must be"},
      {R"({"prober":")" + std::string(65, 'p') + R"(","region":"r","seq":1,"time":1,"results":[]})",
       "longer than 64"},
      {R"({"prober":"p","seq":1,"time":1,"results":[]})", "\"region\" is missing"},
      {R"({"prober":"p","region":"r","time":1,"results":[]})", "\"seq\""},
      {R"({"prober":"p","region":"r","seq":-1,"time":1,"results":[]})", "\"seq\""},
      {R"({"prober":"p","region":"r","seq":1.5,"time":1,"results":[]})", "\"seq\""},
      {R"({"prober":"p","region":"r","seq":"1","time":1,"results":[]})", "\"seq\""},
      {R"({"prober":"p","region":"r","seq":1,"results":[]})", "\"time\""},
      {R"({"prober":"p","region":"r","seq":1,"time":-3,"results":[]})", "\"time\""},
      {R"({"prober":"p","region":"r","seq":1,"time":"now","results":[]})", "\"time\""},
      {R"({"prober":"p","region":"r","seq":1,"time":1})", "\"results\""},
      {R"({"prober":"p","region":"r","seq":1,"time":1,"results":{}})", "\"results\""},
      {R"({"prober":"p","region":"r","location":[91,0],"seq":1,"time":1,"results":[]})",
       "location"},
      {R"({"prober":"p","region":"r","location":[1],"seq":1,"time":1,"results":[]})", "location"},
      {withResult("7"), "results[0]: must be an object"},
      {withResult(R"({"up":true})"), "results[0]: \"target\" is missing"},
      {withResult(R"({"target":"a"})"), "\"up\""},
      {withResult(R"({"target":"a","up":"yes"})"), "\"up\""},
      {withResult(R"({"target":"a","up":true,"rtt_ms":"1"})"), "\"rtt_ms\""},
      {withResult(R"({"target":"a","up":true,"rtt_ms":1e300})"), "\"rtt_ms\""},
      {withResult(R"({"target":"a","up":true,"reason":5})"), "\"reason\""},
      {withResult(R"({"target":")" + long_target + R"(","up":true})"), "longer than 600"},
      {withResult(R"({"target":"a","up":true,"reason":")" + long_reason + R"("})"),
       "longer than 200"},
      {withResult(R"({"target":"a","up":true},{"target":"a","up":false})"), "appears twice"},
      // Invalid UTF-8 (a lone continuation byte) and trailing content are not JSON.
      {withResult("{\"target\":\"a\x80\",\"up\":true}"), "JSON object"},
      {withResult(R"({"target":"a","up":true})") + "{}", "JSON object"},
      {R"({"prober":"p","region":"r","seq":1,"time":1e400,"results":[]})", "JSON object"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.body.substr(0, 120));
    std::string error;
    EXPECT_FALSE(decodeReport(c.body, &error));
    EXPECT_NE(error.find(c.error_part), std::string::npos) << error;
  }
}

TEST(ReportTest, LimitsOnSizeAndCount) {
  std::string error;
  EXPECT_FALSE(decodeReport(std::string(kMaxReportBody + 1, ' '), &error));
  EXPECT_NE(error.find("larger than"), std::string::npos);

  nlohmann::json json = {{"prober", "p"}, {"region", "r"}, {"seq", 1}, {"time", 1}};
  json["results"] = nlohmann::json::array();
  for (std::size_t i = 0; i <= kMaxReportResults; ++i) json["results"].push_back(0);
  EXPECT_FALSE(decodeReport(json.dump(), &error));
  EXPECT_NE(error.find("more than 100000 results"), std::string::npos) << error;
}

// dnsd keeps one decoder and its buffers for every report: a small body after a large one, and a
// good one after a broken one, decode as if each were the first.
TEST(ReportTest, DecoderKeepsNothingBetweenBodies) {
  ReportDecoder decoder;
  Report large = sampleReport();
  for (int i = 0; i < 3000; ++i) {
    large.results.push_back(
        {"zone.test.|web|127.2." + std::to_string(i / 250) + "." + std::to_string(i % 250 + 1),
         i % 2 == 0, i * 0.5, "HTTP 200"});
  }
  std::string error;
  auto decoded = decoder.decode(encodeReport(large), &error);
  ASSERT_TRUE(decoded) << error;
  EXPECT_EQ(decoded->results.size(), large.results.size());
  EXPECT_EQ(decoded->results.back().target, large.results.back().target);
  EXPECT_DOUBLE_EQ(decoded->results.back().rtt_ms, 2999 * 0.5);

  EXPECT_FALSE(
      decoder.decode(R"({"prober":"p","region":"r","seq":1,"time":1,"results":[)", &error));
  Report small = sampleReport();
  small.has_location = false;
  decoded = decoder.decode(encodeReport(small), &error);
  ASSERT_TRUE(decoded) << error;
  EXPECT_FALSE(decoded->has_location);
  ASSERT_EQ(decoded->results.size(), 2u);
  EXPECT_EQ(decoded->results[1].reason, "connect: Connection refused");
}

// More results than one body should hold: several reports, each within the budget, on the
// results in order, with consecutive seqs and the same header; a small report stays one body.
TEST(ReportTest, LargeReportsAreSplitIntoPartsWithinTheBudget) {
  Report report = sampleReport();
  EXPECT_EQ(encodeReportParts(report), std::vector<std::string>{encodeReport(report)});

  report.results.clear();
  for (int i = 0; i < 400; ++i) {
    // Every tenth reason is control characters, which JSON escapes to six bytes each: more than
    // the estimate, so those parts are halved until they fit.
    std::string reason = i % 10 == 0 ? std::string(150, '\x01') : "HTTP 200";
    report.results.push_back(
        {"zone.test.|web|127.3." + std::to_string(i / 250) + "." + std::to_string(i % 250 + 1),
         i % 3 != 0, i % 3 != 0 ? 1.5 : -1, reason});
  }
  constexpr std::size_t kBudget = 8192;
  const auto parts = encodeReportParts(report, kBudget);
  ASSERT_GT(parts.size(), 4u);
  std::vector<ReportResult> results;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    SCOPED_TRACE("part " + std::to_string(i));
    EXPECT_LE(parts[i].size(), kBudget);
    std::string error;
    auto decoded = decodeReport(parts[i], &error);
    ASSERT_TRUE(decoded) << error;
    EXPECT_EQ(decoded->seq, report.seq + i);
    EXPECT_EQ(decoded->prober, report.prober);
    EXPECT_EQ(decoded->region, report.region);
    EXPECT_DOUBLE_EQ(decoded->time, report.time);
    EXPECT_TRUE(decoded->has_location);
    EXPECT_FALSE(decoded->results.empty());
    results.insert(results.end(), decoded->results.begin(), decoded->results.end());
  }
  ASSERT_EQ(results.size(), report.results.size());
  for (std::size_t i = 0; i < results.size(); ++i) {
    EXPECT_EQ(results[i].target, report.results[i].target);
    EXPECT_EQ(results[i].up, report.results[i].up);
    EXPECT_EQ(results[i].reason, report.results[i].reason);
  }
}

TEST(ReportTest, UnknownKeysAreIgnored) {
  auto decoded = decodeReport(
      R"({"prober":"p","region":"r","seq":1,"time":1,"results":[{"target":"a","up":true,"x":1}],)"
      R"("future":{"a":[1,2]}})",
      nullptr);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->results.size(), 1u);
  EXPECT_LT(decoded->results[0].rtt_ms, 0);  // absent: none
}

TEST(ReportTest, SignAndVerify) {
  std::string body = encodeReport(sampleReport());
  std::string signature = signBody(kKey, body);
  ASSERT_EQ(signature.size(), 7u + 64u);
  EXPECT_EQ(signature.substr(0, 7), "sha256=");
  EXPECT_EQ(signature, signBody(kKey, body));  // deterministic
  EXPECT_TRUE(verifySignature(kKey, body, signature));

  std::string upper = signature;
  for (std::size_t i = 7; i < upper.size(); ++i) upper[i] = static_cast<char>(toupper(upper[i]));
  EXPECT_TRUE(verifySignature(kKey, body, upper));

  std::string tampered = body;
  tampered[tampered.find("true")] = 'T';
  struct Case {
    std::string key, body, signature;
  };
  const Case refused[] = {
      {"another key of sixteen", body, signature},  // wrong key
      {kKey, tampered, signature},                  // tampered body
      {kKey, body + " ", signature},                // one byte more
      {kKey, body, signature.substr(0, 70)},        // short
      {kKey, body, signature + "0"},                // long
      {kKey, body, "sha1=" + signature.substr(5)},  // other algorithm
      {kKey, body, "sha256=" + std::string(64, 'g')},
      {kKey, body, ""},
  };
  for (const auto& c : refused) {
    SCOPED_TRACE(c.signature);
    EXPECT_FALSE(verifySignature(c.key, c.body, c.signature));
  }
}

TEST(ReportTest, KnownHmacVector) {
  // RFC 4231 test case 2.
  EXPECT_EQ(signBody("Jefe", "what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(ReportTest, Base64Keys) {
  struct Case {
    std::string text;
    std::optional<std::string> key;
  };
  const Case cases[] = {
      {"MDEyMzQ1Njc4OWFiY2RlZg==", "0123456789abcdef"},
      {"MDEyMzQ1Njc4OWFiY2RlZjA=", "0123456789abcdef0"},
      {"MDEyMzQ1Njc4OWFiY2RlZjAx", "0123456789abcdef01"},
      {"MDEyMzQ1Njc4OWFiY2Rl", std::nullopt},  // 15 bytes: too short
      {"", std::nullopt},
      {"MDEyMzQ1Njc4OWFiY2RlZg=", std::nullopt},    // bad length
      {"MDEyMzQ1Njc4OWFiY2RlZg", std::nullopt},     // padding missing
      {"MDEyMzQ1Njc4OWFi Y2RlZg==", std::nullopt},  // space
      {"MDEyMzQ1Njc4OWFiY2Rl=g==", std::nullopt},   // '=' inside
      {"MDEyMzQ1Njc4OWFiY2RlZ===", std::nullopt},   // three '='
      {"MDEyMzQ1Njc4OWFiY2RlZg-_", std::nullopt},   // URL alphabet
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    EXPECT_EQ(decodeKey(c.text), c.key);
  }
}

}  // namespace
}  // namespace nines::probers
