// WireWriter: every write checks the room left; a group of writes between mark() and commit()
// lands whole or not at all, and a rolled-back group leaves the message as it was.
#include "nines/dnsd/wire/wire_writer.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <vector>

namespace nines::dnsd {
namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes written(const WireWriter& writer) {
  return Bytes(writer.data(), writer.data() + writer.position());
}

TEST(WireWriter, WritesBigEndianAndKeepsTrackOfPosition) {
  std::array<std::uint8_t, 16> buffer{};
  WireWriter writer(buffer.data(), buffer.size());
  writer.u8(0x01);
  writer.u16(0x0203);
  writer.u32(0x04050607);
  const std::uint8_t tail[] = {0x08, 0x09};
  writer.bytes(tail, sizeof tail);
  EXPECT_TRUE(writer.ok());
  EXPECT_EQ(written(writer), (Bytes{1, 2, 3, 4, 5, 6, 7, 8, 9}));
  EXPECT_EQ(writer.remaining(), 7u);
  writer.patchU16(1, 0xC00C);
  EXPECT_EQ(written(writer), (Bytes{1, 0xC0, 0x0C, 4, 5, 6, 7, 8, 9}));
}

TEST(WireWriter, AWriteThatDoesNotFitWritesNothingAndLatches) {
  std::array<std::uint8_t, 4> buffer{};
  WireWriter writer(buffer.data(), buffer.size());
  writer.u16(0xAAAA);
  writer.u32(0xBBBBBBBB);  // 4 octets, 2 left
  EXPECT_FALSE(writer.ok());
  EXPECT_EQ(writer.position(), 2u);
  writer.u8(0xCC);  // would fit, but the writer has failed: nothing more is written
  EXPECT_EQ(written(writer), (Bytes{0xAA, 0xAA}));
  EXPECT_EQ(writer.claim(1), nullptr);
}

TEST(WireWriter, CommitKeepsAGroupThatFit) {
  std::array<std::uint8_t, 8> buffer{};
  WireWriter writer(buffer.data(), buffer.size());
  writer.u8(1);
  const WireWriter::Mark mark = writer.mark();
  writer.u16(0x0203);
  writer.u8(4);
  EXPECT_TRUE(writer.commit(mark));
  EXPECT_EQ(written(writer), (Bytes{1, 2, 3, 4}));
}

TEST(WireWriter, CommitDropsAGroupThatDidNotFitAndWritingGoesOn) {
  std::array<std::uint8_t, 6> buffer{};
  WireWriter writer(buffer.data(), buffer.size());
  writer.u16(0x0102);
  const WireWriter::Mark mark = writer.mark();
  writer.u16(0x0304);
  writer.u32(0x05060708);  // the group's second write does not fit
  EXPECT_FALSE(writer.commit(mark));
  EXPECT_TRUE(writer.ok());
  EXPECT_EQ(written(writer), (Bytes{1, 2}));  // the group's first write is gone too
  writer.u16(0x0909);                         // what fits after the rollback is written
  EXPECT_EQ(written(writer), (Bytes{1, 2, 9, 9}));
}

TEST(WireWriter, RollbackUndoesEvenAGroupThatFit) {
  std::array<std::uint8_t, 8> buffer{};
  WireWriter writer(buffer.data(), buffer.size());
  writer.u8(1);
  const WireWriter::Mark mark = writer.mark();
  writer.u32(0x02030405);
  writer.rollback(mark);
  EXPECT_EQ(written(writer), (Bytes{1}));
}

TEST(WireWriter, NestedGroupsRollBackOnlyTheInnerOne) {
  // An RRset and its signature: the signature may be dropped while the RRset stays.
  std::array<std::uint8_t, 6> buffer{};
  WireWriter writer(buffer.data(), buffer.size());
  const WireWriter::Mark outer = writer.mark();
  writer.u32(0x01020304);
  const WireWriter::Mark inner = writer.mark();
  writer.u32(0x05060708);
  EXPECT_FALSE(writer.commit(inner));
  EXPECT_TRUE(writer.commit(outer));
  EXPECT_EQ(written(writer), (Bytes{1, 2, 3, 4}));
}

TEST(WireWriter, ALimitKeepsRoomThatCanBeTakenBackLater) {
  std::array<std::uint8_t, 8> buffer{};
  WireWriter writer(buffer.data(), buffer.size(), 2);  // a header of 2 already there
  writer.setLimit(5);                                  // keep 3 octets for later
  writer.u16(0x0102);
  writer.u16(0x0304);  // past the limit
  EXPECT_FALSE(writer.ok());
  EXPECT_EQ(writer.position(), 4u);
  writer.rollback(writer.mark());
  writer.setLimit(8);
  writer.u32(0x05060708);
  EXPECT_TRUE(writer.ok());
  EXPECT_EQ(writer.position(), 8u);
  writer.setLimit(100);  // never beyond the buffer
  EXPECT_EQ(writer.remaining(), 0u);
  writer.setLimit(1);  // never behind what is written
  EXPECT_EQ(writer.remaining(), 0u);
  EXPECT_EQ(writer.position(), 8u);
}

}  // namespace
}  // namespace nines::dnsd
