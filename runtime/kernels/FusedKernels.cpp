//===- FusedKernels.cpp - the fused projections and RoPE-attention of kernels.h ---===//
//
// inferno_fused_linear_*: the norm prologue (baseline code, every ISA: tokens × k operations
// against tokens × k × Σn for the products), then the products. Dense weights run each
// weight's matmul of its dtype (the Halide matvec at decode, the tiled matmul at prefill): one
// parallel loop over the rows of every weight with a hand-written tile of 8 FMA chains measured
// 10-20 % slower at decode than those matvecs one after the other, and the saved fork/joins
// (two per layer) are noise next to that. w8a8 runs one loop over every weight's rows, its
// activations quantized once.
//
//===----------------------------------------------------------------------------===//
#include "inferno/kernels.h"

#include "runtime/kernels/Convert.h"
#include "runtime/kernels/CpuKernels.h"
#include "runtime/kernels/Dispatch.h"
#include "runtime/kernels/MatmulW8A8.h"

#include <cmath>
#include <vector>

namespace inferno::kernels {
namespace {

float normWeight(const void *w, int32_t format, int64_t i) {
  switch (format) {
  case 0:
    return static_cast<const float *>(w)[i];
  case 1:
    return bf16ToFloat(static_cast<const uint16_t *>(w)[i]);
  default:
    return f16ToFloat(static_cast<const uint16_t *>(w)[i]);
  }
}

// x, or its rows RMS-normalized into a buffer of the calling thread: each row's inverse RMS
// once, then x · inv · w while packing (the order inferno_rms_norm_*_ref multiplies in).
const float *normalizeRows(const float *x, const void *norm_w, int32_t format, float eps,
                           int64_t m, int64_t k) {
  if (!norm_w) return x;
  thread_local std::vector<float> packed;
  packed.resize(size_t(m * k));
  for (int64_t i = 0; i < m; ++i) {
    const float *row = x + i * k;
    float ss = 0.0f;
    for (int64_t h = 0; h < k; ++h) ss += row[h] * row[h];
    const float inv = 1.0f / std::sqrt(ss / float(k) + eps);
    float *out = packed.data() + i * k;
    for (int64_t h = 0; h < k; ++h) out[h] = row[h] * inv * normWeight(norm_w, format, h);
  }
  return packed.data();
}

using MatmulEntry = void (*)(const float *, const void *, float *, int64_t, int64_t, int64_t);
using FusedRef = void (*)(const float *, const void *, int32_t, float, int64_t,
                          const void *const *, const int64_t *, float *const *, int64_t, int64_t);

void fusedDense(const float *x, const void *norm_w, int32_t norm_format, float eps,
                int64_t segments, const void *const *w, const int64_t *n, float *const *y,
                int64_t m, int64_t k, MatmulEntry matmul, FusedRef ref) {
  if (m <= 0 || segments <= 0) return;
  const Isa isa = currentIsa();
  if (isa == Isa::Scalar || k <= 0) {
    ref(x, norm_w, norm_format, eps, segments, w, n, y, m, k);
    return;
  }
  const float *rows = normalizeRows(x, norm_w, norm_format, eps, m, k);
  for (int64_t s = 0; s < segments; ++s) matmul(rows, w[s], y[s], m, n[s], k);
}

}  // namespace
}  // namespace inferno::kernels

using namespace inferno::kernels;

extern "C" {

void inferno_fused_linear_f32(const float *x, const void *norm_w, int32_t norm_format, float eps,
                              int64_t segments, const void *const *w, const int64_t *n,
                              float *const *y, int64_t m, int64_t k) {
  fusedDense(
      x, norm_w, norm_format, eps, segments, w, n, y, m, k,
      [](const float *x, const void *w, float *y, int64_t m, int64_t n, int64_t k) {
        inferno_matmul_f32(x, static_cast<const float *>(w), y, m, n, k);
      },
      inferno_fused_linear_f32_ref);
}

void inferno_fused_linear_bf16(const float *x, const void *norm_w, int32_t norm_format, float eps,
                               int64_t segments, const void *const *w, const int64_t *n,
                               float *const *y, int64_t m, int64_t k) {
  fusedDense(
      x, norm_w, norm_format, eps, segments, w, n, y, m, k,
      [](const float *x, const void *w, float *y, int64_t m, int64_t n, int64_t k) {
        inferno_matmul_bf16(x, static_cast<const uint16_t *>(w), y, m, n, k);
      },
      inferno_fused_linear_bf16_ref);
}

void inferno_fused_linear_f16(const float *x, const void *norm_w, int32_t norm_format, float eps,
                              int64_t segments, const void *const *w, const int64_t *n,
                              float *const *y, int64_t m, int64_t k) {
  fusedDense(
      x, norm_w, norm_format, eps, segments, w, n, y, m, k,
      [](const float *x, const void *w, float *y, int64_t m, int64_t n, int64_t k) {
        inferno_matmul_f16(x, static_cast<const uint16_t *>(w), y, m, n, k);
      },
      inferno_fused_linear_f16_ref);
}

void inferno_fused_linear_w8a8(const float *x, const void *norm_w, int32_t norm_format, float eps,
                               int64_t segments, const void *const *w, const void *const *w_scale,
                               const int64_t *n, float *const *y, int64_t m, int64_t k) {
  if (m <= 0 || segments <= 0) return;
  const float *rows = normalizeRows(x, norm_w, norm_format, eps, m, k > 0 ? k : 0);
  w8a8::fusedMatmul(w8a8::selectedImpl(), rows, segments,
                    reinterpret_cast<const int8_t *const *>(w),
                    reinterpret_cast<const float *const *>(w_scale), n, y, m, k);
}

void inferno_attention_rope(const float *q, const float *k, const float *v,
                            const int32_t *positions, const float *inv_freq, float *k_cache,
                            float *v_cache, float *out, int64_t m, int64_t heads,
                            int64_t kv_heads, int64_t head_dim, int64_t max_positions) {
  if (m <= 0 || heads <= 0 || kv_heads <= 0 || head_dim <= 0) return;
  switch (currentIsa()) {
  case Isa::Scalar:
    inferno_attention_rope_ref(q, k, v, positions, inv_freq, k_cache, v_cache, out, m, heads,
                               kv_heads, head_dim, max_positions);
    return;
  case Isa::Avx2:
    avx2::attentionRope(q, k, v, positions, inv_freq, k_cache, v_cache, out, m, heads, kv_heads,
                        head_dim, max_positions);
    return;
  default:
    avx512::attentionRope(q, k, v, positions, inv_freq, k_cache, v_cache, out, m, heads,
                          kv_heads, head_dim, max_positions);
    return;
  }
}

}  // extern "C"
