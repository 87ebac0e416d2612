// y = x · Wᵀ for f32/bf16/f16 weights, under every ISA, against the scalar references and a
// double-precision evaluation.
//
// Error bound. Both the kernel (16- or 8-lane partial sums, FMA) and the reference (one
// sequential float sum) compute y = Σ_k x_k·w_k in float32 from exactly the same products'
// operands (widening bf16/f16 is exact). A float32 sum of k terms has a worst-case error of about
// k·u·S, S = Σ|x_k·w_k|, and a typical (random-walk) error of about u·√k·S. We require
//     |y − y_exact| ≤ 4·u·√k·S   for the kernel and the reference alike (so |y − y_ref| ≤ 8·u·√k·S),
// which for k = 2072 is 1.1e-5·S: three orders of magnitude above the differences we see, and
// 40× below the effect of dropping or duplicating one term (≈ S/k), so indexing bugs fail.
//
// Under avx512-bf16 and amx-bf16, bf16-weight matmuls with m ≥ 4 round the activations to bf16 first
// (Dispatch.h: matmulBf16RoundsActivations). Their products are then exact in float32 too, so
// the same bound holds against the exact result for the rounded x (and the scalar
// matmulBf16RoundedRef). Against the unrounded x, rounding moves each product by at most
// 2^-8 relative (bf16 keeps 8 significant bits; round to nearest: half an ulp), so
// |y − y_exact| ≤ 2^-8·S + 4·u·√k·S.
#include "KernelTestUtil.h"

#include "inferno/kernels.h"
#include "runtime/kernels/Convert.h"
#include "runtime/kernels/Dispatch.h"
#include "runtime/kernels/Scalar.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace inferno::kernels;
using namespace inferno::kernels::test;

