//===- MatmulW8A8_avx2.cpp - w8a8 int8 dot products with AVX2 ----------------===//
//
// Compiled with -mavx2 (see Parallel.h for why this file calls no standard library). Bytes are
// sign-extended to int16 and multiplied with vpmaddwd, which adds adjacent int32 products: no
// intermediate saturates (vpmaddubsw would: 2·255·128 exceeds int16). Four activation rows share
// each load of a weight row.
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

}  // namespace

void dotRows(const QuantizedRows &x, const int8_t *w, const float *w_scale, float *y, int64_t n,
             int64_t n0, int64_t n1) {
  const int64_t k = x.k, body = k / 16 * 16;
  for (int64_t j = n0; j < n1; ++j) {
    const int8_t *wj = w + j * k;
    for (int64_t i0 = 0; i0 < x.m; i0 += 4) {
      const int64_t rows = x.m - i0 < 4 ? x.m - i0 : 4;
      const int8_t *q[4];
      for (int64_t r = 0; r < 4; ++r)
        q[r] = x.q + (i0 + (r < rows ? r : 0)) * x.stride;
      __m256i acc[4] = {_mm256_setzero_si256(), _mm256_setzero_si256(), _mm256_setzero_si256(),
                        _mm256_setzero_si256()};
      for (int64_t t = 0; t < body; t += 16) {
        const __m256i wv = widen(wj + t);
        for (int64_t r = 0; r < 4; ++r)
          acc[r] = _mm256_add_epi32(acc[r], _mm256_madd_epi16(widen(q[r] + t), wv));
      }
      for (int64_t r = 0; r < rows; ++r) {
        int32_t total = sumLanes(acc[r]);
        for (int64_t t = body; t < k; ++t)
          total += int32_t(q[r][t]) * int32_t(wj[t]);
        const int64_t i = i0 + r;
        y[i * n + j] = x.scale[i] * (w_scale[j] * float(total));
      }
    }
  }
}

}  // namespace inferno::kernels::w8a8::avx2
