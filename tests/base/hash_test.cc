// The stickiness hashes are a contract between nameservers (base/hash.h): every dnsd, on any
// build, must send a client subnet to the same region. These vectors pin them; if one fails,
// answers would move for real clients, so the change is wrong, not the vector.
#include "nines/base/hash.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

namespace nines::base {
namespace {

struct FnvCase {
  std::string input;
  std::uint64_t hash;
};

TEST(Hash, Fnv1aMatchesTheReferenceVectors) {
  // The FNV-1a 64-bit test vectors of the algorithm's authors (draft-eastlake-fnv).
  const FnvCase cases[] = {
      {"", 0xcbf29ce484222325ull},
      {"a", 0xaf63dc4c8601ec8cull},
      {"foobar", 0x85944171f73967e8ull},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(fnv1a(kFnvOffset, c.input.data(), c.input.size()), c.hash) << c.input;
  }
}

TEST(Hash, Fnv1aContinuesWhereItLeftOff) {
  const std::string whole = "foobar";
  EXPECT_EQ(fnv1a(fnv1a(kFnvOffset, "foo", 3), "bar", 3),
            fnv1a(kFnvOffset, whole.data(), whole.size()));
}

TEST(Hash, Mix64IsTheSplitmix64Finalizer) {
  // splitmix64's first outputs from seed 0 are mix64 of the golden-ratio increments.
  EXPECT_EQ(mix64(0x9e3779b97f4a7c15ull), 0xe220a8397b1dcdafull);
  EXPECT_EQ(mix64(0x3c6ef372fe94f82aull), 0x6e789e6aa1b965f4ull);
  EXPECT_EQ(mix64(0), 0u);
}

TEST(Hash, ProcessLocalHashesSpreadAndStayInRange) {
  // Not a contract: only that they are usable as slots.
  const std::uint8_t a[] = {192, 0, 2, 1}, b[] = {192, 0, 3, 1};
  EXPECT_LT(subnetSlot(a, 3, 0, 11), std::size_t{1} << 11);
  EXPECT_NE(subnetSlot(a, 3, 0, 11), subnetSlot(b, 3, 0, 11));
  EXPECT_EQ(subnetSlot(a, 3, 7, 12), subnetSlot(a, 3, 7, 12));
  EXPECT_NE(hashName(std::string("\3www\7example\4test\0", 18)),
            hashName(std::string("\3ww2\7example\4test\0", 18)));
}

}  // namespace
}  // namespace nines::base
