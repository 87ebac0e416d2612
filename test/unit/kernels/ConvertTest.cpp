// bf16/f16 -> f32 conversion: exact for every bit pattern, in the scalar helpers and in every
// kernel that widens stored weights (embedding: C++ intrinsics; matmul: Halide).
#include "KernelTestUtil.h"

#include "inferno/kernels.h"
#include "runtime/kernels/Convert.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

using namespace inferno::kernels;
using namespace inferno::kernels::test;

namespace {

uint32_t bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}

// IEEE binary16 decoded from its fields in double precision (independent of Convert.h).
double f16Value(uint16_t h) {
  const int sign = h >> 15, exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
  double v;
  if (exp == 0x1f) v = mant ? NAN : INFINITY;
  else if (exp == 0) v = std::ldexp(double(mant), -24);  // subnormal: mant · 2^-24
  else v = std::ldexp(1.0 + mant / 1024.0, exp - 15);
  return sign ? -v : v;
}

void expectSameFloat(float got, double want, uint32_t pattern) {
  if (std::isnan(want)) {
    EXPECT_TRUE(std::isnan(got)) << "pattern " << std::hex << pattern;
    return;
  }
  EXPECT_EQ(double(got), want) << "pattern " << std::hex << pattern;
  EXPECT_EQ(std::signbit(got), std::signbit(want)) << "pattern " << std::hex << pattern;
}

std::vector<uint16_t> allPatterns() {
  std::vector<uint16_t> all(65536);
  for (uint32_t i = 0; i < 65536; ++i) all[i] = uint16_t(i);
  return all;
}

}  // namespace

TEST(Convert, Bf16ScalarIsShift) {
  for (uint32_t h = 0; h < 65536; ++h) EXPECT_EQ(bits(bf16ToFloat(uint16_t(h))), h << 16);
}

TEST(Convert, F16ScalarExactIncludingSubnormals) {
  for (uint32_t h = 0; h < 65536; ++h) expectSameFloat(f16ToFloat(uint16_t(h)), f16Value(h), h);
  // The smallest subnormal, the largest subnormal, the smallest normal.
  EXPECT_EQ(f16ToFloat(0x0001), std::ldexp(1.0f, -24));
  EXPECT_EQ(f16ToFloat(0x03ff), std::ldexp(1023.0f, -24));
  EXPECT_EQ(f16ToFloat(0x0400), std::ldexp(1.0f, -14));
}

TEST(Convert, NarrowingRoundTrips) {
  for (uint32_t h = 0; h < 65536; ++h) {
    if ((h & 0x7fff) > 0x7c00) continue;  // NaN payloads are not preserved
    EXPECT_EQ(floatToF16(f16ToFloat(uint16_t(h))), h) << std::hex << h;
  }
  for (uint32_t h = 0; h < 65536; ++h) {
    if ((h & 0x7fff) > 0x7f80) continue;
    EXPECT_EQ(floatToBf16(bf16ToFloat(uint16_t(h))), h) << std::hex << h;
  }
  EXPECT_EQ(floatToBf16(1.00390625f), 0x3f80);  // tie to even (down)
  EXPECT_EQ(floatToBf16(1.01171875f), 0x3f82);  // tie to even (up)
  EXPECT_EQ(floatToF16(65520.0f), 0x7c00);      // rounds to infinity
  EXPECT_EQ(floatToF16(std::ldexp(1.5f, -25)), 0x0001);  // rounds up to the smallest subnormal
}

// Embedding rows are the widened table rows, bit for bit: every pattern, 64 per row.
TEST(Convert, EmbeddingWidensEveryPatternExactly) {
  const auto table = allPatterns();
  const int64_t hidden = 64, rows = 65536 / hidden;
  std::vector<int32_t> tokens(rows);
  for (int32_t i = 0; i < rows; ++i) tokens[i] = rows - 1 - i;  // reversed: gathers, not copies
  forEachIsa([&](Isa) {
    std::vector<float> y(65536);
    inferno_embedding_bf16(tokens.data(), table.data(), y.data(), rows, hidden);
    for (int64_t i = 0; i < rows; ++i)
      for (int64_t h = 0; h < hidden; ++h) {
        uint32_t pattern = uint32_t(tokens[i] * hidden + h);
        ASSERT_EQ(bits(y[i * hidden + h]), pattern << 16);
      }
    inferno_embedding_f16(tokens.data(), table.data(), y.data(), rows, hidden);
    for (int64_t i = 0; i < rows; ++i)
      for (int64_t h = 0; h < hidden; ++h) {
        uint32_t pattern = uint32_t(tokens[i] * hidden + h);
        expectSameFloat(y[i * hidden + h], f16Value(uint16_t(pattern)), pattern);
      }
  });
}

