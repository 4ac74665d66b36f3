// The response writer on hand-made plans, every response decoded by ldns: RRsets are written
// whole or not at all, TC is set when an answer RRset or required glue is cut (RFC 2181 §9,
// RFC 9471 §3) and not for optional additional data, owners point where the plan says, and the
// OPT record always fits.
#include "nines/dnsd/wire/response_writer.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "dns_client.h"
#include "nines/dnsd/wire/message.h"

namespace nines::dnsd {
namespace {

using Bytes = std::vector<std::uint8_t>;
using Strings = std::vector<std::string>;

// RRsetWire is a view (the zone table's arena holds the octets): the storage of the test RRsets,
// which never moves and lives as long as the test binary.
struct FormBuilder {
  std::string bytes;
  std::vector<std::uint16_t> owner_patches, apex_patches;

  RRsetWire seal() const {
    static std::deque<std::string> octets;
    static std::deque<std::vector<std::uint16_t>> offsets;
    std::vector<std::uint16_t> patches = owner_patches;
    patches.insert(patches.end(), apex_patches.begin(), apex_patches.end());
    RRsetWire wire;
    wire.bytes = octets.emplace_back(bytes);
    wire.patches = offsets.emplace_back(std::move(patches)).data();
    wire.owner_patch_count = static_cast<std::uint16_t>(owner_patches.size());
    wire.apex_patch_count = static_cast<std::uint16_t>(apex_patches.size());
    return wire;
  }
};

// `count` A records 192.0.2.1, .2, ... with the owner as a pointer to be patched (at_pointer) or
// as the literal name "a" plus a pointer to the apex (at_apex), TTL 60.
RenderedRRset aRecords(int count) {
  RenderedRRset rrset;
  rrset.type = type::A;
  rrset.count = static_cast<std::uint16_t>(count);
  FormBuilder at_pointer, at_apex;
  for (int i = 0; i < count; ++i) {
    auto record = [&](FormBuilder& form, bool apex) {
      if (apex) {
        form.bytes += std::string("\1a", 2);
        form.apex_patches.push_back(static_cast<std::uint16_t>(form.bytes.size()));
      } else {
        form.owner_patches.push_back(static_cast<std::uint16_t>(form.bytes.size()));
      }
      form.bytes += std::string("\xC0\0\0\1\0\1\0\0\0\x3C\0\4\xC0\0\2", 15);
      form.bytes += static_cast<char>(i + 1);
    };
    record(at_pointer, false);
    record(at_apex, true);
  }
  rrset.at_pointer = at_pointer.seal();
  rrset.at_apex = at_apex.seal();
  return rrset;
}

// A CNAME to "target.<apex>" with a pointer to the apex in its RDATA.
RenderedRRset cnameToTarget() {
  RenderedRRset rrset;
  rrset.type = type::CNAME;
  rrset.count = 1;
  FormBuilder at_pointer;
  at_pointer.owner_patches.push_back(0);
  at_pointer.bytes = std::string("\xC0\0\0\5\0\1\0\0\0\x3C\0\011\6target", 19);
  at_pointer.apex_patches.push_back(static_cast<std::uint16_t>(at_pointer.bytes.size()));
  at_pointer.bytes += std::string("\xC0\0", 2);
  rrset.at_pointer = at_pointer.seal();
  return rrset;
}

class ResponseWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    query_ = testing::buildQuery("www.example.test.", "A", edns_options_);
    ASSERT_EQ(parseQuery(query_.data(), query_.size(), parsed_), ParseOutcome::Ok);
    plan_.reset();
    plan_.authoritative = true;
    plan_.apex_offset = 4;  // "example.test." inside "www.example.test."
  }
  testing::Response write(std::size_t limit) {
    std::vector<std::uint8_t> out(limit);
    const std::size_t size =
        writeResponse(query_.data(), parsed_, plan_, WriteLimits{limit, 1232}, out.data());
    EXPECT_LE(size, limit);
    out.resize(size);
    return testing::decodeResponse(out);
  }

  testing::QueryOptions edns_options_;
  Bytes query_;
  Query parsed_;
  AnswerPlan plan_;
};

TEST_F(ResponseWriterTest, OwnersPointIntoTheQuestionAndAtTheApex) {
  const RenderedRRset answer = aRecords(2);
  const RenderedRRset extra = aRecords(1);
  plan_.answer.push({&answer, OwnerKind::QnameSuffix, 0, false, false});
  plan_.additional.push({&extra, OwnerKind::AtApex, 0, false, false});
  const testing::Response r = write(512);
  ASSERT_TRUE(r.parsed);
  EXPECT_TRUE(r.aa);
  EXPECT_FALSE(r.tc);
  EXPECT_EQ(r.answer, (Strings{"www.example.test. 60 IN A 192.0.2.1",
                               "www.example.test. 60 IN A 192.0.2.2"}));
  EXPECT_EQ(r.additional, Strings{"a.example.test. 60 IN A 192.0.2.1"});
}

TEST_F(ResponseWriterTest, AnOwnerAfterACnameIsItsTarget) {
  const RenderedRRset cname = cnameToTarget();
  const RenderedRRset target = aRecords(1);
  plan_.answer.push({&cname, OwnerKind::QnameSuffix, 0, false, false});
  plan_.answer.push({&target, OwnerKind::LastCnameTarget, 0, false, false});
  const testing::Response r = write(512);
  ASSERT_TRUE(r.parsed);
  EXPECT_EQ(r.answer, (Strings{"www.example.test. 60 IN CNAME target.example.test.",
                               "target.example.test. 60 IN A 192.0.2.1"}));
}

