// RMSNorm, SwiGLU, add, embedding and RoPE under every ISA, against the scalar references (and,
// for RoPE, a double-precision evaluation of the contract).
#include "KernelTestUtil.h"

#include "inferno/kernels.h"
#include "runtime/kernels/Convert.h"
#include "runtime/kernels/Scalar.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace inferno::kernels;
using namespace inferno::kernels::test;

namespace {

// ---- RMSNorm. The row's sum of squares is a float32 sum of positive terms: relative error
// ≲ u·√H typically (≤ H·u worst case) in either order; the scale 1/sqrt(·) halves it, and the
// two products add 2u. For H ≤ 4099 and random rows we allow 2e-5 relative (about 3·u·√H + 8u
// at H = 4099), per element.
enum class Dtype { F32, BF16, F16 };

void rmsNormCall(Dtype d, bool ref, const float *x, const float *wf, const uint16_t *w16,
                 float *y, int64_t m, int64_t h, float eps) {
  if (d == Dtype::F32) (ref ? inferno_rms_norm_f32_ref : inferno_rms_norm_f32)(x, wf, y, m, h, eps);
  else if (d == Dtype::BF16) (ref ? scalar::rmsNormBf16 : inferno_rms_norm_bf16)(x, w16, y, m, h, eps);
  else (ref ? scalar::rmsNormF16 : inferno_rms_norm_f16)(x, w16, y, m, h, eps);
}

TEST(RmsNorm, MatchesReferenceInAndOutOfPlace) {
  uint32_t seed = 1;
  for (Dtype d : {Dtype::F32, Dtype::BF16, Dtype::F16})
    for (int64_t m : {1, 3, 65})
      for (int64_t h : {1, 7, 16, 64, 2048, 2075, 4099}) {
        SCOPED_TRACE(testing::Message() << "dtype " << int(d) << " m=" << m << " hidden=" << h);
        const auto x = randomFloats(m * h, ++seed, -3.0f, 3.0f);
        const auto wf = randomFloats(h, ++seed, 0.5f, 1.5f);
        const auto w16 = d == Dtype::F16 ? toF16(wf) : toBf16(wf);
        const float eps = 1e-5f;
        std::vector<float> yref(m * h);
        rmsNormCall(d, true, x.data(), wf.data(), w16.data(), yref.data(), m, h, eps);
        forEachIsa([&](Isa) {
          std::vector<float> y(m * h, NAN), inplace = x;
          rmsNormCall(d, false, x.data(), wf.data(), w16.data(), y.data(), m, h, eps);
          rmsNormCall(d, false, inplace.data(), wf.data(), w16.data(), inplace.data(), m, h, eps);
          for (int64_t i = 0; i < m * h; ++i) {
            ASSERT_NEAR(y[i], yref[i], 2e-5 * std::fabs(yref[i]) + 1e-30) << "element " << i;
            ASSERT_EQ(inplace[i], y[i]) << "in place, element " << i;
          }
        });
      }
}

TEST(RmsNorm, EpsilonMatters) {
  // An all-zero row normalizes to zero; a tiny row is dominated by eps.
  const int64_t h = 40;
  std::vector<float> x(2 * h, 0.0f), w(h, 1.0f), y(2 * h), yref(2 * h);
  for (int64_t i = 0; i < h; ++i) x[h + i] = 1e-4f * float(i % 5);
  forEachIsa([&](Isa) {
    inferno_rms_norm_f32(x.data(), w.data(), y.data(), 2, h, 0.01f);
    inferno_rms_norm_f32_ref(x.data(), w.data(), yref.data(), 2, h, 0.01f);
    for (int64_t i = 0; i < 2 * h; ++i) EXPECT_NEAR(y[i], yref[i], 1e-6 * std::fabs(yref[i]) + 1e-30);
    for (int64_t i = 0; i < h; ++i) EXPECT_EQ(y[i], 0.0f);
  });
}

// ---- SwiGLU. exp is a polynomial in the kernels (≈1–2 ulp) and libm's in the reference;
// 1 + e, the division and the product add 1.5 ulp: 8 ulp relative is generous but catches any
// wrong constant. Large |gate| saturates to gate·up (gate > 0) or a tiny value (gate < 0), where
// we allow an absolute 1e-30.
TEST(Swiglu, MatchesReference) {
  uint32_t seed = 50;
  for (int64_t count : {1, 15, 16, 17, 33, 1000, 32768, 40000, 64 * 8192 + 5}) {
    SCOPED_TRACE(testing::Message() << "count=" << count);
    auto gate = randomFloats(count, ++seed, -12.0f, 12.0f);
    const auto up = randomFloats(count, ++seed, -2.0f, 2.0f);
    const float specials[] = {0.0f, -0.0f, 88.0f, -88.0f, 100.0f, -100.0f, 1e-30f, -1e-30f,
                              87.5f, -87.5f, 20.0f, -20.0f};
    for (size_t i = 0; i < sizeof specials / sizeof *specials && i < size_t(count); ++i)
      gate[(i * 7919) % count] = specials[i];
    std::vector<float> yref(count);
    inferno_swiglu_ref(gate.data(), up.data(), yref.data(), count);
    forEachIsa([&](Isa) {
      std::vector<float> y(count, NAN);
      inferno_swiglu(gate.data(), up.data(), y.data(), count);
      for (int64_t i = 0; i < count; ++i)
        ASSERT_NEAR(y[i], yref[i], 8 * 2 * kU * std::fabs(yref[i]) + 1e-30)
            << "gate " << gate[i] << " up " << up[i];
    });
  }
}

TEST(Add, ExactInAndOutOfPlace) {
  for (int64_t count : {1, 7, 16, 100, 40000, 100003}) {
    const auto a = randomFloats(count, 3), b = randomFloats(count, 4);
    forEachIsa([&](Isa) {
      std::vector<float> y(count), ya = a, yb = b;
      inferno_add(a.data(), b.data(), y.data(), count);
      inferno_add(ya.data(), b.data(), ya.data(), count);  // y == a
      inferno_add(a.data(), yb.data(), yb.data(), count);  // y == b
      for (int64_t i = 0; i < count; ++i) {
        ASSERT_EQ(y[i], a[i] + b[i]);
        ASSERT_EQ(ya[i], y[i]);
        ASSERT_EQ(yb[i], y[i]);
      }
    });
  }
}

TEST(Embedding, GathersAndWidensRows) {
  const int64_t vocab = 37;
  for (int64_t hidden : {1, 7, 64, 2051}) {
    const auto table = randomFloats(vocab * hidden, 9);
    const auto tb = toBf16(table), th = toF16(table);
    for (int64_t m : {1, 5, 40}) {
      std::vector<int32_t> tokens(m);
      for (int64_t i = 0; i < m; ++i) tokens[i] = int32_t((i * 13 + 5) % vocab);
      std::vector<float> r32(m * hidden), rb(m * hidden), rh(m * hidden);
      scalar::embeddingF32(tokens.data(), table.data(), r32.data(), m, hidden);
      scalar::embeddingBf16(tokens.data(), tb.data(), rb.data(), m, hidden);
      scalar::embeddingF16(tokens.data(), th.data(), rh.data(), m, hidden);
      for (int64_t i = 0; i < m * hidden; ++i)
        ASSERT_EQ(r32[i], table[tokens[i / hidden] * hidden + i % hidden]);
      forEachIsa([&](Isa) {
        std::vector<float> y(m * hidden, NAN);
        inferno_embedding_f32(tokens.data(), table.data(), y.data(), m, hidden);
        EXPECT_EQ(y, r32);
        inferno_embedding_bf16(tokens.data(), tb.data(), y.data(), m, hidden);
        EXPECT_EQ(y, rb);
        inferno_embedding_f16(tokens.data(), th.data(), y.data(), m, hidden);
        EXPECT_EQ(y, rh);
      });
    }
  }
}

// ---- RoPE against the contract evaluated in double: a is the float32 product (as specified),
// then cos/sin and the rotation in double. The kernels use cosf/sinf (< 1 ulp) and two float
// products and a sum (FMA or not): error ≤ about 3u·(|x0| + |x1|); we allow 8u·(|x0| + |x1|).
TEST(Rope, MatchesDoublePrecisionContract) {
  for (int64_t headDim : {2, 8, 16, 64, 128, 96, 6}) {
    for (int64_t heads : {1, 3, 32}) {
      for (int32_t start : {0, 17, 100000}) {
        const int64_t m = heads == 32 ? 9 : 70;
        SCOPED_TRACE(testing::Message() << "head_dim=" << headDim << " heads=" << heads
                                        << " first position " << start);
        const int64_t half = headDim / 2;
        std::vector<float> invFreq(half);
        for (int64_t j = 0; j < half; ++j)  // Llama 3 base
          invFreq[j] = float(1.0 / std::pow(500000.0, double(2 * j) / double(headDim)));
        std::vector<int32_t> pos(m);
        for (int64_t i = 0; i < m; ++i) pos[i] = start + int32_t(i);
        const auto x = randomFloats(m * heads * headDim, uint32_t(headDim * 7 + heads));
        std::vector<double> want(x.size());
        std::vector<double> tol(x.size());
        for (int64_t i = 0; i < m; ++i)
          for (int64_t h = 0; h < heads; ++h)
            for (int64_t j = 0; j < half; ++j) {
              const float a = float(pos[i]) * invFreq[j];
              const int64_t o = (i * heads + h) * headDim + j;
              const double x0 = x[o], x1 = x[o + half];
              want[o] = x0 * std::cos(double(a)) - x1 * std::sin(double(a));
              want[o + half] = x1 * std::cos(double(a)) + x0 * std::sin(double(a));
              tol[o] = tol[o + half] = 8 * kU * (std::fabs(x0) + std::fabs(x1));
            }
        std::vector<float> yref = x;
        inferno_rope_ref(yref.data(), pos.data(), invFreq.data(), m, heads, headDim);
        for (size_t i = 0; i < x.size(); ++i) ASSERT_NEAR(yref[i], want[i], tol[i]) << "ref " << i;
        forEachIsa([&](Isa) {
          std::vector<float> y = x;
          inferno_rope(y.data(), pos.data(), invFreq.data(), m, heads, headDim);
          for (size_t i = 0; i < x.size(); ++i) ASSERT_NEAR(y[i], want[i], tol[i]) << "element " << i;
        });
      }
    }
  }
}

}  // namespace
