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

void dotRows(const QuantizedRows &x, const int8_t *w, const float *w_scale, float *y, int64_t n,
             int64_t n0, int64_t n1) {
  const int64_t k = x.k;
  const __m512i signBit = _mm512_set1_epi8(int8_t(0x80));
  for (int64_t j = n0; j < n1; ++j) {
    const int8_t *wj = w + j * k;
    for (int64_t i0 = 0; i0 < x.m; i0 += 4) {
      const int64_t rows = x.m - i0 < 4 ? x.m - i0 : 4;
      const int8_t *q[4];
      for (int64_t r = 0; r < 4; ++r)
        q[r] = x.q + (i0 + (r < rows ? r : 0)) * x.stride;
      __m512i acc[4] = {_mm512_setzero_si512(), _mm512_setzero_si512(), _mm512_setzero_si512(),
                        _mm512_setzero_si512()};
      // Activation rows are zero-padded to whole 64-byte blocks; the weight row is not, so its
      // last block is a masked load (masked-off bytes meet zero activations).
      for (int64_t t = 0; t < k; t += 64) {
        const int64_t left = k - t;
        const __mmask64 mask = left >= 64 ? ~__mmask64(0) : (__mmask64(1) << left) - 1;
        const __m512i wu = _mm512_xor_si512(_mm512_maskz_loadu_epi8(mask, wj + t), signBit);
        for (int64_t r = 0; r < 4; ++r)
          acc[r] = _mm512_dpbusd_epi32(acc[r], wu, _mm512_loadu_si512(q[r] + t));
      }
      for (int64_t r = 0; r < rows; ++r) {
        const int64_t i = i0 + r;
        // Unsigned arithmetic: the wrapped lane sums and the correction meet modulo 2^32.
        const uint32_t total =
            uint32_t(_mm512_reduce_add_epi32(acc[r])) - (uint32_t(x.sum[i]) << 7);
        y[i * n + j] = x.scale[i] * (w_scale[j] * float(int32_t(total)));
      }
    }
  }
}

}  // namespace inferno::kernels::w8a8::avx512vnni
