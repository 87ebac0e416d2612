// Causal GQA attention over a float32 KV cache, under every ISA.
//
// Outputs are convex combinations of cached v rows (entries in [-1, 1]). The kernels and the
// reference differ in dot-product order (≈ u·√head_dim relative on each score), exp
// (polynomial vs libm, ≈ 2 ulp) and where the 1/Σ normalization happens; all of it perturbs the
// weights by a few 1e-7 relative, so outputs agree to within 2e-6 absolute (we allow 1e-5; a
// wrong position or head mapping moves outputs by ≈ 0.1).
#include "KernelTestUtil.h"

#include "inferno/kernels.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace inferno::kernels;
using namespace inferno::kernels::test;

namespace {

struct Shape {
  int64_t heads, kvHeads, headDim, maxPositions;
};

struct Tokens {
  std::vector<float> q, k, v;  // [total, heads|kvHeads, headDim]
};

Tokens makeTokens(const Shape &s, int64_t total, uint32_t seed, float qScale = 1.0f) {
  Tokens t;
  t.q = randomFloats(total * s.heads * s.headDim, seed, -qScale, qScale);
  t.k = randomFloats(total * s.kvHeads * s.headDim, seed + 1);
  t.v = randomFloats(total * s.kvHeads * s.headDim, seed + 2);
  return t;
}

// Runs tokens [begin, end) (positions begin..end-1) in one call on the given caches.
void runChunk(bool ref, const Shape &s, const Tokens &t, int64_t begin, int64_t end,
              std::vector<float> &kCache, std::vector<float> &vCache, std::vector<float> &out) {
  const int64_t m = end - begin;
  std::vector<int32_t> pos(m);
  for (int64_t i = 0; i < m; ++i) pos[i] = int32_t(begin + i);
  const int64_t qRow = s.heads * s.headDim, kvRow = s.kvHeads * s.headDim;
  (ref ? inferno_attention_ref : inferno_attention)(
      t.q.data() + begin * qRow, t.k.data() + begin * kvRow, t.v.data() + begin * kvRow,
      pos.data(), kCache.data(), vCache.data(), out.data() + begin * qRow, m, s.heads, s.kvHeads,
      s.headDim, s.maxPositions);
}

// Processes `total` tokens in chunks of the given sizes (prefill, then decode steps) on fresh
// caches; returns all outputs.
std::vector<float> runChunks(bool ref, const Shape &s, const Tokens &t,
                             const std::vector<int64_t> &chunks) {
  std::vector<float> kCache(s.maxPositions * s.kvHeads * s.headDim, NAN);
  std::vector<float> vCache(kCache.size(), NAN);  // unwritten rows must never be read
  int64_t total = 0;
  for (int64_t c : chunks) total += c;
  std::vector<float> out(total * s.heads * s.headDim, NAN);
  int64_t begin = 0;
  for (int64_t c : chunks) {
    runChunk(ref, s, t, begin, begin + c, kCache, vCache, out);
    begin += c;
  }
  return out;
}

void expectClose(const std::vector<float> &got, const std::vector<float> &want, double tol,
                 const char *what) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i)
    ASSERT_NEAR(got[i], want[i], tol) << what << ", element " << i;
}

class AttentionTest : public testing::TestWithParam<std::tuple<int, int>> {};

// GQA ratio × head_dim: one-shot prefill vs the reference; prefill followed by decode steps vs
// one-shot; chunked prefill continuing a partially filled cache vs one-shot.
TEST_P(AttentionTest, MatchesReferenceAndDecodeEqualsOneShot) {
  const int ratio = std::get<0>(GetParam()), headDim = std::get<1>(GetParam());
  const int64_t kvHeads = ratio == 8 ? 1 : 2;
  const Shape s{kvHeads * ratio, kvHeads, headDim, 64};
  const int64_t total = 37;
  const Tokens t = makeTokens(s, total, uint32_t(ratio * 1000 + headDim));
  const auto ref = runChunks(true, s, t, {total});
  forEachIsa([&](Isa) {
    const auto oneShot = runChunks(false, s, t, {total});
    expectClose(oneShot, ref, 1e-5, "one-shot vs reference");
    std::vector<int64_t> decode{20};
    for (int i = 0; i < 17; ++i) decode.push_back(1);
    expectClose(runChunks(false, s, t, decode), oneShot, 1e-6, "prefill + decode vs one-shot");
    expectClose(runChunks(false, s, t, {5, 3, 1, 16, 12}), oneShot, 1e-6,
                "chunked prefill vs one-shot");
  });
  // The reference is itself consistent under chunking.
  expectClose(runChunks(true, s, t, {20, 1, 1, 15}), ref, 1e-6, "reference chunked");
}