namespace {

enum class Dtype { F32, BF16, F16 };

const char *dtypeName(Dtype d) { return d == Dtype::F32 ? "f32" : d == Dtype::BF16 ? "bf16" : "f16"; }
void PrintTo(Dtype d, std::ostream *os) { *os << dtypeName(d); }

struct Case {
  int64_t m, n, k;
};

void checkMatmul(Dtype dtype, const Case &c, uint32_t seed) {
  SCOPED_TRACE(testing::Message() << dtypeName(dtype) << " m=" << c.m << " n=" << c.n
                                  << " k=" << c.k);
  const auto x = randomFloats(c.m * c.k, seed);
  const auto wf = randomFloats(c.n * c.k, seed + 1);
  std::vector<uint16_t> w16;
  std::vector<float> wv;  // the widened weights the kernels multiply by
  if (dtype == Dtype::BF16) w16 = toBf16(wf), wv = bf16ToF32(w16);
  else if (dtype == Dtype::F16) w16 = toF16(wf), wv = f16ToF32(w16);
  else wv = wf;

  auto run = [&](float *y, bool ref) {
    switch (dtype) {
    case Dtype::F32:
      (ref ? inferno_matmul_f32_ref : inferno_matmul_f32)(x.data(), wf.data(), y, c.m, c.n, c.k);
      break;
    case Dtype::BF16:
      (ref ? inferno_matmul_bf16_ref : inferno_matmul_bf16)(x.data(), w16.data(), y, c.m, c.n, c.k);
      break;
    case Dtype::F16:
      (ref ? inferno_matmul_f16_ref : inferno_matmul_f16)(x.data(), w16.data(), y, c.m, c.n, c.k);
      break;
    }
  };

  // Exact (double) results and the bound per output, for activations xs.
  struct Expected {
    std::vector<double> exact, bound, sumAbs;
  };
  auto expected = [&](const std::vector<float> &xs) {
    Expected e{std::vector<double>(c.m * c.n), std::vector<double>(c.m * c.n),
               std::vector<double>(c.m * c.n)};
    for (int64_t i = 0; i < c.m; ++i)
      for (int64_t j = 0; j < c.n; ++j) {
        double s = 0, a = 0;
        for (int64_t p = 0; p < c.k; ++p) {
          double prod = double(xs[i * c.k + p]) * wv[j * c.k + p];
          s += prod;
          a += std::fabs(prod);
        }
        e.exact[i * c.n + j] = s;
        e.bound[i * c.n + j] = 4 * kU * std::sqrt(double(c.k)) * a + 1e-30;
        e.sumAbs[i * c.n + j] = a;
      }
    return e;
  };
  const Expected plain = expected(x);
  std::vector<float> yref(c.m * c.n);
  run(yref.data(), true);
  for (size_t i = 0; i < yref.size(); ++i)
    ASSERT_LE(std::fabs(yref[i] - plain.exact[i]), plain.bound[i]) << "reference, output " << i;

  // The bf16-activation contract (only bf16 weights, only some ISAs and m).
  Expected rounded;
  std::vector<float> yrefRounded;
  if (dtype == Dtype::BF16) {
    std::vector<float> xr(x.size());
    for (size_t i = 0; i < x.size(); ++i) xr[i] = bf16ToFloat(floatToBf16(x[i]));
    rounded = expected(xr);
    yrefRounded.resize(c.m * c.n);
    scalar::matmulBf16RoundedRef(x.data(), w16.data(), yrefRounded.data(), c.m, c.n, c.k);
    for (size_t i = 0; i < yrefRounded.size(); ++i)
      ASSERT_LE(std::fabs(yrefRounded[i] - rounded.exact[i]), rounded.bound[i])
          << "rounded reference, output " << i;
  }

  forEachIsa([&](Isa) {
    const bool roundsX = dtype == Dtype::BF16 && matmulBf16RoundsActivations(c.m);
    const Expected &e = roundsX ? rounded : plain;
    const std::vector<float> &ref = roundsX ? yrefRounded : yref;
    std::vector<float> y(c.m * c.n, NAN);
    run(y.data(), false);
    double worst = 0;
    for (size_t i = 0; i < y.size(); ++i) {
      ASSERT_LE(std::fabs(y[i] - e.exact[i]), e.bound[i]) << "output " << i << " (row " << i / c.n
                                                          << ", col " << i % c.n << ")";
      ASSERT_LE(std::fabs(y[i] - ref[i]), 2 * e.bound[i]) << "output " << i;
      if (roundsX) {
        ASSERT_LE(std::fabs(y[i] - plain.exact[i]),
                  std::ldexp(plain.sumAbs[i], -8) + plain.bound[i])
            << "output " << i << " against unrounded activations";
      }
      worst = std::max(worst, std::fabs(y[i] - ref[i]) / e.bound[i]);
    }
    testing::Test::RecordProperty("worst_fraction_of_bound", std::to_string(worst));
  });
}

// m: decode (1), small batches (3), prefill (64, 65: one past a tile multiple). n and k: not
// multiples of any tile or vector width (172, 2072 = 2048 + 24, primes), and tiny ones that take
// the fallback paths (n < the matvec tile, k < one vector).
// k ≥ 4096 with m ≥ 4 takes the k-blocked matmul (blocks of 2048, plus a partial block).
// Under amx-bf16, k a multiple of 32 with n ≥ 32 takes the AMX tiles: an odd number of 16-token
// panels (37, 4: one B tile in the last sweep), n not a multiple of 32 (the last row block
// shifted inwards), exactly 32 rows; the other bf16 shapes there take vdpbf16ps.
const Case kCases[] = {
    {1, 172, 2072}, {3, 172, 2072}, {64, 172, 2072}, {65, 172, 2072}, {1, 2048, 64},
    {64, 96, 2048}, {65, 517, 172},  {2, 7, 13},     {1, 1, 1},       {5, 3, 40},
    {4, 6, 16},     {3, 4, 8},       {7, 1031, 31},  {66, 13, 1000},  {1, 5, 4099},
    {65, 37, 4099}, {4, 7, 8192},    {6, 20, 5000},  {37, 100, 96},   {4, 32, 32},
    {33, 45, 8192},
};

class MatmulTest : public testing::TestWithParam<Dtype> {};

TEST_P(MatmulTest, MatchesReferenceAndExact) {
  uint32_t seed = 100;
  for (const Case &c : kCases) checkMatmul(GetParam(), c, seed += 10);
}

TEST_P(MatmulTest, ZeroSizedShapesAreNoOps) {
  forEachIsa([&](Isa) {
    std::vector<float> x(8, 1.0f), y(8, 5.0f);
    std::vector<float> wf(8, 1.0f);
    std::vector<uint16_t> w16(8, 0x3c00);
    auto run = [&](int64_t m, int64_t n, int64_t k) {
      if (GetParam() == Dtype::F32) inferno_matmul_f32(x.data(), wf.data(), y.data(), m, n, k);
      else if (GetParam() == Dtype::BF16) inferno_matmul_bf16(x.data(), w16.data(), y.data(), m, n, k);
      else inferno_matmul_f16(x.data(), w16.data(), y.data(), m, n, k);
    };
    run(0, 4, 2);
    run(2, 0, 2);
    for (float v : y) EXPECT_EQ(v, 5.0f);
    run(2, 3, 0);  // an empty sum is 0
    for (int i = 0; i < 6; ++i) EXPECT_EQ(y[i], 0.0f);
    EXPECT_EQ(y[6], 5.0f);
  });
}

INSTANTIATE_TEST_SUITE_P(Dtypes, MatmulTest, testing::Values(Dtype::F32, Dtype::BF16, Dtype::F16),
                         [](const testing::TestParamInfo<Dtype> &info) {
                           return std::string(dtypeName(info.param));
                         });

// Thread counts and timing change the split of work, never the result: every output is computed
// in a fixed order, and an output that two edge tiles both compute comes out bit-identical from
// each, whichever store lands last. Repeated runs at each count must agree bit for bit.
TEST(MatmulThreads, ResultIndependentOfThreadCountAndTiming) {
  const int32_t saved = inferno_get_num_threads();
  // plain and k-blocked matmul; k = 2048 also takes AMX tiles under amx-bf16
  for (int64_t k : {int64_t(300), int64_t(4100), int64_t(2048)}) {
    const int64_t m = 65, n = k > 1000 ? 61 : 517;
    const auto x = randomFloats(m * k, 7);
    const auto wf = randomFloats(n * k, 8);
    const auto wb = toBf16(wf), wh = toF16(wf);
    forEachIsa([&](Isa) {
      for (int64_t mm : {int64_t(1), int64_t(3), m}) {
        std::vector<float> first[3];
        for (int32_t threads : {1, 2, 3, 5}) {
          inferno_set_num_threads(threads);
          for (int rep = 0; rep < 3; ++rep) {
            std::vector<float> y[3] = {std::vector<float>(mm * n), std::vector<float>(mm * n),
                                       std::vector<float>(mm * n)};
            inferno_matmul_f32(x.data(), wf.data(), y[0].data(), mm, n, k);
            inferno_matmul_bf16(x.data(), wb.data(), y[1].data(), mm, n, k);
            inferno_matmul_f16(x.data(), wh.data(), y[2].data(), mm, n, k);
            for (int d = 0; d < 3; ++d) {
              if (first[d].empty()) first[d] = y[d];
              else ASSERT_EQ(y[d], first[d]) << "dtype " << d << " m=" << mm << " k=" << k
                                             << " threads=" << threads;
            }
          }
        }
      }
    });
  }
  inferno_set_num_threads(saved);
}

}  // namespace