TEST_F(ResponseWriterTest, AnAnswerRRsetThatDoesNotFitIsLeftOutWholeWithTc) {
  const RenderedRRset small = aRecords(1);  // 16 octets
  const RenderedRRset big = aRecords(30);   // 480 octets
  plan_.answer.push({&small, OwnerKind::QnameSuffix, 0, false, false});
  plan_.answer.push({&big, OwnerKind::QnameSuffix, 0, false, false});
  const testing::Response r = write(512);
  ASSERT_TRUE(r.parsed);
  EXPECT_TRUE(r.tc);
  EXPECT_EQ(r.answer, Strings{"www.example.test. 60 IN A 192.0.2.1"});  // the whole first RRset
  EXPECT_EQ(r.size, 12 + 22 + 16u);                                     // and nothing of the next
}

TEST_F(ResponseWriterTest, OptionalAdditionalDataIsDroppedQuietlyRequiredGlueSetsTc) {
  const RenderedRRset answer = aRecords(1);
  const RenderedRRset big = aRecords(40);
  const RenderedRRset small = aRecords(1);
  plan_.answer.push({&answer, OwnerKind::QnameSuffix, 0, false, false});
  plan_.additional.push({&big, OwnerKind::AtApex, 0, /*required=*/false, false});
  plan_.additional.push({&small, OwnerKind::AtApex, 0, false, false});
  testing::Response r = write(512);
  ASSERT_TRUE(r.parsed);
  EXPECT_FALSE(r.tc);
  EXPECT_EQ(r.additional, Strings{"a.example.test. 60 IN A 192.0.2.1"});  // the one that fit

  plan_.additional.entries[0].required = true;
  r = write(512);
  ASSERT_TRUE(r.parsed);
  EXPECT_TRUE(r.tc);
  EXPECT_TRUE(r.additional.empty());
  EXPECT_EQ(r.answer.size(), 1u);
}

TEST_F(ResponseWriterTest, PolicyAddressesAreOneRRsetWrittenWholeOrNotAtAll) {
  static const std::uint8_t kAddresses[3][4] = {{192, 0, 2, 10}, {192, 0, 2, 11}, {192, 0, 2, 12}};
  plan_.addresses.type = type::A;
  plan_.addresses.ttl = 30;
  plan_.addresses.count = 3;
  for (int i = 0; i < 3; ++i) plan_.addresses.addresses[i] = kAddresses[i];
  // 12 + 22 octets of header and question, 27 x 16 of filler: room for two of the three records.
  const RenderedRRset filler = aRecords(27);
  plan_.answer.push({&filler, OwnerKind::QnameSuffix, 0, false, false});
  PlanEntry policy{nullptr, OwnerKind::QnameSuffix, 0, false, /*addresses=*/true};
  plan_.answer.push(policy);
  testing::Response r = write(512);
  ASSERT_TRUE(r.parsed);
  EXPECT_TRUE(r.tc);
  EXPECT_EQ(r.answer.size(), 27u);        // none of the three, not two of them
  EXPECT_EQ(r.size, 12 + 22 + 27 * 16u);  // and no octet of them either

  plan_.answer.size = 0;
  plan_.answer.push(policy);
  r = write(512);
  EXPECT_FALSE(r.tc);
  EXPECT_EQ(r.answer,
            (Strings{"www.example.test. 30 IN A 192.0.2.10", "www.example.test. 30 IN A 192.0.2.11",
                     "www.example.test. 30 IN A 192.0.2.12"}));
}

TEST_F(ResponseWriterTest, TheOptRecordAlwaysFitsAndCarriesTheScope) {
  edns_options_.edns = true;
  edns_options_.udp_size = 512;
  edns_options_.ecs = "198.51.100.0/24";
  SetUp();
  plan_.ecs_scope = 20;
  // 29 x 16 octets fit in 512 after the header and question, but not once the OPT's 22 are kept.
  const RenderedRRset big = aRecords(29);
  plan_.answer.push({&big, OwnerKind::QnameSuffix, 0, false, false});
  const testing::Response r = write(512);
  ASSERT_TRUE(r.parsed);
  EXPECT_TRUE(r.tc);
  EXPECT_TRUE(r.answer.empty());
  EXPECT_TRUE(r.has_opt);
  EXPECT_EQ(r.opt_udp_size, 1232);
  EXPECT_EQ(r.ecs_option, "198.51.100.0/24/20");
}

TEST(ResponseWriter, UdpLimitIsTheClientsPayloadBetween512AndOurs) {
  Query query;
  query.has_edns = false;
  EXPECT_EQ(udpResponseLimit(query, 1232), 512u);
  query.has_edns = true;
  query.udp_size = 100;
  EXPECT_EQ(udpResponseLimit(query, 1232), 512u);
  query.udp_size = 4096;
  EXPECT_EQ(udpResponseLimit(query, 1232), 1232u);
  query.udp_size = 1000;
  EXPECT_EQ(udpResponseLimit(query, 1232), 1000u);
}

}  // namespace
}  // namespace nines::dnsd
