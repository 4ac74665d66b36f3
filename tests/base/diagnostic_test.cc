// Diagnostic: every problem an operator is shown reads "file:line:col: message", with what is not
// known left out rather than shown as 0.
#include "nines/base/diagnostic.h"

#include <gtest/gtest.h>

namespace nines::base {
namespace {

TEST(Diagnostic, FileLineColumnMessage) {
  EXPECT_EQ(
      (Diagnostic{{"zones/a.toml", 14, 9}, "pool \"eu\" names unknown region \"fra\""}).toString(),
      "zones/a.toml:14:9: pool \"eu\" names unknown region \"fra\"");
  EXPECT_EQ((Diagnostic{{"dnsd.toml", 3, 0}, "bad"}).toString(), "dnsd.toml:3: bad");
  EXPECT_EQ((Diagnostic{{"zones", 0, 7}, "no zone files"}).toString(), "zones: no zone files");
}

}  // namespace
}  // namespace nines::base
