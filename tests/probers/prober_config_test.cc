#include "nines/probers/prober_config.h"

#include <gtest/gtest.h>

#include <string>

#include "process.h"

namespace nines::probers {
namespace {

// base64 of "0123456789abcdef0123456789abcdef".
const char* const kKey = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";

class ProberConfigTest : public ::testing::Test {
 protected:
  ProberConfigResult load(const std::string& text) {
    return loadProberConfig(dir_.write("prober.toml", text));
  }
  nines::testing::TempDir dir_;
};

TEST_F(ProberConfigTest, FullConfig) {
  auto result = load(std::string(R"(id = "eu-1"
region = "eu-west"
location = [53.3, -6.3]
key = ")") + kKey + R"("
dnsd = ["http://127.0.0.1:8053/", "http://127.0.0.2:8053"]
zones = "zones"
report_interval = 0.5
[health]
allow_nets = ["127.0.0.0/8", "::1/128"]
)");
  ASSERT_TRUE(result.errors.empty()) << result.errors[0].toString();
  const ProberConfig& config = result.config;
  EXPECT_EQ(config.id, "eu-1");
  EXPECT_EQ(config.region, "eu-west");
  ASSERT_TRUE(config.location);
  EXPECT_DOUBLE_EQ(config.location->latitude, 53.3);
  EXPECT_EQ(config.key, "0123456789abcdef0123456789abcdef");
  EXPECT_EQ(config.dnsd,
            (std::vector<std::string>{"http://127.0.0.1:8053", "http://127.0.0.2:8053"}));
  EXPECT_EQ(config.zones, dir_.path() + "/zones");
  EXPECT_TRUE(config.checks_from.empty());
  EXPECT_DOUBLE_EQ(config.report_interval, 0.5);
  ASSERT_EQ(config.allow_nets.size(), 2u);
  EXPECT_EQ(config.allow_nets[0].toString(), "127.0.0.0/8");
}

TEST_F(ProberConfigTest, Defaults) {
  auto result = load(std::string("id = \"p\"\nregion = \"r\"\nkey = \"") + kKey +
                     "\"\ndnsd = [\"http://127.0.0.1:1\"]\nchecks_from = \"http://127.0.0.1:1\"\n");
  ASSERT_TRUE(result.errors.empty()) << result.errors[0].toString();
  EXPECT_DOUBLE_EQ(result.config.report_interval, 1.0);
  EXPECT_DOUBLE_EQ(result.config.checks_refresh, 10.0);
  EXPECT_TRUE(result.config.allow_nets.empty());
  EXPECT_FALSE(result.config.location);
  EXPECT_EQ(result.config.checks_from, "http://127.0.0.1:1");
}

TEST_F(ProberConfigTest, MetricsListenAndLog) {
  const std::string base = std::string("id = \"p\"\nregion = \"r\"\nkey = \"") + kKey +
                           "\"\ndnsd = [\"http://127.0.0.1:1\"]\nzones = \"z\"\n";
  struct Case {
    std::string lines;
    std::string host;
    std::uint16_t port;
    base::LogSettings log;
  };
  const Case cases[] = {
      {"", "", 0, {}},
      {"metrics_listen = \"\"\n", "", 0, {}},
      {"metrics_listen = \"127.0.0.1:9154\"\n", "127.0.0.1", 9154, {}},
      {"metrics_listen = \"[::1]:0\"\n", "::1", 0, {}},
      {"[log]\nformat = \"json\"\nlevel = \"debug\"\n",
       "",
       0,
       {base::LogFormat::Json, base::LogLevel::Debug}},
      {"[log]\nlevel = \"error\"\n", "", 0, {base::LogFormat::Text, base::LogLevel::Error}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.lines);
    auto result = load(base + c.lines);
    ASSERT_TRUE(result.errors.empty()) << result.errors[0].toString();
    EXPECT_EQ(result.config.metrics_host, c.host);
    EXPECT_EQ(result.config.metrics_port, c.port);
    EXPECT_EQ(result.config.log.format, c.log.format);
    EXPECT_EQ(result.config.log.level, c.log.level);
  }
}

TEST_F(ProberConfigTest, ErrorsCarryFileLineColumn) {
  const std::string base = std::string("id = \"p\"\nregion = \"r\"\nkey = \"") + kKey +
                           "\"\ndnsd = [\"http://127.0.0.1:1\"]\n";
  const std::string zones = "zones = \"z\"\n";
  struct Case {
    std::string text;
    std::string error;  // the expected message, after "FILE:"
  };
  const Case cases[] = {
      {base + zones + "id2 = 1\n", "6:1: unknown key \"id2\" in prober.toml"},
      {base + zones + "report_interval = 0\n", "6:19: report_interval must be a number of"},
      {base + zones + "checks_refresh = \"x\"\n", "6:18: checks_refresh must be"},
      {base + zones + "location = [100, 0]\n", "6:12: location: latitude"},
      {base + zones + "location = \"here\"\n", "6:12: location must be [latitude, longitude]"},
      {base + zones + "[health]\nallow_nets = [\"10.0.0.1/8\"]\n",
       "7:15: allow_nets \"10.0.0.1/8\""},
      {base + zones + "[health]\nallow_nets = []\n", "7:14: allow_nets is empty"},
      {base + zones + "[health]\nallow = 1\n", "7:1: unknown key \"allow\" in [health]"},
      {base, "missing zones = \"DIR\" or checks_from"},
      {base + zones + "checks_from = \"http://127.0.0.1:1\"\n", "6:15: set zones or checks_from"},
      {base + "checks_from = \"ftp://x\"\n", "5:15: checks_from must be a URL"},
      {"id = \"p q\"\nregion = \"r\"\nkey = \"" + std::string(kKey) +
           "\"\ndnsd = [\"http://127.0.0.1:1\"]\n" + zones,
       "1:6: id must be 1 to 64 letters"},
      {"region = \"r\"\nkey = \"" + std::string(kKey) + "\"\ndnsd = [\"http://127.0.0.1:1\"]\n" +
           zones,
       "missing id = \"NAME\""},
      {"id = \"p\"\nregion = \"r\"\nkey = \"c2hvcnQ=\"\ndnsd = [\"http://127.0.0.1:1\"]\n" + zones,
       "3:7: key must be base64 of at least 16 bytes"},
      {"id = \"p\"\nregion = \"r\"\ndnsd = [\"http://127.0.0.1:1\"]\n" + zones, "missing key"},
      {"id = \"p\"\nregion = \"r\"\nkey = \"" + std::string(kKey) + "\"\n" + zones, "missing dnsd"},
      {"id = \"p\"\nregion = \"r\"\nkey = \"" + std::string(kKey) + "\"\ndnsd = []\n" + zones,
       "4:8: dnsd must be a non-empty array"},
      {"id = \"p\"\nregion = \"r\"\nkey = \"" + std::string(kKey) +
           "\"\ndnsd = [\"127.0.0.1:8053\"]\n" + zones,
       "4:9: dnsd entries must be a URL"},
      {"id = \"p\"\nregion = \"r\"\nkey = \"" + std::string(kKey) +
           "\"\ndnsd = [\"http://a\", \"http://a/\"]\n" + zones,
       "4:21: dnsd \"http://a\" is listed twice"},
      {"id = \"p\"\nregion = [", ":2:11: Error while parsing array"},  // TOML syntax
      {base + zones + "metrics_listen = 9154\n", "6:18: metrics_listen must be \"ADDRESS:PORT\""},
      {base + zones + "metrics_listen = \"[::1]:99999\"\n", "6:18: metrics_listen \"[::1]:99999\""},
      {base + zones + "[log]\nformat = \"xml\"\n", "7:10: format must be \"text\" or \"json\""},
      {base + zones + "[log]\nlevel = \"loud\"\n", "7:9: level must be \"debug\""},
      {base + zones + "[log]\nformt = \"json\"\n", "7:1: unknown key \"formt\" in [log]"},
      {base + zones + "log = \"json\"\n", "6:7: log must be a [log] table"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    auto result = load(c.text);
    ASSERT_FALSE(result.errors.empty());
    std::string text = result.errors[0].toString();
    std::string file = dir_.path() + "/prober.toml:";
    EXPECT_EQ(text.rfind(file, 0), 0u) << text;
    EXPECT_NE(text.find(c.error), std::string::npos) << text;
  }
}

TEST_F(ProberConfigTest, EveryProblemAtOnceInFileOrder) {
  auto result = load(
      "zzz = 1\nid = \"p q\"\nkey = \"short\"\ndnsd = [\"x\"]\nzones = \"z\"\n"
      "[health]\nallow_nets = [\"1.2.3.4/8\"]\n");
  std::vector<std::string> lines;
  for (const auto& error : result.errors) {
    lines.push_back(error.toString().substr(dir_.path().size() + 1));
  }
  EXPECT_EQ(lines, (std::vector<std::string>{
                       "prober.toml:1:1: unknown key \"zzz\" in prober.toml",
                       "prober.toml:2:6: id must be 1 to 64 letters, digits, '.', '_' or '-'",
                       "prober.toml:3:7: key must be base64 of at least 16 bytes",
                       "prober.toml:4:9: dnsd entries must be a URL like \"http://127.0.0.1:8053\"",
                       "prober.toml:7:15: allow_nets \"1.2.3.4/8\": host bits set beyond /8 (did "
                       "you mean 1.0.0.0/8?)",
                       "prober.toml: missing region = \"NAME\""}));
}

TEST_F(ProberConfigTest, KeyIsNeverEchoed) {
  const std::string secret = "bm90LWEta2V5";  // valid base64, too short
  auto result = load("id = \"p\"\nregion = \"r\"\nkey = \"" + secret +
                     "\"\ndnsd = [\"http://127.0.0.1:1\"]\nzones = \"z\"\n");
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_EQ(result.errors[0].toString().find(secret), std::string::npos);
}

TEST(NormalizeBaseUrlTest, Table) {
  struct Case {
    std::string text;
    std::optional<std::string> url;
  };
  const Case cases[] = {
      {"http://127.0.0.1:8053", "http://127.0.0.1:8053"},
      {"http://127.0.0.1:8053//", "http://127.0.0.1:8053"},
      {"https://dnsd.example/api", "https://dnsd.example/api"},
      {"http://[::1]:8053", "http://[::1]:8053"},
      {"127.0.0.1:8053", std::nullopt},
      {"http://", std::nullopt},
      {"http:///x", std::nullopt},
      {"http://a b", std::nullopt},
      {"http://user@host", std::nullopt},
      {"http://host/?q", std::nullopt},
      {"file:///etc/passwd", std::nullopt},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    EXPECT_EQ(normalizeBaseUrl(c.text), c.url);
  }
}

}  // namespace
}  // namespace nines::probers
