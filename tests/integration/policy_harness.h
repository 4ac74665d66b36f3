// Shared by the traffic-management tests (policy_*_test.cc): gslb.test, a zone with one service
// per policy, the dnsd.toml sections that place client networks on the map, a fixture with a dnsd
// of its own serving it, and reading which region an answer came from.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "integration_harness.h"

namespace nines::integration {

// gslb.test: regions us-east, eu-west and ap-south and one service per policy:
//   www       geo, answers 2: us-east 192.0.2.10/.11 + 2001:db8:10::10, eu-west 198.51.100.10/.11 +
//             2001:db8:20::10, ap-south 203.0.113.10 only (no IPv6); rules EU -> [eu-west,
//             us-east], AS -> [ap-south, eu-west], IN -> [ap-south], BR -> [us-east], nets
//             233.252.0.0/24 -> [eu-west], 2001:db8:ff::/48 -> [ap-south, us-east]
//   api       weighted: us-east 90 (192.0.2.20/.21), eu-west 10 (198.51.100.20)
//   db        failover [us-east, eu-west], fallback "none": 192.0.2.30, 198.51.100.30
//   cdn       geo: us-east 192.0.2.40, eu-west 198.51.100.40, ap-south 203.0.113.40 drained in the
//             zone file
//   lat.edge  latency, answers 2: us-east 192.0.2.50/.51, eu-west 198.51.100.50 + 2001:db8:20::50
// and static names ns1 (A 192.0.2.53, AAAA 2001:db8::53) and static (A 192.0.2.99).
std::string gslbZone();
extern const char* const kGslbToken;
extern const char* const kGslbSoa;  // its negative-answer SOA line
// dnsd.toml sections for it: [http] on 127.0.0.1:0 with `token` (none when empty) and `test_hooks`,
// and [geo.nets] placing loopback, the documentation ranges, 198.18.0.0/15 (a point only) and two
// IPv6 /48s (see the .cc for the table).
std::string gslbSections(const std::string& token = kGslbToken, bool test_hooks = true);
// A dnsd serving gslb.test with gslbSections(token, test_hooks); `listen` as DnsdServer::Options.
std::unique_ptr<DnsdServer> startGslb(const std::string& token = kGslbToken, bool test_hooks = true,
                                      std::vector<std::string> listen = {"127.0.0.1:0"});

// A fixture with a dnsd of its own serving gslb.test (startGslb()) and the port of its HTTP API.
class GslbTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = startGslb();
    ASSERT_TRUE(server_->ready());
    http_ = server_->httpPort();
    ASSERT_NE(http_, 0) << server_->process().log();
  }
  // POST /v1/drain or /v1/undrain with `body` and the operator's token (kGslbToken).
  HttpReply drain(const std::string& body) const {
    return httpPost(http_, "/v1/drain", body, kGslbToken);
  }
  HttpReply undrain(const std::string& body) const {
    return httpPost(http_, "/v1/undrain", body, kGslbToken);
  }

  std::unique_ptr<DnsdServer> server_;
  std::uint16_t http_ = 0;
};

// The region a gslb.test endpoint address belongs to ("us-east", ...), "?" for any other.
std::string regionOf(const std::string& address);
// regionOf() of each address of an answer section (addressesOf()).
Strings regionsOf(const Strings& answer);

// POST /v1/test/health {"service": S, "region": R, "endpoint": E, "state": STATE} (empty fields
// left out); the HTTP status.
int setHealth(std::uint16_t port, const std::string& service, const std::string& region,
              const std::string& endpoint, const std::string& state);

}  // namespace nines::integration
