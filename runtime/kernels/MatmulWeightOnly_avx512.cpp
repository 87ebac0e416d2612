//===- MatmulWeightOnly_avx512.cpp - weight-only int8/int4 matmuls with AVX-512 -===//
//
// Compiled with -mavx512f/bw/vl (see Parallel.h for why this file calls no standard library).
// Tiles of up to 4 activation rows × 4 weight rows: 16 accumulators, 4 dequantized 16-wide
// weight vectors and one activation vector stay in registers.
//
//===----------------------------------------------------------------------------===//
#include "runtime/kernels/MatmulWeightOnly.h"

#include <immintrin.h>

namespace inferno::kernels::wq::avx512 {
namespace {

// Sixteen int8 weights as floats.
inline __m512 loadQ8(const int8_t *p) {
  return _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i *>(p))));
}

// Sixteen int4 weights (eight bytes, low nibble first) as floats times their group's scale.
inline __m512 loadQ4(const uint8_t *p, __m512 scale) {
  const __m128i b = _mm_loadl_epi64(reinterpret_cast<const __m128i *>(p));
  const __m512i pairs = _mm512_cvtepu8_epi32(_mm_unpacklo_epi8(b, b)); // b0 b0 b1 b1 ...
  const __m512i shifts = _mm512_setr_epi32(0, 4, 0, 4, 0, 4, 0, 4, 0, 4, 0, 4, 0, 4, 0, 4);
  const __m512i nibbles = _mm512_and_si512(_mm512_srlv_epi32(pairs, shifts), _mm512_set1_epi32(0xf));
  return _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_sub_epi32(nibbles, _mm512_set1_epi32(8))), scale);
}

template <int MX, bool Int4>
void tile(const Operands &op, int64_t i0, int64_t j0, int64_t rowsW) {
  const int64_t k = op.k, body = Int4 ? k : k / 16 * 16;
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
  __m512 acc[MX][4];
  for (int c = 0; c < MX; ++c)
    for (int r = 0; r < 4; ++r)
      acc[c][r] = _mm512_setzero_ps();
  for (int64_t t = 0; t < body; t += 16) {
    __m512 wv[4];
    for (int r = 0; r < 4; ++r) {
      if constexpr (Int4)
        wv[r] = loadQ4(wr[r] + t / 2, _mm512_set1_ps(sr[r][t / op.group]));
      else
        wv[r] = loadQ8(reinterpret_cast<const int8_t *>(wr[r]) + t);
    }
    for (int c = 0; c < MX; ++c) {
      const __m512 xv = _mm512_loadu_ps(xr[c] + t);
      for (int r = 0; r < 4; ++r)
        acc[c][r] = _mm512_fmadd_ps(xv, wv[r], acc[c][r]);
    }
  }
  float sums[MX][4];
  for (int c = 0; c < MX; ++c)
    for (int r = 0; r < 4; ++r)
      sums[c][r] = _mm512_reduce_add_ps(acc[c][r]);
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

template <bool Int4>
void rows(const Operands &op, int64_t n0, int64_t n1) {
  for (int64_t j0 = n0; j0 < n1; j0 += 4) {
    const int64_t rowsW = n1 - j0 < 4 ? n1 - j0 : 4;
    int64_t i0 = 0;
    for (; op.m - i0 >= 4; i0 += 4)
      tile<4, Int4>(op, i0, j0, rowsW);
    for (; i0 < op.m; ++i0)
      tile<1, Int4>(op, i0, j0, rowsW);
  }
}

}  // namespace

void rowsQ8(const Operands &op, int64_t n0, int64_t n1) { rows<false>(op, n0, n1); }
void rowsQ4(const Operands &op, int64_t n0, int64_t n1) { rows<true>(op, n0, n1); }

}  // namespace inferno::kernels::wq::avx512
