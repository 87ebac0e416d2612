//===- MatmulW8A8_avx512vnni.cpp - w8a8 int8 dot products with AVX-512 VNNI ---===//
//
// Compiled with -mavx512f/bw/vl/vnni (see Parallel.h for why this file calls no standard
// library). vpdpbusd multiplies unsigned by signed bytes and adds groups of four products into
// int32 lanes. The weights take the unsigned side: w + 128 (a xor of the sign bit) is in
// [0, 255], and Σ (w + 128)·q = Σ w·q + 128·Σ q, so subtracting 128 × the activation row's sum
// (computed once per row when quantizing) leaves the exact Σ w·q. The offset goes on the
// weights because its correction then depends on the activations only, never costing a second
// pass over the weights. int32 lanes wrap, but the true total fits int32 (|Σ| ≤ k·128·128 up to
// k = 131072), so the wrapped intermediate sums still end exact.
//
//===----------------------------------------------------------------------------===//
#include "runtime/kernels/MatmulW8A8.h"

#include <immintrin.h>

namespace inferno::kernels::w8a8::avx512vnni {
namespace {

// Horizontal int32 sum (GCC's _mm512_reduce_add_epi32 made it keep the accumulators in memory).
inline int32_t sumLanes(__m512i v) {
  __m256i s8 = _mm256_add_epi32(_mm512_castsi512_si256(v), _mm512_extracti64x4_epi64(v, 1));
  __m128i s4 = _mm_add_epi32(_mm256_castsi256_si128(s8), _mm256_extracti128_si256(s8, 1));
  s4 = _mm_add_epi32(s4, _mm_shuffle_epi32(s4, 0x4e));
  s4 = _mm_add_epi32(s4, _mm_shuffle_epi32(s4, 0xb1));
  return _mm_cvtsi128_si32(s4);
}

// A tile of MX activation rows × 4 weight rows: each 64-byte block of a weight row is loaded
// once for MX rows, each activation block once for 4 weight rows (decode, m = 1, still gets
// four independent accumulator chains). 4·MX + 5 zmm registers at most.
template <int MX>
void tile(const QuantizedRows &x, int64_t i0, const int8_t *w, const float *w_scale, float *y,
          int64_t n, int64_t j0, int64_t rowsW) {
  const int64_t k = x.k;
  const __m512i signBit = _mm512_set1_epi8(int8_t(0x80));
  const int8_t *wr[4];
  for (int r = 0; r < 4; ++r)
    wr[r] = w + (j0 + (r < rowsW ? r : 0)) * k;
  const int8_t *q[MX];
  for (int c = 0; c < MX; ++c)
    q[c] = x.q + (i0 + c) * x.stride;
  __m512i acc[MX][4];
  for (int c = 0; c < MX; ++c)
    for (int r = 0; r < 4; ++r)
      acc[c][r] = _mm512_setzero_si512();
  // Activation rows are zero-padded to whole 64-byte blocks; weight rows are not, so their last
  // block is a masked load (masked-off bytes meet zero activations).
  for (int64_t t = 0; t < k; t += 64) {
    const int64_t left = k - t;
    const __mmask64 mask = left >= 64 ? ~__mmask64(0) : (__mmask64(1) << left) - 1;
    __m512i wu[4];
    for (int r = 0; r < 4; ++r)
      wu[r] = _mm512_xor_si512(_mm512_maskz_loadu_epi8(mask, wr[r] + t), signBit);
    for (int c = 0; c < MX; ++c) {
      const __m512i xv = _mm512_loadu_si512(q[c] + t);
      for (int r = 0; r < 4; ++r)
        acc[c][r] = _mm512_dpbusd_epi32(acc[c][r], wu[r], xv);
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
      // Unsigned arithmetic: the wrapped lane sums and the correction meet modulo 2^32.
      const uint32_t total = uint32_t(sums[c][r]) - (uint32_t(x.sum[i]) << 7);
      y[i * n + j0 + r] = x.scale[i] * (w_scale[j0 + r] * float(int32_t(total)));
    }
  }
}

}  // namespace

void dotRows(const QuantizedRows &x, const int8_t *w, const float *w_scale, float *y, int64_t n,
             int64_t n0, int64_t n1) {
  for (int64_t j0 = n0; j0 < n1; j0 += 4) {
    const int64_t rowsW = n1 - j0 < 4 ? n1 - j0 : 4;
    // One activation row at a time: GCC keeps a multi-row tile's accumulators in memory
    // (measured 5x slower at m = 4), and the 4 weight rows stay in L1 for the next row.
    for (int64_t i = 0; i < x.m; ++i)
      tile<1>(x, i, w, w_scale, y, n, j0, rowsW);
  }
}

}  // namespace inferno::kernels::w8a8::avx512vnni
