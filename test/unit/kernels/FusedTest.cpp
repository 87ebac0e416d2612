// The fused kernels (inferno_fused_linear_*, inferno_attention_rope) under every ISA.
//
// Dense projections are checked against a double-precision computation written here (the norm
// included), within the float32 error bound of a k-term dot product: |y − exact| ≤
// (k + 4)·u·Σ|x'_t·w_t| (plus the norm's few roundings, folded into the +4); a wrong segment,
// row or tile tail is off by O(1). They are also checked against their scalar references (the
// unfused kernels composed) within the same bound. w8a8 must match its reference bit for bit
// (exact int32 sums; the prologue and the quantization are the same float operations).
// (Under avx512-bf16, bf16 prefill rounds activations to bf16 first, as inferno_matmul_bf16
// does there; the bound grows by 2^-8 of the magnitude.)
// RoPE-attention is compared with the scalar references of RoPE then attention, and the cache
// must hold the rotated keys.
#include "KernelTestUtil.h"

#include "inferno/kernels.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>

using namespace inferno::kernels;
using namespace inferno::kernels::test;

namespace {

struct Shape {
  int64_t m, k;
  std::vector<int64_t> n;
};

// m = 1..3 run the fused row loop, 5 and 9 the per-weight tiled matmuls; n not multiples of 4,
// k with vector tails, and enough rows for tasks to straddle segments.
const Shape kShapes[] = {{1, 16, {4, 4, 4}},      {1, 37, {5, 3, 9}},      {2, 64, {64, 32, 32}},
                         {3, 131, {17, 9, 1}},    {1, 256, {300, 100, 100}}, {2, 512, {96, 96}},
                         {5, 70, {33, 12, 12}},   {9, 128, {40, 40}}};

enum Format { F32 = 0, BF16 = 1, F16 = 2 };

struct Weights {
  std::vector<std::vector<float>> asFloat;  // what the stored values mean
  std::vector<std::vector<uint8_t>> stored;
};

Weights makeWeights(Format format, const Shape &s, uint32_t seed) {
  Weights w;
  for (int64_t n : s.n) {
    std::vector<float> v = randomFloats(size_t(n * s.k), seed++);
    std::vector<uint8_t> bytes;
    if (format == F32) {
      bytes.resize(v.size() * 4);
      std::memcpy(bytes.data(), v.data(), bytes.size());
    } else {
      std::vector<uint16_t> h = format == BF16 ? toBf16(v) : toF16(v);
      v = format == BF16 ? bf16ToF32(h) : f16ToF32(h);
      bytes.resize(h.size() * 2);
      std::memcpy(bytes.data(), h.data(), bytes.size());
    }
    w.asFloat.push_back(v);
    w.stored.push_back(bytes);
  }
  return w;
}

using FusedFn = void (*)(const float *, const void *, int32_t, float, int64_t, const void *const *,
                         const int64_t *, float *const *, int64_t, int64_t);

struct Entry {
  Format format;
  FusedFn fn, ref;
  const char *name;
};

const Entry kEntries[] = {
    {F32, inferno_fused_linear_f32, inferno_fused_linear_f32_ref, "f32"},
    {BF16, inferno_fused_linear_bf16, inferno_fused_linear_bf16_ref, "bf16"},
    {F16, inferno_fused_linear_f16, inferno_fused_linear_f16_ref, "f16"},
};

// The normalized rows in double (or x itself), from the norm weight's float values.
std::vector<double> normalizedExact(const std::vector<float> &x, const std::vector<float> *norm,
                                    float eps, int64_t m, int64_t k) {
  std::vector<double> out(x.begin(), x.end());
  if (!norm) return out;
  for (int64_t i = 0; i < m; ++i) {
    double ss = 0;
    for (int64_t t = 0; t < k; ++t) ss += double(x[i * k + t]) * x[i * k + t];
    const double inv = 1.0 / std::sqrt(ss / double(k) + double(eps));
    for (int64_t t = 0; t < k; ++t) out[i * k + t] = x[i * k + t] * inv * (*norm)[t];
  }
  return out;
}

void checkDense(const Entry &e, const Shape &s, bool withNorm, int32_t normFormat,
                uint32_t seed) {
  SCOPED_TRACE(testing::Message() << e.name << " m=" << s.m << " k=" << s.k
                                  << " segments=" << s.n.size() << " norm=" << withNorm
                                  << " norm_format=" << normFormat);
  const std::vector<float> x = randomFloats(size_t(s.m * s.k), seed, -2.0f, 2.0f);
  Weights w = makeWeights(e.format, s, seed + 1);
  // The norm weight, stored in normFormat; its float values for the exact computation.
  std::vector<float> normValues = randomFloats(size_t(s.k), seed + 2, 0.5f, 1.5f);
  std::vector<uint16_t> normHalf;
  const void *normPtr = nullptr;
  if (withNorm) {
    if (normFormat == 0) {
      normPtr = normValues.data();
    } else {
      normHalf = normFormat == 1 ? toBf16(normValues) : toF16(normValues);
      normValues = normFormat == 1 ? bf16ToF32(normHalf) : f16ToF32(normHalf);
      normPtr = normHalf.data();
    }
  }
  const float eps = 1e-5f;
  const std::vector<double> exactX =
      normalizedExact(x, withNorm ? &normValues : nullptr, eps, s.m, s.k);

  const int64_t segments = int64_t(s.n.size());
  std::vector<const void *> wp;
  for (auto &b : w.stored) wp.push_back(b.data());
  std::vector<std::vector<float>> ref(segments), got(segments);
  std::vector<float *> refPtr, gotPtr;
  for (int64_t g = 0; g < segments; ++g) {
    ref[g].assign(size_t(s.m * s.n[g]), NAN);
    refPtr.push_back(ref[g].data());
  }
  e.ref(x.data(), normPtr, normFormat, eps, segments, wp.data(), s.n.data(), refPtr.data(), s.m,
        s.k);

  forEachIsa([&](Isa) {
    // Under avx512-bf16, bf16 prefill rounds the activations to bf16 (Dispatch.h): each
    // product then carries up to 2^-8 relative error more.
    const double rounding =
        e.format == BF16 && matmulBf16RoundsActivations(s.m) ? 1.0 / 256.0 : 0.0;
    gotPtr.clear();
    for (int64_t g = 0; g < segments; ++g) {
      got[g].assign(size_t(s.m * s.n[g]), NAN);
      gotPtr.push_back(got[g].data());
    }
    e.fn(x.data(), normPtr, normFormat, eps, segments, wp.data(), s.n.data(), gotPtr.data(), s.m,
         s.k);
    for (int64_t g = 0; g < segments; ++g)
      for (int64_t i = 0; i < s.m; ++i)
        for (int64_t j = 0; j < s.n[g]; ++j) {
          double exact = 0, magnitude = 0;
          for (int64_t t = 0; t < s.k; ++t) {
            const double p = exactX[i * s.k + t] * w.asFloat[g][j * s.k + t];
            exact += p;
            magnitude += std::fabs(p);
          }
          const double bound = double(s.k + 4) * kU * magnitude + 1e-30;
          const float y = got[g][i * s.n[g] + j], r = ref[g][i * s.n[g] + j];
          ASSERT_LE(std::fabs(y - exact), bound + rounding * magnitude)
              << "segment " << g << " row " << i << " col " << j;
          ASSERT_LE(std::fabs(r - exact), bound)
              << "reference, segment " << g << " row " << i << " col " << j;
          ASSERT_LE(std::fabs(double(y) - r), 2 * bound + rounding * magnitude)
              << "against the reference, segment " << g << " row " << i << " col " << j;
        }
  });
}

TEST(FusedLinear, DenseMatchesExactProductsUnderEveryIsa) {
  uint32_t seed = 7000;
  for (const Entry &e : kEntries)
    for (const Shape &s : kShapes) checkDense(e, s, /*withNorm=*/false, 0, seed += 10);
}

TEST(FusedLinear, NormPrologueMatchesExactNormalizedProducts) {
  uint32_t seed = 8000;
  for (const Entry &e : kEntries)
    for (const Shape &s : kShapes)
      for (int32_t normFormat : {0, 1, 2}) checkDense(e, s, /*withNorm=*/true, normFormat, seed += 10);
}

TEST(FusedLinear, W8A8MatchesTheReferenceBitExactly) {
  uint32_t seed = 9000;
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> byte(-128, 127);
  for (const Shape &s : kShapes)
    for (bool withNorm : {false, true}) {
      SCOPED_TRACE(testing::Message() << "m=" << s.m << " k=" << s.k << " norm=" << withNorm);
      const int64_t segments = int64_t(s.n.size());
      const std::vector<float> x = randomFloats(size_t(s.m * s.k), seed++, -3.0f, 3.0f);
      const std::vector<float> norm = randomFloats(size_t(s.k), seed++, 0.5f, 1.5f);
      std::vector<std::vector<int8_t>> w(segments);
      std::vector<std::vector<float>> scales(segments), ref(segments), got(segments);
      std::vector<const void *> wp, sp;
      std::vector<float *> refPtr;
      for (int64_t g = 0; g < segments; ++g) {
        w[g].resize(size_t(s.n[g] * s.k));
        for (int8_t &b : w[g]) b = int8_t(byte(rng));
        scales[g] = randomFloats(size_t(s.n[g]), seed++, 1e-4f, 2e-2f);
        wp.push_back(w[g].data());
        sp.push_back(scales[g].data());
        ref[g].assign(size_t(s.m * s.n[g]), NAN);
        refPtr.push_back(ref[g].data());
      }
      const void *normPtr = withNorm ? norm.data() : nullptr;
      inferno_fused_linear_w8a8_ref(x.data(), normPtr, 0, 1e-5f, segments, wp.data(), sp.data(),
                                    s.n.data(), refPtr.data(), s.m, s.k);
      // Independently: without a norm, each segment is inferno_matmul_w8a8_ref on its own.
      if (!withNorm)
        for (int64_t g = 0; g < segments; ++g) {
          std::vector<float> single(size_t(s.m * s.n[g]));
          inferno_matmul_w8a8_ref(x.data(), w[g].data(), scales[g].data(), single.data(), s.m,
                                  s.n[g], s.k);
          ASSERT_EQ(0, std::memcmp(single.data(), ref[g].data(), single.size() * 4));
        }
      forEachIsa([&](Isa) {
        std::vector<float *> gotPtr;
        for (int64_t g = 0; g < segments; ++g) {
          got[g].assign(size_t(s.m * s.n[g]), NAN);
          gotPtr.push_back(got[g].data());
        }
        inferno_fused_linear_w8a8(x.data(), normPtr, 0, 1e-5f, segments, wp.data(), sp.data(),
                                  s.n.data(), gotPtr.data(), s.m, s.k);
        for (int64_t g = 0; g < segments; ++g)
          ASSERT_EQ(0, std::memcmp(got[g].data(), ref[g].data(), got[g].size() * 4))
              << "segment " << g;
      });
    }
}

TEST(AttentionRope, MatchesRopeThenAttention) {
  struct Case {
    int64_t heads, kvHeads, headDim, prefill;
  };
  const Case cases[] = {{4, 2, 16, 5}, {8, 8, 64, 3}, {6, 2, 10, 4}, {4, 1, 128, 2}};
  uint32_t seed = 9500;
  for (const Case &c : cases) {
    SCOPED_TRACE(testing::Message() << "heads=" << c.heads << " kv_heads=" << c.kvHeads
                                    << " head_dim=" << c.headDim);
    const int64_t maxPositions = 16, total = c.prefill + 2;
    const int64_t qRow = c.heads * c.headDim, kRow = c.kvHeads * c.headDim;
    const auto q = randomFloats(size_t(total * qRow), seed++);
    const auto k = randomFloats(size_t(total * kRow), seed++);
    const auto v = randomFloats(size_t(total * kRow), seed++);
    std::vector<float> invFreq(size_t(c.headDim / 2));
    for (size_t j = 0; j < invFreq.size(); ++j)
      invFreq[j] = float(std::pow(10000.0, -2.0 * double(j) / double(c.headDim)));
    std::vector<int32_t> positions(static_cast<size_t>(total));
    for (int64_t i = 0; i < total; ++i) positions[size_t(i)] = int32_t(i);

    // Expected: the unfused scalar references, prefill then two decode steps.
    auto run = [&](bool fused, std::vector<float> &kCache, std::vector<float> &out) {
      std::vector<float> vCache(kCache.size(), 0.0f);
      for (auto [begin, end] : {std::pair<int64_t, int64_t>{0, c.prefill},
                                {c.prefill, c.prefill + 1}, {c.prefill + 1, total}}) {
        const int64_t m = end - begin;
        if (fused) {
          const std::vector<float> qCopy(q), kCopy(k);
          inferno_attention_rope(q.data() + begin * qRow, k.data() + begin * kRow,
                                 v.data() + begin * kRow, positions.data() + begin,
                                 invFreq.data(), kCache.data(), vCache.data(),
                                 out.data() + begin * qRow, m, c.heads, c.kvHeads, c.headDim,
                                 maxPositions);
          ASSERT_EQ(qCopy, q);
          ASSERT_EQ(kCopy, k);
        } else {
          std::vector<float> qr(q.begin() + begin * qRow, q.begin() + end * qRow);
          std::vector<float> kr(k.begin() + begin * kRow, k.begin() + end * kRow);
          inferno_rope_ref(qr.data(), positions.data() + begin, invFreq.data(), m, c.heads,
                           c.headDim);
          inferno_rope_ref(kr.data(), positions.data() + begin, invFreq.data(), m, c.kvHeads,
                           c.headDim);
          inferno_attention_ref(qr.data(), kr.data(), v.data() + begin * kRow,
                                positions.data() + begin, kCache.data(), vCache.data(),
                                out.data() + begin * qRow, m, c.heads, c.kvHeads, c.headDim,
                                maxPositions);
        }
      }
    };
    std::vector<float> kExpected(size_t(maxPositions * kRow), 0.0f), expected(q.size());
    run(false, kExpected, expected);
    forEachIsa([&](Isa) {
      std::vector<float> kCache(kExpected.size(), 0.0f), out(q.size(), NAN);
      run(true, kCache, out);
      // Rotated keys: a few float32 roundings apart at most (cos/sin agree, the products are
      // unfused in both); attention outputs as in AttentionTest.
      for (size_t i = 0; i < kCache.size(); ++i)
        ASSERT_NEAR(kCache[i], kExpected[i], 1e-6) << "k_cache[" << i << "]";
      for (size_t i = 0; i < out.size(); ++i)
        ASSERT_NEAR(out[i], expected[i], 1e-5) << "out[" << i << "]";
    });
  }
}

}  // namespace
