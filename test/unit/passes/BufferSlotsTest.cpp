//===- BufferSlotsTest.cpp - best-fit reuse of activation buffers --------===//

#include "passes/BufferSlots.h"

#include <gtest/gtest.h>

namespace inferno {
namespace {

TEST(BufferSlots, NewSlotsAreLaidEndToEnd) {
  BufferSlots slots;
  unsigned a = slots.allocate(16, 0, 5), b = slots.allocate(32, 1, 5);
  EXPECT_NE(a, b);
  EXPECT_EQ(slots.offset(a), 0);
  EXPECT_EQ(slots.offset(b), 16);
  EXPECT_EQ(slots.total(), 48);
}

TEST(BufferSlots, ASlotIsFreeOnlyAfterItsLastReader) {
  BufferSlots slots;
  unsigned a = slots.allocate(16, 0, 3);
  // Op 3 still reads a's value while it writes its own result: a new slot.
  unsigned b = slots.allocate(16, 3, 4);
  EXPECT_NE(a, b);
  // From op 4 on, a is free again.
  EXPECT_EQ(slots.allocate(16, 4, 6), a);
  EXPECT_EQ(slots.total(), 32);
}

TEST(BufferSlots, TheSmallestFreeSlotThatFitsIsReused) {
  BufferSlots slots;
  unsigned large = slots.allocate(64, 0, 1), small = slots.allocate(16, 0, 1),
           middle = slots.allocate(32, 0, 1);
  EXPECT_EQ(slots.allocate(20, 2, 3), middle);
  EXPECT_EQ(slots.allocate(8, 2, 3), small);
  EXPECT_EQ(slots.allocate(16, 2, 3), large);
  // Nothing free fits any more: a new slot at the end.
  unsigned extra = slots.allocate(8, 2, 3);
  EXPECT_EQ(slots.offset(extra), 112);
  EXPECT_EQ(slots.total(), 120);
}

TEST(BufferSlots, ExtendKeepsASharedSlotBusy) {
  BufferSlots slots;
  unsigned a = slots.allocate(16, 0, 1);
  slots.extend(a, 5); // a value written in place over a's is read until op 5
  EXPECT_NE(slots.allocate(16, 3, 4), a);
  slots.extend(a, 2); // never shortens
  EXPECT_NE(slots.allocate(16, 5, 6), a);
  EXPECT_EQ(slots.allocate(16, 6, 7), a);
}

} // namespace
} // namespace inferno
