// The status page (GET /) in headless Chromium: a region the test takes down is shown down, in
// the list of what is not up and in the recent changes, within the page's refresh interval (plus
// slack for a loaded machine); each endpoint's votes and RTT appear when its service is opened;
// the page loads nothing from another origin; and a status of 3,000 endpoints renders its summary.
// Skipped, saying why, where there is no chromium.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>

#include "headless_browser.h"
#include "health_harness.h"

namespace nines::integration {
namespace {

using nines::testing::HeadlessBrowser;
using nlohmann::json;
using Stopwatch = std::chrono::steady_clock;

// The page's default refresh, and what a loaded machine may add to it (a refresh is a fetch of
// the status, then a render; either can wait its turn for seconds under a parallel ctest).
constexpr auto kRefresh = std::chrono::seconds(2);
constexpr auto kSlack = std::chrono::seconds(8);
constexpr auto kStartUp = std::chrono::seconds(60);  // a cold browser on a busy machine
constexpr const char* kToken = "status-page-token";

double secondsSince(Stopwatch::time_point start) {
  return std::chrono::duration<double>(Stopwatch::now() - start).count();
}

// JavaScript: the data-state of the tile of `service`/`region` in the services list.
std::string tileState(const std::string& key) {
  return "(document.querySelector('#services [data-region=\"" + key +
         "\"]') || {dataset: {}}).dataset.state || null";
}

class StatusPageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (HeadlessBrowser::executable().empty()) {
      GTEST_SKIP() << "no chromium: install Debian's chromium (tools/setup.sh) or set "
                      "NINES_CHROMIUM to test the status page in a browser";
    }
  }
  // dnsd serving `zones`, with [http] test hooks and the test's three probers.
  void startDnsd(const std::map<std::string, std::string>& zones) {
    std::string sections = healthSections(0, 600, testProbers());
    sections.replace(sections.find("\n[health]"), 1,
                     "\ntest_hooks = true\ntoken = \"" + std::string(kToken) + "\"\n");
    server_ = std::make_unique<DnsdServer>(zones, DnsdServer::Options{}, sections);
    ASSERT_TRUE(server_->ready());
    http_ = server_->httpPort();
    ASSERT_NE(http_, 0) << server_->process().log();
  }
  void openPage(const std::string& path = "/") {
    browser_ = std::make_unique<HeadlessBrowser>();
    ASSERT_TRUE(browser_->ok()) << browser_->error();
    ASSERT_TRUE(browser_->open("http://127.0.0.1:" + std::to_string(http_) + path))
        << browser_->error() << browser_->log();
  }
  std::string origin() const { return "http://127.0.0.1:" + std::to_string(http_) + "/"; }
  bool waitFor(const std::string& expression, const json& expected,
               std::chrono::milliseconds timeout) {
    json last;
    const bool seen = browser_->waitFor(expression, expected, timeout, &last);
    if (!seen) {
      ADD_FAILURE() << expression << " is " << last.dump() << ", not " << expected.dump()
                    << " (browser: " << browser_->error() << ")";
    }
    return seen;
  }

  std::unique_ptr<DnsdServer> server_;
  std::uint16_t http_ = 0;
  std::unique_ptr<HeadlessBrowser> browser_;
};

