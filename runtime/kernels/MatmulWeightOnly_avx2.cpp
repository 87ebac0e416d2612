//===- MatmulWeightOnly_avx2.cpp - weight-only int8/int4 matmuls with AVX2 ------===//
//
// Compiled with -mavx2 -mfma (see Parallel.h for why this file calls no standard library).
// Tiles of up to 2 activation rows × 4 weight rows: each dequantized 8-wide weight vector
// serves every activation row of the tile (4·MX accumulators + 4 weights + 1 activation ≤ 13
// ymm registers).
//
//===----------------------------------------------------------------------------===//
#include "runtime/kernels/MatmulWeightOnly.h"

#include <immintrin.h>

namespace inferno::kernels::wq::avx2 {
namespace {

inline float sumLanes(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

// Eight int8 weights as floats.
inline __m256 loadQ8(const int8_t *p) {
  return _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i *>(p))));
}

// Eight int4 weights (four bytes, low nibble first) as floats times their group's scale.
inline __m256 loadQ4(const uint8_t *p, __m256 scale) {
  int32_t bytes;
  __builtin_memcpy(&bytes, p, 4);
  const __m128i b = _mm_cvtsi32_si128(bytes);
  const __m256i pairs = _mm256_cvtepu8_epi32(_mm_unpacklo_epi8(b, b)); // b0 b0 b1 b1 ...
  const __m256i nibbles = _mm256_and_si256(
      _mm256_srlv_epi32(pairs, _mm256_setr_epi32(0, 4, 0, 4, 0, 4, 0, 4)), _mm256_set1_epi32(0xf));
  return _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_sub_epi32(nibbles, _mm256_set1_epi32(8))), scale);
}

template <int MX, bool Int4>
void tile(const Operands &op, int64_t i0, int64_t j0, int64_t rowsW) {
  const int64_t k = op.k, body = Int4 ? k : k / 8 * 8;
  const int64_t rowBytes = Int4 ? k / 2 : k;
  const int64_t groups = Int4 ? k / op.group : 1;
  const uint8_t *wr[4];
  const float *sr[4];
  for (int r = 0; r < 4; ++r) {
    const int64_t j = j0 + (r < rowsW ? r : 0);
    wr[r] = op.w + j * rowBytes;
    sr[r] = op.w_scale + j * groups;
  }
  const float *xr[MX];
  for (int c = 0; c < MX; ++c)
    xr[c] = op.x + (i0 + c) * k;
  __m256 acc[MX][4];
  for (int c = 0; c < MX; ++c)
    for (int r = 0; r < 4; ++r)
      acc[c][r] = _mm256_setzero_ps();
  // int4 walks group by group (its scale loaded once per group), int8 one span.
  const int64_t span = Int4 ? op.group : body;
  for (int64_t g0 = 0; g0 < body; g0 += span) {
    __m256 sv[4];
    for (int r = 0; r < 4; ++r)
      sv[r] = Int4 ? _mm256_broadcast_ss(sr[r] + g0 / span) : _mm256_setzero_ps();
    for (int64_t t = g0; t < g0 + span; t += 8) {
      __m256 wv[4];
      for (int r = 0; r < 4; ++r) {
        if constexpr (Int4)
          wv[r] = loadQ4(wr[r] + t / 2, sv[r]);
        else
          wv[r] = loadQ8(reinterpret_cast<const int8_t *>(wr[r]) + t);
      }
      for (int c = 0; c < MX; ++c) {
        const __m256 xv = _mm256_loadu_ps(xr[c] + t);
        for (int r = 0; r < 4; ++r)
          acc[c][r] = _mm256_fmadd_ps(xv, wv[r], acc[c][r]);
      }
    }
  }
  float sums[MX][4];
  for (int c = 0; c < MX; ++c)
    for (int r = 0; r < 4; ++r)
      sums[c][r] = sumLanes(acc[c][r]);
  for (int c = 0; c < MX; ++c)
    for (int r = 0; r < rowsW; ++r) {
      float total = sums[c][r];
      if constexpr (!Int4) {
        const int8_t *w = reinterpret_cast<const int8_t *>(wr[r]);
        for (int64_t t = body; t < k; ++t)
          total += xr[c][t] * float(w[t]);
        total *= sr[r][0];
      }
      op.y[(i0 + c) * op.n + j0 + r] = total;
    }
}