INSTANTIATE_TEST_SUITE_P(GqaHeadDim, AttentionTest,
                         testing::Combine(testing::Values(1, 2, 4, 8),
                                          testing::Values(8, 16, 64, 128)),
                         [](const testing::TestParamInfo<std::tuple<int, int>> &info) {
                           return "ratio" + std::to_string(std::get<0>(info.param)) + "_dim" +
                                  std::to_string(std::get<1>(info.param));
                         });

// The Llama-3.2-1B layer shape (32 heads, 8 kv heads, head_dim 64) with peaky softmax (large
// scores) and odd head dims (not multiples of the vector width).
TEST(Attention, LlamaShapeLargeScoresAndOddHeadDims) {
  for (const Shape &s : {Shape{32, 8, 64, 300}, Shape{6, 3, 24, 40}, Shape{4, 2, 5, 40},
                         Shape{3, 1, 100, 40}}) {
    SCOPED_TRACE(testing::Message() << "heads " << s.heads << " kv " << s.kvHeads << " dim "
                                    << s.headDim);
    const int64_t total = s.maxPositions == 300 ? 260 : 33;
    const Tokens t = makeTokens(s, total, uint32_t(s.headDim), 6.0f);
    const auto ref = runChunks(true, s, t, {total - 3, 1, 1, 1});
    forEachIsa([&](Isa) {
      expectClose(runChunks(false, s, t, {total - 3, 1, 1, 1}), ref, 1e-5, "vs reference");
    });
  }
}

// The cache rows written are exactly k and v at the given positions (not necessarily
// contiguous), and rows past the last position are untouched.
TEST(Attention, StoresRowsAtPositions) {
  const Shape s{4, 2, 8, 16};
  const Tokens t = makeTokens(s, 3, 5);
  forEachIsa([&](Isa) {
    std::vector<float> kc(s.maxPositions * 16, 0.0f), vc(kc.size(), 0.0f), out(3 * 32);
    // Positions 0..2 first, then the same three tokens as a batch again at 3..5.
    std::vector<int32_t> pos{0, 1, 2};
    inferno_attention(t.q.data(), t.k.data(), t.v.data(), pos.data(), kc.data(), vc.data(),
                      out.data(), 3, 4, 2, 8, s.maxPositions);
    pos = {3, 4, 5};
    inferno_attention(t.q.data(), t.k.data(), t.v.data(), pos.data(), kc.data(), vc.data(),
                      out.data(), 3, 4, 2, 8, s.maxPositions);
    for (int64_t p = 0; p < 6; ++p)
      for (int64_t e = 0; e < 16; ++e) {
        ASSERT_EQ(kc[p * 16 + e], t.k[(p % 3) * 16 + e]);
        ASSERT_EQ(vc[p * 16 + e], t.v[(p % 3) * 16 + e]);
      }
    for (size_t e = 6 * 16; e < kc.size(); ++e) ASSERT_EQ(kc[e], 0.0f);
  });
}

// A single cached position: softmax is exactly 1 and the output is that v row.
TEST(Attention, FirstPositionReturnsItsValue) {
  const Shape s{8, 2, 16, 4};
  const Tokens t = makeTokens(s, 1, 11, 30.0f);
  forEachIsa([&](Isa) {
    std::vector<float> kc(4 * 32), vc(4 * 32), out(8 * 16);
    int32_t pos = 0;
    inferno_attention(t.q.data(), t.k.data(), t.v.data(), &pos, kc.data(), vc.data(), out.data(),
                      1, 8, 2, 16, 4);
    for (int64_t h = 0; h < 8; ++h)
      for (int64_t d = 0; d < 16; ++d) EXPECT_EQ(out[h * 16 + d], t.v[(h / 4) * 16 + d]);
  });
}

}  // namespace