TEST_F(StatusPageTest, ARegionTakenDownIsShownDownWithinTheRefreshInterval) {
  startDnsd({{"health.test.toml", healthZone(9, {}, /*slow_start=*/600)}});
  std::vector<std::pair<std::string, bool>> all_up;
  for (const auto& address : kHealthEndpoints) all_up.emplace_back(address, true);
  for (const auto& prober : testProbers()) ASSERT_EQ(postSigned(http_, prober, 1, all_up), 200);
  ASSERT_NO_FATAL_FAILURE(openPage());
  const std::string eu = "app.health.test./eu-west";
  ASSERT_TRUE(waitFor(tileState(eu), "up", kStartUp));

  ASSERT_EQ(httpPost(http_, "/v1/test/health",
                     R"({"service": "app", "region": "eu-west", "state": "down"})")
                .status,
            200);
  const auto taken_down = Stopwatch::now();
  EXPECT_TRUE(waitFor(tileState(eu), "down", kRefresh + kSlack));
  std::printf("eu-west shown down %.2f s after it was taken down (refresh every %lld s)\n",
              secondsSince(taken_down), static_cast<long long>(kRefresh.count()));
  // The same refresh lists it as not up and shows the change, with its reason.
  const std::string event =
      "document.querySelector('#events tr[data-event=\"region\"]"
      "[data-event-region=\"" +
      eu + "\"][data-to=\"down\"]')";
  EXPECT_TRUE(waitFor("!!" + event, true, kRefresh + kSlack));
  EXPECT_EQ(browser_->evaluate(event + ".textContent.includes('0/1 endpoints up or unknown')"),
            json(true));
  EXPECT_EQ(browser_->evaluate("!!document.querySelector('[data-attention=\"" + eu + "\"]')"),
            json(true));
  EXPECT_EQ(browser_->evaluate(tileState("app.health.test./us-east")), json("up"));

  // The last reload and the digest: a good start-up load, and no deployed digest to compare.
  EXPECT_EQ(browser_->evaluate("document.getElementById('reload-result').textContent"
                               ".startsWith('success')"),
            json(true));
  EXPECT_EQ(browser_->evaluate("document.getElementById('digest-verdict').textContent"),
            json("deployed digest not known"));

  // Votes and RTT only once the service is opened.
  const std::string row =
      "(document.querySelector('[data-endpoint=\"app.health.test./us-east/127.0.0.11\"]') || "
      "{textContent: ''}).textContent";
  EXPECT_EQ(browser_->evaluate(row), json(""));
  ASSERT_TRUE(browser_
                  ->evaluate("document.querySelector('details[data-service=\"app.health.test.\"]')"
                             ".open = true")
                  .has_value())
      << browser_->error();
  EXPECT_TRUE(waitFor(row + ".includes('p1: up, 1.0 ms')", true, kRefresh + kSlack));
  EXPECT_TRUE(waitFor(row + ".includes('p3: up, 1.0 ms')", true, kRefresh + kSlack));

  // The start-up load is the oldest change.
  EXPECT_EQ(browser_->evaluate("(document.querySelector('#events tr[data-event=\"reload\"]') || "
                               "{dataset: {}}).dataset.to"),
            json("success"));

  // A region coming back under slow start is ramping; one drained by the API is drained.
  ASSERT_EQ(httpPost(http_, "/v1/test/health",
                     R"({"service": "ramp", "region": "ap-south", "state": "down"})")
                .status,
            200);
  ASSERT_TRUE(waitFor(tileState("ramp.health.test./ap-south"), "down", kRefresh + kSlack));
  ASSERT_EQ(httpPost(http_, "/v1/test/health",
                     R"({"service": "ramp", "region": "ap-south", "state": "up"})")
                .status,
            200);
  ASSERT_EQ(
      httpPost(http_, "/v1/drain", R"({"service": "ramp", "region": "us-east"})", kToken).status,
      200);
  EXPECT_TRUE(waitFor(tileState("ramp.health.test./ap-south"), "ramping", kRefresh + kSlack));
  EXPECT_TRUE(waitFor(tileState("ramp.health.test./us-east"), "drained", kRefresh + kSlack));
  // Each state is written out, not told by colour alone.
  EXPECT_EQ(browser_->evaluate("document.querySelector('#services "
                               "[data-region=\"ramp.health.test./ap-south\"]').textContent"
                               ".includes('ramping')"),
            json(true));
  EXPECT_EQ(browser_->evaluate("!!document.querySelector('#events tr[data-event=\"drain\"]')"),
            json(true));

  // Strings from the JSON go into the page escaped.
  EXPECT_EQ(browser_->evaluate("esc('<img src=x onerror=alert(1)>\"')"),
            json("&#60;img src=x onerror=alert(1)&#62;&#34;"));
  // Everything the page asked for came from dnsd, the page and its refreshes included.
  const auto urls = browser_->requestedUrls();
  bool refreshed = false;
  for (const auto& url : urls) {
    EXPECT_EQ(url.rfind(origin(), 0), 0u) << url << " is not from " << origin();
    refreshed = refreshed || url.find("/v1/status?votes=0") != std::string::npos;
  }
  EXPECT_TRUE(refreshed) << "the summary is read without votes";
}

// 100 services x 3 regions x 10 endpoints, none of them checked (loopback addresses all the same).
std::string largeZone() {
  std::string zone = nines::testing::zoneHead("big.test.", 1) +
                     "\"@\" = [\"NS ns1.big.test.\"]\nns1 = [\"A 127.0.0.53\"]\n";
  for (int r = 0; r < 3; ++r) {
    zone += "[regions.r" + std::to_string(r) + "]\nlocation = [" + std::to_string(10 * r) +
            ".0, 0.0]\n";
  }
  for (int s = 0; s < 100; ++s) {
    const std::string service = "s" + std::to_string(s);
    zone += "[services." + service + "]\npolicy = \"weighted\"\n";
    for (int r = 0; r < 3; ++r) {
      zone += "[services." + service + ".pools.r" + std::to_string(r) + "]\nendpoints = [";
      for (int e = 0; e < 10; ++e) {
        zone += std::string(e ? ", " : "") + "\"127." + std::to_string(r + 1) + "." +
                std::to_string(s) + "." + std::to_string(e + 10) + "\"";
      }
      zone += "]\n";
    }
  }
  return zone;
}