// Decode (one activation row): one weight row at a time, streamed sequentially (one stream per
// task measured fastest for the matvecs, kernels.md), four accumulators along k.
template <bool Int4>
void rowDecode(const Operands &op, int64_t j) {
  const int64_t k = op.k;
  const float *x = op.x;
  __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps(), a2 = _mm256_setzero_ps(), a3 = _mm256_setzero_ps();
  float tail = 0.0f;
  if constexpr (Int4) {
    const uint8_t *w = op.w + j * (k / 2);
    const float *s = op.w_scale + j * (k / op.group);
    for (int64_t g0 = 0; g0 < k; g0 += op.group) {
      const __m256 sv = _mm256_set1_ps(s[g0 / op.group]);
      int64_t t = g0;
      for (; t + 4 * 8 <= g0 + op.group; t += 4 * 8) {
        a0 = _mm256_fmadd_ps(_mm256_loadu_ps(x + t), loadQ4(w + t / 2, sv), a0);
        a1 = _mm256_fmadd_ps(_mm256_loadu_ps(x + t + 8), loadQ4(w + (t + 8) / 2, sv), a1);
        a2 = _mm256_fmadd_ps(_mm256_loadu_ps(x + t + 2 * 8), loadQ4(w + (t + 2 * 8) / 2, sv), a2);
        a3 = _mm256_fmadd_ps(_mm256_loadu_ps(x + t + 3 * 8), loadQ4(w + (t + 3 * 8) / 2, sv), a3);
      }
      for (; t < g0 + op.group; t += 8)
        a0 = _mm256_fmadd_ps(_mm256_loadu_ps(x + t), loadQ4(w + t / 2, sv), a0);
    }
  } else {
    const int8_t *w = reinterpret_cast<const int8_t *>(op.w) + j * k;
    int64_t t = 0;
    for (; t + 4 * 8 <= k; t += 4 * 8) {
      a0 = _mm256_fmadd_ps(_mm256_loadu_ps(x + t), loadQ8(w + t), a0);
      a1 = _mm256_fmadd_ps(_mm256_loadu_ps(x + t + 8), loadQ8(w + t + 8), a1);
      a2 = _mm256_fmadd_ps(_mm256_loadu_ps(x + t + 2 * 8), loadQ8(w + t + 2 * 8), a2);
      a3 = _mm256_fmadd_ps(_mm256_loadu_ps(x + t + 3 * 8), loadQ8(w + t + 3 * 8), a3);
    }
    for (; t + 8 <= k; t += 8)
      a0 = _mm256_fmadd_ps(_mm256_loadu_ps(x + t), loadQ8(w + t), a0);
    for (; t < k; ++t)
      tail += x[t] * float(w[t]);
  }
  float total = sumLanes(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3))) + tail;
  op.y[j] = Int4 ? total : op.w_scale[j] * total;
}

template <bool Int4>
void rows(const Operands &op, int64_t n0, int64_t n1) {
  if (op.m == 1) {
    for (int64_t j = n0; j < n1; ++j)
      rowDecode<Int4>(op, j);
    return;
  }
  for (int64_t j0 = n0; j0 < n1; j0 += 4) {
    const int64_t rowsW = n1 - j0 < 4 ? n1 - j0 : 4;
    for (int64_t i0 = 0; i0 < op.m; i0 += 2) {
      if (op.m - i0 >= 2)
        tile<2, Int4>(op, i0, j0, rowsW);
      else
        tile<1, Int4>(op, i0, j0, rowsW);
    }
  }
}

}  // namespace

void rowsQ8(const Operands &op, int64_t n0, int64_t n1) { rows<false>(op, n0, n1); }
void rowsQ4(const Operands &op, int64_t n0, int64_t n1) { rows<true>(op, n0, n1); }

}  // namespace inferno::kernels::wq::avx2
