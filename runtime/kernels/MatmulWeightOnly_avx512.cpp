//===- MatmulWeightOnly_avx512.cpp - weight-only int8/int4 matmuls with AVX-512 -===//
//
// Compiled with -mavx512f/bw/vl (see Parallel.h for why this file calls no standard library).
// Tiles of up to 4 activation rows × 4 weight rows: 16 accumulators, 4 dequantized 16-wide
// weight vectors and one activation vector stay in registers.
//
//===----------------------------------------------------------------------------===//
#include "runtime/kernels/MatmulWeightOnly.h"

#include "runtime/kernels/Parallel.h"

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
  // int4 walks group by group (its scale loaded once per group), int8 one span.
  const int64_t span = Int4 ? op.group : body;
  for (int64_t g0 = 0; g0 < body; g0 += span) {
    __m512 sv[4];
    for (int r = 0; r < 4; ++r)
      sv[r] = Int4 ? _mm512_set1_ps(sr[r][g0 / span]) : _mm512_setzero_ps();
    for (int64_t t = g0; t < g0 + span; t += 16) {
      __m512 wv[4];
      for (int r = 0; r < 4; ++r) {
        if constexpr (Int4)
          wv[r] = loadQ4(wr[r] + t / 2, sv[r]);
        else
          wv[r] = loadQ8(reinterpret_cast<const int8_t *>(wr[r]) + t);
      }
      for (int c = 0; c < MX; ++c) {
        const __m512 xv = _mm512_loadu_ps(xr[c] + t);
        for (int r = 0; r < 4; ++r)
          acc[c][r] = _mm512_fmadd_ps(xv, wv[r], acc[c][r]);
      }
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


// Decode (one activation row): one weight row at a time, streamed sequentially (one stream per
// task measured fastest for the matvecs, kernels.md), four accumulators along k.
template <bool Int4>
void rowDecode(const Operands &op, int64_t j) {
  const int64_t k = op.k;
  const float *x = op.x;
  __m512 a0 = _mm512_setzero_ps(), a1 = _mm512_setzero_ps(), a2 = _mm512_setzero_ps(), a3 = _mm512_setzero_ps();
  float tail = 0.0f;
  if constexpr (Int4) {
    const uint8_t *w = op.w + j * (k / 2);
    const float *s = op.w_scale + j * (k / op.group);
    for (int64_t g0 = 0; g0 < k; g0 += op.group) {
      const __m512 sv = _mm512_set1_ps(s[g0 / op.group]);
      int64_t t = g0;
      for (; t + 4 * 16 <= g0 + op.group; t += 4 * 16) {
        a0 = _mm512_fmadd_ps(_mm512_loadu_ps(x + t), loadQ4(w + t / 2, sv), a0);
        a1 = _mm512_fmadd_ps(_mm512_loadu_ps(x + t + 16), loadQ4(w + (t + 16) / 2, sv), a1);
        a2 = _mm512_fmadd_ps(_mm512_loadu_ps(x + t + 2 * 16), loadQ4(w + (t + 2 * 16) / 2, sv), a2);
        a3 = _mm512_fmadd_ps(_mm512_loadu_ps(x + t + 3 * 16), loadQ4(w + (t + 3 * 16) / 2, sv), a3);
      }
      for (; t < g0 + op.group; t += 16)
        a0 = _mm512_fmadd_ps(_mm512_loadu_ps(x + t), loadQ4(w + t / 2, sv), a0);
    }
  } else {
    const int8_t *w = reinterpret_cast<const int8_t *>(op.w) + j * k;
    int64_t t = 0;
    for (; t + 4 * 16 <= k; t += 4 * 16) {
      a0 = _mm512_fmadd_ps(_mm512_loadu_ps(x + t), loadQ8(w + t), a0);
      a1 = _mm512_fmadd_ps(_mm512_loadu_ps(x + t + 16), loadQ8(w + t + 16), a1);
      a2 = _mm512_fmadd_ps(_mm512_loadu_ps(x + t + 2 * 16), loadQ8(w + t + 2 * 16), a2);
      a3 = _mm512_fmadd_ps(_mm512_loadu_ps(x + t + 3 * 16), loadQ8(w + t + 3 * 16), a3);
    }
    for (; t + 16 <= k; t += 16)
      a0 = _mm512_fmadd_ps(_mm512_loadu_ps(x + t), loadQ8(w + t), a0);
    for (; t < k; ++t)
      tail += x[t] * float(w[t]);
  }
  float total = _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(a0, a1), _mm512_add_ps(a2, a3))) + tail;
  op.y[j] = Int4 ? total : op.w_scale[j] * total;
}

// int4 decode with groups that are multiples of 32: 32 nibbles per 16-byte load, widened to 16
// lanes of one byte each; the low nibbles are the even features, the high ones the odd
// features, multiplied against the activations deinterleaved once per task (xd: per block of
// 32, the 16 even then the 16 odd values). Each group's sum is scaled once.
void rowDecodeQ4Pairs(const Operands &op, const float *xd, int64_t j) {
  const int64_t k = op.k, groups = k / op.group;
  const uint8_t *w = op.w + j * (k / 2);
  const float *s = op.w_scale + j * groups;
  const __m512i low = _mm512_set1_epi32(0xf), eight = _mm512_set1_epi32(8);
  __m512 acc = _mm512_setzero_ps();
  for (int64_t g = 0; g < groups; ++g) {
    __m512 even = _mm512_setzero_ps(), odd = _mm512_setzero_ps();
    for (int64_t t = g * op.group; t < (g + 1) * op.group; t += 32) {
      const __m512i bytes =
          _mm512_cvtepu8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i *>(w + t / 2)));
      const __m512 qe = _mm512_cvtepi32_ps(_mm512_sub_epi32(_mm512_and_si512(bytes, low), eight));
      const __m512 qo = _mm512_cvtepi32_ps(_mm512_sub_epi32(_mm512_srli_epi32(bytes, 4), eight));
      even = _mm512_fmadd_ps(_mm512_loadu_ps(xd + t), qe, even);
      odd = _mm512_fmadd_ps(_mm512_loadu_ps(xd + t + 16), qo, odd);
    }
    acc = _mm512_fmadd_ps(_mm512_set1_ps(s[g]), _mm512_add_ps(even, odd), acc);
  }
  op.y[j] = _mm512_reduce_add_ps(acc);
}

template <bool Int4>
void rows(const Operands &op, int64_t n0, int64_t n1) {
  if (op.m == 1) {
    if (Int4 && op.group % 32 == 0) {
      float *xd = threadScratch(size_t(op.k));
      for (int64_t t = 0; t < op.k; t += 32)
        for (int64_t i = 0; i < 16; ++i) {
          xd[t + i] = op.x[t + 2 * i];
          xd[t + 16 + i] = op.x[t + 2 * i + 1];
        }
      for (int64_t j = n0; j < n1; ++j)
        rowDecodeQ4Pairs(op, xd, j);
      return;
    }
    for (int64_t j = n0; j < n1; ++j)
      rowDecode<Int4>(op, j);
    return;
  }
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
