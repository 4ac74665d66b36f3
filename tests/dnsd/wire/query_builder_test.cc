// buildQuery: the query explain runs, as ldns reads it: one question, RD clear, an OPT record with
// our payload size and version 0, and the ECS option when one is given.
#include "nines/dnsd/wire/query_builder.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "client_subnet.h"
#include "dns_client.h"

namespace nines::dnsd {
namespace {

using Bytes = std::vector<std::uint8_t>;
using test::subnet;

TEST(QueryBuilder, QueriesReadBackWithLdns) {
  // A query carrying our OPT: ldns sees the payload, the version and the ECS option.
  const ClientSubnet ecs = subnet(1, 24, {198, 51, 100});
  const std::string qname("\3www\7example\4test", 17);
  const Bytes query = buildQuery(std::string_view(qname.data(), qname.size() + 1), 1, &ecs);
  EXPECT_EQ(query.size(), 12 + 18 + 4 + optRecordSize(&ecs));
  // decodeResponse reads any message; a query has QR clear.
  const testing::Response decoded = testing::decodeResponse(query);
  ASSERT_TRUE(decoded.parsed);
  EXPECT_FALSE(decoded.qr);
  EXPECT_FALSE(decoded.rd);
  EXPECT_EQ(decoded.question, std::vector<std::string>{"www.example.test. IN A"});
  EXPECT_TRUE(decoded.has_opt);
  EXPECT_EQ(decoded.opt_udp_size, 1232);
  EXPECT_EQ(decoded.opt_version, 0);
  EXPECT_EQ(decoded.ecs_option, "198.51.100.0/24/0");

  const Bytes plain = buildQuery(std::string_view(qname.data(), qname.size() + 1), 28, nullptr);
  const testing::Response without = testing::decodeResponse(plain);
  ASSERT_TRUE(without.parsed);
  EXPECT_TRUE(without.has_opt);
  EXPECT_EQ(without.ecs_option, "");
  EXPECT_TRUE(without.opt_option_codes.empty());
}

}  // namespace
}  // namespace nines::dnsd
