// inferno_matmul_w8a8: every implementation (scalar, AVX2, AVX-512 VNNI) must return exactly the
// bits of the scalar reference, since the dot products are exact int32 sums and the quantization
// and the float epilogue are the same operations in the same order. Independently of the
// reference, integer-valued activations whose absmax is 127 quantize to themselves with scale 1,
// so the outputs must equal int64 sums computed here; and ties must round to even.
#include "KernelTestUtil.h"

#include "inferno/kernels.h"
#include "runtime/kernels/MatmulW8A8.h"

#include <gtest/gtest.h>

#include <cstring>
#include <random>

using namespace inferno::kernels;
using namespace inferno::kernels::test;

namespace {

const w8a8::Impl kImpls[] = {w8a8::Impl::Scalar, w8a8::Impl::Avx2, w8a8::Impl::Avx512Vnni};

std::vector<int8_t> randomInt8(size_t count, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> d(-128, 127);
  std::vector<int8_t> v(count);
  for (int8_t &b : v)
    b = int8_t(d(rng));
  // Weights written by llm-compressor use the whole range; make sure both ends occur.
  if (count >= 2)
    v[0] = -128, v[count - 1] = 127;
  return v;
}

bool sameBits(float a, float b) { return std::memcmp(&a, &b, sizeof a) == 0; }

struct Shape {
  int64_t m, n, k;
};

const Shape kShapes[] = {{1, 1, 1},   {1, 7, 15},   {1, 64, 64},  {2, 33, 65},   {3, 17, 127},
                         {4, 64, 128}, {5, 130, 200}, {9, 31, 2051}, {17, 48, 64}, {1, 300, 4096}};

TEST(MatmulW8A8, EveryImplementationMatchesTheReferenceBitExactly) {
  uint32_t seed = 100;
  for (const Shape &s : kShapes) {
    SCOPED_TRACE(testing::Message() << "m=" << s.m << " n=" << s.n << " k=" << s.k);
    auto x = randomFloats(size_t(s.m * s.k), seed++, -3.0f, 3.0f);
    if (s.m > 2) // an all-zero row: scale 0, outputs 0
      std::fill(x.begin() + s.k, x.begin() + 2 * s.k, 0.0f);
    const auto w = randomInt8(size_t(s.n * s.k), seed++);
    const auto wScale = randomFloats(size_t(s.n), seed++, 1e-4f, 2e-2f);
    std::vector<float> ref(size_t(s.m * s.n), -1.0f);
    inferno_matmul_w8a8_ref(x.data(), w.data(), wScale.data(), ref.data(), s.m, s.n, s.k);
    for (w8a8::Impl impl : kImpls) {
      if (!w8a8::cpuSupports(impl)) {
        std::printf("[ SKIPPED  ] %s: not supported by this CPU\n", w8a8::implName(impl));
        continue;
      }
      SCOPED_TRACE(w8a8::implName(impl));
      std::vector<float> y(ref.size(), -2.0f);
      w8a8::matmul(impl, x.data(), w.data(), wScale.data(), y.data(), s.m, s.n, s.k);
      for (size_t i = 0; i < y.size(); ++i)
        ASSERT_TRUE(sameBits(y[i], ref[i])) << "at " << i << ": " << y[i] << " vs " << ref[i];
    }
  }
}

TEST(MatmulW8A8, IntegerActivationsGiveExactIntegerSums) {
  const int64_t m = 3, n = 40, k = 1000;
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> d(-127, 127);
  std::vector<float> x(size_t(m * k));
  for (float &v : x)
    v = float(d(rng));
  for (int64_t i = 0; i < m; ++i)
    x[size_t(i * k + i)] = i % 2 ? -127.0f : 127.0f; // absmax 127: q = x, scale 1
  const auto w = randomInt8(size_t(n * k), 8);
  const std::vector<float> ones(size_t(n), 1.0f);
  for (w8a8::Impl impl : kImpls) {
    if (!w8a8::cpuSupports(impl))
      continue;
    SCOPED_TRACE(w8a8::implName(impl));
    std::vector<float> y(size_t(m * n));
    w8a8::matmul(impl, x.data(), w.data(), ones.data(), y.data(), m, n, k);
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) {
        int64_t exact = 0;
        for (int64_t t = 0; t < k; ++t)
          exact += int64_t(x[size_t(i * k + t)]) * w[size_t(j * k + t)];
        ASSERT_EQ(y[size_t(i * n + j)], float(exact)) << "row " << i << " column " << j;
      }
  }
}

TEST(MatmulW8A8, ActivationTiesRoundToEven) {
  // absmax 127 makes 127/absmax exactly 1, so x·(127/absmax) = x and the ties are exact.
  const std::vector<float> x = {127.0f, 0.5f, 1.5f, 2.5f, -0.5f, -1.5f, -2.5f, 3.49f};
  const std::vector<float> expected = {127.0f, 0.0f, 2.0f, 2.0f, 0.0f, -2.0f, -2.0f, 3.0f};
  const int64_t k = int64_t(x.size());
  std::vector<int8_t> identity(size_t(k * k), 0);
  for (int64_t j = 0; j < k; ++j)
    identity[size_t(j * k + j)] = 1;
  const std::vector<float> ones(size_t(k), 1.0f);
  std::vector<float> y(static_cast<size_t>(k));
  inferno_matmul_w8a8_ref(x.data(), identity.data(), ones.data(), y.data(), 1, k, k);
  EXPECT_EQ(y, expected);
  forEachIsa([&](Isa) {
    std::vector<float> z(static_cast<size_t>(k));
    inferno_matmul_w8a8(x.data(), identity.data(), ones.data(), z.data(), 1, k, k);
    EXPECT_EQ(z, expected);
  });
}

}  // namespace
