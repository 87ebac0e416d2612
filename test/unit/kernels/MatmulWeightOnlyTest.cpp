// inferno_matmul_q8 / inferno_matmul_q4 (weights quantized at compile time, float32
// activations): every implementation (scalar, AVX2, AVX-512) is compared with a float64 sum
// over the dequantized weights computed here, within the float32 error bound of a k-term dot
// product (k·u·Σ|x·w|, u = 2^-24), and with the scalar path within twice that. Integer inputs
// make the sums exact, so there every path must agree exactly.
#include "KernelTestUtil.h"

#include "inferno/kernels.h"
#include "runtime/kernels/MatmulWeightOnly.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

using namespace inferno::kernels;
using namespace inferno::kernels::test;

namespace {

const wq::Impl kImpls[] = {wq::Impl::Scalar, wq::Impl::Avx2, wq::Impl::Avx512};

struct Case {
  int64_t m, n, k, group; // group 0: int8
};

// Shapes with every kind of tail: m and n not multiples of the tiles, k not a multiple of the
// vector width (int8 only: int4's k is a multiple of its group).
const Case kCases[] = {{1, 1, 1, 0},     {1, 7, 15, 0},    {1, 64, 64, 0},  {2, 33, 65, 0},
                       {3, 17, 127, 0},  {4, 64, 128, 0},  {5, 130, 200, 0}, {9, 31, 2051, 0},
                       {17, 48, 64, 0},  {1, 300, 4096, 0}, {1, 1, 16, 16}, {1, 7, 32, 16},
                       {2, 33, 64, 32},  {3, 17, 128, 64}, {4, 64, 128, 128}, {5, 130, 256, 128},
                       {9, 31, 2048, 128}, {17, 48, 96, 32}, {1, 300, 4096, 128},
                       {1, 5, 64, 32},   {1, 9, 192, 64}};

struct Weights {
  std::vector<uint8_t> bytes;
  std::vector<float> scales;
  std::vector<double> dequantized; // [n, k]
};

Weights randomWeights(const Case &c, uint32_t seed) {
  std::mt19937 rng(seed);
  Weights w;
  w.dequantized.resize(size_t(c.n * c.k));
  if (c.group == 0) {
    std::uniform_int_distribution<int> d(-127, 127);
    w.bytes.resize(size_t(c.n * c.k));
    w.scales = randomFloats(size_t(c.n), seed + 1, 1e-3f, 2e-2f);
    for (int64_t j = 0; j < c.n; ++j)
      for (int64_t t = 0; t < c.k; ++t) {
        int q = d(rng);
        w.bytes[size_t(j * c.k + t)] = uint8_t(int8_t(q));
        w.dequantized[size_t(j * c.k + t)] = double(q) * w.scales[size_t(j)];
      }
  } else {
    std::uniform_int_distribution<int> d(0, 15); // 0 (q = -8) occurs too: the kernels take it
    const int64_t groups = c.k / c.group;
    w.bytes.assign(size_t(c.n * c.k / 2), 0);
    w.scales = randomFloats(size_t(c.n * groups), seed + 1, 1e-3f, 2e-2f);
    for (int64_t j = 0; j < c.n; ++j)
      for (int64_t t = 0; t < c.k; ++t) {
        int nibble = d(rng);
        w.bytes[size_t((j * c.k + t) / 2)] |= uint8_t(nibble << (4 * (t & 1)));
        w.dequantized[size_t(j * c.k + t)] =
            double(nibble - 8) * w.scales[size_t(j * groups + t / c.group)];
      }
  }
  return w;
}

std::vector<float> run(wq::Impl impl, const Case &c, const std::vector<float> &x, const Weights &w) {
  std::vector<float> y(size_t(c.m * c.n), -1.0f);
  wq::matmul(impl, {x.data(), w.bytes.data(), w.scales.data(), y.data(), c.m, c.n, c.k, c.group});
  return y;
}

TEST(MatmulWeightOnly, EveryImplementationMatchesFloat64WithinTheDotProductBound) {
  uint32_t seed = 300;
  for (const Case &c : kCases) {
    SCOPED_TRACE(testing::Message() << "m=" << c.m << " n=" << c.n << " k=" << c.k
                                    << " group=" << c.group);
    const auto x = randomFloats(size_t(c.m * c.k), seed++, -3.0f, 3.0f);
    const Weights w = randomWeights(c, seed++);
    std::vector<double> exact(size_t(c.m * c.n)), bound(size_t(c.m * c.n));
    for (int64_t i = 0; i < c.m; ++i)
      for (int64_t j = 0; j < c.n; ++j) {
        double sum = 0, magnitude = 0;
        for (int64_t t = 0; t < c.k; ++t) {
          double p = double(x[size_t(i * c.k + t)]) * w.dequantized[size_t(j * c.k + t)];
          sum += p;
          magnitude += std::fabs(p);
        }
        exact[size_t(i * c.n + j)] = sum;
        // k-term sum, plus the dequantizing product and the final scaling.
        bound[size_t(i * c.n + j)] = double(c.k + 3) * kU * magnitude;
      }
    const std::vector<float> scalar = run(wq::Impl::Scalar, c, x, w);
    for (wq::Impl impl : kImpls) {
      if (!wq::cpuSupports(impl)) {
        std::printf("[ SKIPPED  ] %s: not supported by this CPU\n", wq::implName(impl));
        continue;
      }
      SCOPED_TRACE(wq::implName(impl));
      const std::vector<float> y = run(impl, c, x, w);
      for (size_t i = 0; i < y.size(); ++i) {
        ASSERT_LE(std::fabs(double(y[i]) - exact[i]), bound[i])
            << "at " << i << ": " << y[i] << " vs " << exact[i];
        ASSERT_LE(std::fabs(double(y[i]) - double(scalar[i])), 2 * bound[i])
            << "at " << i << ": " << y[i] << " vs scalar " << scalar[i];
      }
    }
  }
}

TEST(MatmulWeightOnly, IntegerInputsGiveExactSums) {
  // Small integers with scale 1: every product and partial sum is an exactly representable
  // integer, so every order of additions gives the exact result.
  for (int64_t group : {0, 32}) {
    SCOPED_TRACE(testing::Message() << "group=" << group);
    const Case c{3, 40, 1024, group};
    std::mt19937 rng(11);
    std::uniform_int_distribution<int> d(-20, 20);
    std::vector<float> x(size_t(c.m * c.k));
    for (float &v : x)
      v = float(d(rng));
    Weights w = randomWeights(c, 12);
    std::fill(w.scales.begin(), w.scales.end(), 1.0f);
    for (wq::Impl impl : kImpls) {
      if (!wq::cpuSupports(impl))
        continue;
      SCOPED_TRACE(wq::implName(impl));
      const std::vector<float> y = run(impl, c, x, w);
      for (int64_t i = 0; i < c.m; ++i)
        for (int64_t j = 0; j < c.n; ++j) {
          int64_t sum = 0;
          for (int64_t t = 0; t < c.k; ++t) {
            int64_t q = group == 0 ? int64_t(int8_t(w.bytes[size_t(j * c.k + t)]))
                                   : int64_t((w.bytes[size_t((j * c.k + t) / 2)] >> (4 * (t & 1))) & 0xf) - 8;
            sum += int64_t(x[size_t(i * c.k + t)]) * q;
          }
          ASSERT_EQ(y[size_t(i * c.n + j)], float(sum)) << "row " << i << " column " << j;
        }
    }
  }
}

TEST(MatmulWeightOnly, EntryPointsRunTheSelectedIsa) {
  const Case c{2, 9, 64, 32};
  const auto x = randomFloats(size_t(c.m * c.k), 21);
  const Weights w = randomWeights(c, 22);
  forEachIsa([&](Isa) {
    std::vector<float> y(size_t(c.m * c.n));
    inferno_matmul_q4(x.data(), w.bytes.data(), w.scales.data(), y.data(), c.m, c.n, c.k, c.group);
    const std::vector<float> expected = run(wq::selectedImpl(), c, x, w);
    EXPECT_EQ(y, expected);
  });
}

TEST(EmbeddingWeightOnly, RowsAreDequantized) {
  // Table of 3 rows × 32: int8 row r holds t - 16 with scale r + 1; int4 (group 16) holds the
  // nibble t % 16 with scales 0.5 and 2 for the two groups of each row.
  const int64_t hidden = 32;
  std::vector<int8_t> q8(size_t(3 * hidden));
  std::vector<uint8_t> q4(size_t(3 * hidden / 2), 0);
  for (int64_t r = 0; r < 3; ++r)
    for (int64_t t = 0; t < hidden; ++t) {
      q8[size_t(r * hidden + t)] = int8_t(t - 16);
      q4[size_t((r * hidden + t) / 2)] |= uint8_t((t % 16) << (4 * (t & 1)));
    }
  const std::vector<float> scale8 = {1.0f, 2.0f, 3.0f};
  const std::vector<float> scale4 = {0.5f, 2.0f, 0.5f, 2.0f, 0.5f, 2.0f};
  const std::vector<int32_t> tokens = {2, 0};
  std::vector<float> y8(size_t(2 * hidden)), y4(size_t(2 * hidden));
  inferno_embedding_q8(tokens.data(), q8.data(), scale8.data(), y8.data(), 2, hidden);
  inferno_embedding_q4(tokens.data(), q4.data(), scale4.data(), y4.data(), 2, hidden, 16);
  for (int64_t i = 0; i < 2; ++i)
    for (int64_t t = 0; t < hidden; ++t) {
      EXPECT_EQ(y8[size_t(i * hidden + t)], float(t - 16) * float(tokens[size_t(i)] + 1));
      EXPECT_EQ(y4[size_t(i * hidden + t)], float(t % 16 - 8) * (t < 16 ? 0.5f : 2.0f));
    }
}

}  // namespace
