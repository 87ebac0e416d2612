//===- MatmulW8A8_avx2.cpp - w8a8 int8 dot products with AVX2 ----------------===//
//
// Compiled with -mavx2 (see Parallel.h for why this file calls no standard library). Bytes are
// sign-extended to int16 and multiplied with vpmaddwd, which adds adjacent int32 products: no
// intermediate saturates (vpmaddubsw would: 2·255·128 exceeds int16). Tiles of up to 2
// activation rows × 4 weight rows.
//
//===----------------------------------------------------------------------------===//
#include "runtime/kernels/MatmulW8A8.h"

#include <immintrin.h>

namespace inferno::kernels::w8a8::avx2 {
namespace {

inline int32_t sumLanes(__m256i v) {
  __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4e));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xb1));
  return _mm_cvtsi128_si32(s);
}

inline __m256i widen(const int8_t *p) {
  return _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i *>(p)));
}

// A tile of MX activation rows × 4 weight rows (4·MX accumulators + 4 weights + 1 activation
// ≤ 13 ymm registers for MX ≤ 2): each widened weight block serves MX rows, each activation
// block 4 weight rows.
template <int MX>
void tile(const QuantizedRows &x, int64_t i0, const int8_t *w, const float *w_scale, float *y,
          int64_t n, int64_t j0, int64_t rowsW) {
  const int64_t k = x.k, body = k / 16 * 16;
  const int8_t *wr[4];
  for (int r = 0; r < 4; ++r)
    wr[r] = w + (j0 + (r < rowsW ? r : 0)) * k;
  const int8_t *q[MX];
  for (int c = 0; c < MX; ++c)
    q[c] = x.q + (i0 + c) * x.stride;
  __m256i acc[MX][4];
  for (int c = 0; c < MX; ++c)
    for (int r = 0; r < 4; ++r)
      acc[c][r] = _mm256_setzero_si256();
  for (int64_t t = 0; t < body; t += 16) {
    __m256i wv[4];
    for (int r = 0; r < 4; ++r)
      wv[r] = widen(wr[r] + t);
    for (int c = 0; c < MX; ++c) {
      const __m256i xv = widen(q[c] + t);
      for (int r = 0; r < 4; ++r)
        acc[c][r] = _mm256_add_epi32(acc[c][r], _mm256_madd_epi16(xv, wv[r]));
    }
  }
  // Reduced with constant indices first, so the accumulators stay in registers in the loop.
  int32_t sums[MX][4];
  for (int c = 0; c < MX; ++c)
    for (int r = 0; r < 4; ++r)
      sums[c][r] = sumLanes(acc[c][r]);
  for (int c = 0; c < MX; ++c) {
    const int64_t i = i0 + c;
    for (int r = 0; r < rowsW; ++r) {
      int32_t total = sums[c][r];
      for (int64_t t = body; t < k; ++t)
        total += int32_t(q[c][t]) * int32_t(wr[r][t]);
      y[i * n + j0 + r] = x.scale[i] * (w_scale[j0 + r] * float(total));
    }
  }
}

}  // namespace

void dotRows(const QuantizedRows &x, const int8_t *w, const float *w_scale, float *y, int64_t n,
             int64_t n0, int64_t n1) {
  for (int64_t j0 = n0; j0 < n1; j0 += 4) {
    const int64_t rowsW = n1 - j0 < 4 ? n1 - j0 : 4;
    for (int64_t i0 = 0; i0 < x.m; i0 += 2) {
      if (x.m - i0 >= 2)
        tile<2>(x, i0, w, w_scale, y, n, j0, rowsW);
      else
        tile<1>(x, i0, w, w_scale, y, n, j0, rowsW);
    }
  }
}

}  // namespace inferno::kernels::w8a8::avx2
