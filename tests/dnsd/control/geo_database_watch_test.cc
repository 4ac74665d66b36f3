// GeoDatabaseWatch: a database file that changed is reported once it has settled over one check,
// once per change; a file rewritten in place, replaced by rename or removed all count.
#include "nines/dnsd/control/geo_database_watch.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "process.h"

namespace nines::dnsd {
namespace {

using nines::testing::TempDir;

TEST(GeoDatabaseWatch, AChangeIsReportedOnceSettledAndOnce) {
  TempDir dir;
  const std::string v4 = dir.write("v4.mmdb", "first");
  const std::string v6 = dir.write("v6.mmdb", "first");
  GeoDatabaseWatch watch;
  EXPECT_EQ(watch.changed(), "");  // nothing loaded: nothing watched
  watch.loaded(stampsOf({v4, v6}));
  EXPECT_EQ(watch.changed(), "");
  EXPECT_EQ(watch.changed(), "");
  dir.write("v6.mmdb", "second, longer");  // rewritten in place
  EXPECT_EQ(watch.changed(), "");          // maybe still being written: look again
  EXPECT_EQ(watch.changed(), v6);
  EXPECT_EQ(watch.changed(), "");  // acknowledged: not again until it changes again
  // Replaced by rename, as updaters do: another inode, same size.
  dir.write("v4.mmdb.new", "fresh");
  std::filesystem::rename(v4 + ".new", v4);
  EXPECT_EQ(watch.changed(), "");
  dir.write("v4.mmdb", "fresher");  // changed again before it settled: settle anew
  EXPECT_EQ(watch.changed(), "");
  EXPECT_EQ(watch.changed(), v4);
  std::filesystem::remove(v4);
  EXPECT_EQ(watch.changed(), "");
  EXPECT_EQ(watch.changed(), v4);
  // A reload puts new stamps in force: the removed file, now back, is a change from those.
  watch.loaded(stampsOf({v6}));
  EXPECT_EQ(watch.changed(), "");
  EXPECT_EQ(watch.changed(), "");
}

}  // namespace
}  // namespace nines::dnsd