// The matmul kernels widen weights inside Halide: with x one-hot, y is the weight matrix
// transposed, exactly (1·w + Σ 0·w' = w for finite w). Covers every finite pattern, including
// every f16 subnormal, through matvec (m = 1, 2) and matmul (m = 16) schedules (bf16
// subnormals excepted where the activations are rounded to bf16: see below).
TEST(Convert, MatmulWidensEveryFinitePatternExactly) {
  const int64_t k = 16, n = 65536 / k;
  for (bool isF16 : {false, true}) {
    std::vector<uint16_t> w = allPatterns();
    for (auto &h : w) {
      const bool finite = isF16 ? (h & 0x7c00) != 0x7c00 : (h & 0x7f80) != 0x7f80;
      if (!finite) h = 0;
    }
    forEachIsa([&](Isa) {
      for (int64_t m : {int64_t(1), int64_t(2), int64_t(16)}) {
        std::vector<float> x(m * k, 0.0f), y(m * n);
        for (int64_t i = 0; i < m; ++i) x[i * k + (i * 5) % k] = 1.0f;
        if (isF16) inferno_matmul_f16(x.data(), w.data(), y.data(), m, n, k);
        else inferno_matmul_bf16(x.data(), w.data(), y.data(), m, n, k);
        for (int64_t i = 0; i < m; ++i)
          for (int64_t j = 0; j < n; ++j) {
            const uint16_t h = w[j * k + (i * 5) % k];
            double want = isF16 ? f16Value(h) : double(bf16ToFloat(h));
            // vdpbf16ps (avx512-bf16, m ≥ 4) treats subnormal bf16 inputs as zero: weights
            // below 2^-126 in magnitude, far below any sum they could take part in.
            if (!isF16 && matmulBf16RoundsActivations(m) && (h & 0x7f80) == 0) want = 0;
            ASSERT_EQ(double(y[i * n + j]), want)
                << (isF16 ? "f16" : "bf16") << " pattern " << std::hex << h << " m=" << m;
          }
      }
    });
  }
}

// Infinities and NaNs widen to infinities and NaNs: each row holds one of them (at the one-hot
// column) and zeros elsewhere, so y = 1·special + Σ 0·0.
TEST(Convert, MatmulWidensInfinitiesAndNaNs) {
  const int64_t k = 20;
  for (bool isF16 : {false, true}) {
    std::vector<uint16_t> specials;
    for (uint32_t h = 0; h < 65536; ++h) {
      const bool special = isF16 ? (h & 0x7c00) == 0x7c00 : (h & 0x7f80) == 0x7f80;
      if (special) specials.push_back(uint16_t(h));
    }
    const int64_t n = int64_t(specials.size());
    std::vector<uint16_t> w(n * k, 0);
    for (int64_t j = 0; j < n; ++j) w[j * k + 3] = specials[j];
    std::vector<float> x(k, 0.0f);
    x[3] = 1.0f;
    forEachIsa([&](Isa) {
      std::vector<float> y(n);
      if (isF16) inferno_matmul_f16(x.data(), w.data(), y.data(), 1, n, k);
      else inferno_matmul_bf16(x.data(), w.data(), y.data(), 1, n, k);
      for (int64_t j = 0; j < n; ++j) {
        const double want = isF16 ? f16Value(specials[j]) : double(bf16ToFloat(specials[j]));
        if (std::isnan(want)) {
          ASSERT_TRUE(std::isnan(y[j])) << std::hex << specials[j];
        } else {
          ASSERT_EQ(double(y[j]), want) << std::hex << specials[j];
        }
      }
    });
  }
}
