//===- CpuKernels.h - kernels written in C++ with intrinsics, per ISA ------*- C++ -*-===//
//
// Attention, RoPE, the embedding lookups and the fused projections' dot products are plain C++ with SIMD intrinsics: one source
// (CpuKernelsImpl.inc) compiled twice, by CpuKernels_avx2.cpp (-mavx2 -mfma -mf16c) and
// CpuKernels_avx512.cpp (+ -mavx512f/bw/dq/vl), into the namespaces below. Same contracts as
// kernels.h; Kernels.cpp dispatches.
//
//===----------------------------------------------------------------------------===//
#ifndef INFERNO_RUNTIME_KERNELS_CPUKERNELS_H
#define INFERNO_RUNTIME_KERNELS_CPUKERNELS_H

#include <stdint.h>

#define INFERNO_DECLARE_CPU_KERNELS                                                          \
  void attention(const float *q, const float *k, const float *v, const int32_t *positions,   \
                 float *k_cache, float *v_cache, float *out, int64_t m, int64_t heads,        \
                 int64_t kv_heads, int64_t head_dim, int64_t max_positions);                  \
  void rope(float *x, const int32_t *positions, const float *inv_freq, int64_t m,            \
            int64_t heads, int64_t head_dim);                                                 \
  void embeddingF32(const int32_t *tokens, const float *table, float *y, int64_t m,          \
                    int64_t hidden);                                                          \
  void embeddingBf16(const int32_t *tokens, const uint16_t *table, float *y, int64_t m,      \
                     int64_t hidden);                                                         \
  void embeddingF16(const int32_t *tokens, const uint16_t *table, float *y, int64_t m,       \
                    int64_t hidden);                                                          \
  void attentionRope(const float *q, const float *k, const float *v,                          \
                     const int32_t *positions, const float *inv_freq, float *k_cache,         \
                     float *v_cache, float *out, int64_t m, int64_t heads, int64_t kv_heads,  \
                     int64_t head_dim, int64_t max_positions);

namespace inferno::kernels::avx2 {
INFERNO_DECLARE_CPU_KERNELS
}
namespace inferno::kernels::avx512 {
INFERNO_DECLARE_CPU_KERNELS
}

#undef INFERNO_DECLARE_CPU_KERNELS

// CpuMatmulBf16.cpp (AVX-512 with AVX512_BF16): the bf16-weight matmul with activations
// rounded to bf16 (round to nearest even) and vdpbf16ps dot products. Any m, n, k ≥ 1; used for
// m ≥ 4 (prefill).
namespace inferno::kernels::avx512bf16 {
void matmulBf16(const float *x, const uint16_t *w, float *y, int64_t m, int64_t n, int64_t k);
}

// CpuMatmulAmx.cpp (AMX-BF16, the tile state granted): the same contract on AMX tiles, for
// k a multiple of 32 and n ≥ 32.
namespace inferno::kernels::amx {
void matmulBf16(const float *x, const uint16_t *w, float *y, int64_t m, int64_t n, int64_t k);
}

#endif
