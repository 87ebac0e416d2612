// The compile-time quantizer (WeightQuantizer.h) on rows whose results are known by hand:
// the largest magnitude maps onto ±127 (int8) or ±7 (int4), ties round to even, int4 values
// are stored as q + 8 with the even feature in the low nibble, zero rows get scale 0, and
// mode names parse and print.
#include "compiler/frontend/WeightQuantizer.h"

#include <gtest/gtest.h>

#include <vector>

using namespace inferno;

namespace {

TEST(WeightQuantizer, Int8ScalesByAbsmaxAndRoundsHalfToEven) {
  // absmax 127 gives scale exactly 1: w / scale = w, so the ties 0.5, 1.5, 2.5, -2.5 are exact.
  const std::vector<float> w = {127.0f, 0.5f, 1.5f, 2.5f, -2.5f, -127.0f, 3.49f, 0.0f};
  const WeightQuantMode mode{WeightQuantMode::Int8, 0};
  std::vector<uint8_t> q(w.size());
  float scale = -1;
  quantizeRow(mode, w.data(), int64_t(w.size()), q.data(), &scale);
  EXPECT_EQ(scale, 1.0f);
  const std::vector<int8_t> expected = {127, 0, 2, 2, -2, -127, 3, 0};
  for (size_t i = 0; i < w.size(); ++i)
    EXPECT_EQ(int8_t(q[i]), expected[i]) << "at " << i;
  std::vector<float> back(w.size());
  dequantizeRow(mode, q.data(), &scale, int64_t(w.size()), back.data());
  EXPECT_EQ(back[0], 127.0f);
  EXPECT_EQ(back[2], 2.0f);
}

TEST(WeightQuantizer, Int4GroupsNibblesLowFirst) {
  // Two groups of 16: the first with absmax 7 (scale 1), the second all zero (scale 0).
  std::vector<float> w(32, 0.0f);
  for (int i = 0; i < 16; ++i)
    w[size_t(i)] = float(i % 15) - 7.0f; // -7 .. 7, then -7
  w[1] = 0.5f;                           // a tie: rounds to 0
  w[3] = -6.5f;                          // a tie: rounds to -6
  const WeightQuantMode mode{WeightQuantMode::Int4, 16};
  std::vector<uint8_t> q(16);
  float scales[2] = {-1, -1};
  quantizeRow(mode, w.data(), 32, q.data(), scales);
  EXPECT_EQ(scales[0], 1.0f);
  EXPECT_EQ(scales[1], 0.0f);
  // Feature 0 (-7 → nibble 1) low, feature 1 (0 → nibble 8) high.
  EXPECT_EQ(q[0], uint8_t(1 | (8 << 4)));
  // Feature 2 (-5 → 3) low, feature 3 (-6 → 2) high.
  EXPECT_EQ(q[1], uint8_t(3 | (2 << 4)));
  for (int i = 8; i < 16; ++i)
    EXPECT_EQ(q[size_t(i)], uint8_t(8 | (8 << 4))) << "zero group at byte " << i;
  std::vector<float> back(32);
  dequantizeRow(mode, q.data(), scales, 32, back.data());
  EXPECT_EQ(back[0], -7.0f);
  EXPECT_EQ(back[14], 7.0f);
  EXPECT_EQ(back[20], 0.0f);
}

TEST(WeightQuantizer, ModesParseAndPrint) {
  std::string error;
  auto int8 = parseWeightQuantMode("int8", error);
  ASSERT_TRUE(int8);
  EXPECT_EQ(int8->name(), "int8");
  EXPECT_EQ(int8->bytes(4, 64), 4 * 64 + 4 * 4);
  auto int4 = parseWeightQuantMode("int4-g128", error);
  ASSERT_TRUE(int4);
  EXPECT_EQ(int4->name(), "int4-g128");
  EXPECT_EQ(int4->bytes(4, 256), 4 * 128 + 4 * 2 * 4);
  EXPECT_TRUE(int4->fits(256));
  EXPECT_FALSE(int4->fits(192));
  for (const char *bad : {"int4", "int4-g", "int4-g20", "int4-g0", "int4-gx"}) {
    error.clear();
    EXPECT_FALSE(parseWeightQuantMode(bad, error)) << bad;
    EXPECT_NE(error.find("multiple of 16"), std::string::npos) << bad;
  }
  error.clear();
  EXPECT_FALSE(parseWeightQuantMode("bf16", error));
  EXPECT_TRUE(error.empty());
}

}  // namespace