// Scenario 9 on the page: a geo service expecting 20,000 requests/s over us-east (15,000),
// eu-west (15,000) and ap-south (10,000). All up: 20,000/s spare, 5,000/s spare without us-east.
// us-east drained: 5,000/s spare, and without eu-west 10,000/s short.
TEST_F(StatusPageTest, CapacityHeadroomAndTheNMinusOneRule) {
  std::string zone = nines::testing::zoneHead("cap.test.", 1) +
                     "\"@\" = [\"NS ns1.cap.test.\"]\nns1 = [\"A 127.0.0.53\"]\n" + kRegionTables +
                     "\n[services.web]\npolicy = \"geo\"\nexpected_load = 20000\n";
  const char* const capacities[] = {"15000", "15000", "10000"};
  for (std::size_t i = 0; i < kHealthRegions.size(); ++i) {
    zone += "[services.web.pools." + kHealthRegions[i] + "]\ncapacity = " + capacities[i] +
            "\nendpoints = [\"" + kHealthEndpoints[i] + "\"]\n";
  }
  startDnsd({{"cap.test.toml", zone}});
  ASSERT_NO_FATAL_FAILURE(openPage());
  const std::string row = "document.querySelector('[data-capacity=\"web.cap.test.\"]')";
  ASSERT_TRUE(waitFor("!!" + row, true, kStartUp));
  EXPECT_EQ(browser_->evaluate(row + ".dataset.headroom"), json("20000"));
  EXPECT_EQ(browser_->evaluate(row + ".dataset.n1Headroom"), json("5000"));
  EXPECT_EQ(browser_->evaluate(row + ".textContent"),
            json("web.cap.test.20,000/s40,000/s20,000/s sparewithout us-east (15,000/s): "
                 "25,000/s5,000/s spare"));

  ASSERT_EQ(
      httpPost(http_, "/v1/drain", R"({"service": "web", "region": "us-east"})", kToken).status,
      200);
  EXPECT_TRUE(waitFor(row + ".dataset.n1Headroom", "-10000", kRefresh + kSlack));
  EXPECT_EQ(browser_->evaluate(row + ".querySelector('.headroom').textContent"),
            json("5,000/s spare"));
  EXPECT_EQ(browser_->evaluate(row + ".querySelector('.n1-headroom').textContent"),
            json("10,000/s short"));
  EXPECT_EQ(browser_->evaluate("document.getElementById('health-digest').textContent"),
            json(statusJson(http_)["health_digest"]));
}

TEST_F(StatusPageTest, ThreeThousandEndpointsRenderTheirSummary) {
  startDnsd({{"big.test.toml", largeZone()}});
  const auto start = Stopwatch::now();
  ASSERT_NO_FATAL_FAILURE(openPage("/?refresh=1"));
  // A loose bound: this is about the page staying usable, not a benchmark.
  EXPECT_TRUE(
      waitFor("(document.querySelector('[data-count=\"endpoints.unknown\"]') || "
              "{textContent: ''}).textContent",
              "3000 unknown", std::chrono::seconds(60)));
  const double shown = secondsSince(start);
  EXPECT_EQ(browser_->evaluate("document.querySelectorAll('#services [data-region]').length"),
            json(300));
  EXPECT_EQ(browser_->evaluate("document.querySelector('[data-count=\"regions.unknown\"]')"
                               ".textContent"),
            json("300 unknown"));
  // Refreshes keep coming, at the pace asked for: another within a second and slack.
  EXPECT_EQ(browser_->evaluate("refreshSeconds"), json(1));
  const json first = *browser_->evaluate("Number(document.body.dataset.refreshes)");
  EXPECT_TRUE(waitFor("Number(document.body.dataset.refreshes) > " + first.dump(), true,
                      std::chrono::seconds(1) + kSlack));
  const auto fetch_ms = browser_->evaluate("Number(document.body.dataset.fetchMs)");
  const auto render_ms = browser_->evaluate("Number(document.body.dataset.renderMs)");
  std::printf(
      "3,000 endpoints: summary shown %.2f s after the page was opened (browser start-up "
      "included); a later refresh: status fetched in %s ms, rendered in %s ms\n",
      shown, fetch_ms ? fetch_ms->dump().c_str() : "?",
      render_ms ? render_ms->dump().c_str() : "?");
}

}  // namespace
}  // namespace nines::integration
