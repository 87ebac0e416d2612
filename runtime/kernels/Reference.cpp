//===- Reference.cpp - the scalar references of kernels.h -----------------------===//
//
// Straightforward loops that follow the header's contracts literally, in float32 with the
// natural summation order (k = 0, 1, …). Compiled for baseline x86-64 (no FMA contraction is
// possible there), single-threaded. Tests diff every optimized kernel against these; the
// "scalar" ISA runs them (and the few scalar twins the header does not export, at the bottom).
//
//===----------------------------------------------------------------------------===//
#include "inferno/kernels.h"

#include "runtime/kernels/Convert.h"
#include "runtime/kernels/Scalar.h"

#include <cmath>
#include <cstring>
#include <vector>

using namespace inferno::kernels;

namespace {

template <typename LoadW>
void matmulRef(const float *x, float *y, int64_t m, int64_t n, int64_t k, LoadW loadW) {
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      float acc = 0.0f;
      for (int64_t p = 0; p < k; ++p) acc += x[i * k + p] * loadW(j * k + p);
      y[i * n + j] = acc;
    }
}

template <typename LoadW>
void rmsNormRef(const float *x, float *y, int64_t m, int64_t hidden, float eps, LoadW loadW) {
  for (int64_t i = 0; i < m; ++i) {
    const float *row = x + i * hidden;
    float ss = 0.0f;
    for (int64_t h = 0; h < hidden; ++h) ss += row[h] * row[h];
    float inv = 1.0f / std::sqrt(ss / float(hidden) + eps);
    for (int64_t h = 0; h < hidden; ++h) y[i * hidden + h] = row[h] * inv * loadW(h);
  }
}

}  // namespace

extern "C" {

void inferno_matmul_f32_ref(const float *x, const float *w, float *y, int64_t m, int64_t n,
                            int64_t k) {
  matmulRef(x, y, m, n, k, [w](int64_t i) { return w[i]; });
}

void inferno_matmul_bf16_ref(const float *x, const uint16_t *w, float *y, int64_t m, int64_t n,
                             int64_t k) {
  matmulRef(x, y, m, n, k, [w](int64_t i) { return bf16ToFloat(w[i]); });
}

void inferno_matmul_f16_ref(const float *x, const uint16_t *w, float *y, int64_t m, int64_t n,
                            int64_t k) {
  matmulRef(x, y, m, n, k, [w](int64_t i) { return f16ToFloat(w[i]); });
}

void inferno_rms_norm_f32_ref(const float *x, const float *w, float *y, int64_t m, int64_t hidden,
                              float eps) {
  rmsNormRef(x, y, m, hidden, eps, [w](int64_t i) { return w[i]; });
}

void inferno_rope_ref(float *x, const int32_t *positions, const float *inv_freq, int64_t m,
                      int64_t heads, int64_t head_dim) {
  const int64_t half = head_dim / 2;
  for (int64_t i = 0; i < m; ++i)
    for (int64_t h = 0; h < heads; ++h) {
      float *v = x + (i * heads + h) * head_dim;
      for (int64_t j = 0; j < half; ++j) {
        float a = float(positions[i]) * inv_freq[j];
        float c = std::cos(a), s = std::sin(a);
        float x0 = v[j], x1 = v[j + half];
        v[j] = x0 * c - x1 * s;
        v[j + half] = x1 * c + x0 * s;
      }
    }
}

void inferno_attention_ref(const float *q, const float *k, const float *v,
                           const int32_t *positions, float *k_cache, float *v_cache, float *out,
                           int64_t m, int64_t heads, int64_t kv_heads, int64_t head_dim,
                           int64_t max_positions) {
  (void)max_positions;
  const int64_t row = kv_heads * head_dim;
  for (int64_t i = 0; i < m; ++i) {
    std::memcpy(k_cache + int64_t(positions[i]) * row, k + i * row, sizeof(float) * row);
    std::memcpy(v_cache + int64_t(positions[i]) * row, v + i * row, sizeof(float) * row);
  }
  const int64_t group = heads / kv_heads;
  const float scale = 1.0f / std::sqrt(float(head_dim));
  for (int64_t i = 0; i < m; ++i) {
    const int64_t count = int64_t(positions[i]) + 1;
    float *scores = new float[count];
    for (int64_t h = 0; h < heads; ++h) {
      const int64_t g = h / group;
      const float *qh = q + (i * heads + h) * head_dim;
      float maxScore = -INFINITY;
      for (int64_t t = 0; t < count; ++t) {
        const float *kt = k_cache + t * row + g * head_dim;
        float dot = 0.0f;
        for (int64_t d = 0; d < head_dim; ++d) dot += qh[d] * kt[d];
        scores[t] = dot * scale;
        if (scores[t] > maxScore) maxScore = scores[t];
      }
      float sum = 0.0f;
      for (int64_t t = 0; t < count; ++t) {
        scores[t] = std::exp(scores[t] - maxScore);
        sum += scores[t];
      }
      float *o = out + (i * heads + h) * head_dim;
      for (int64_t d = 0; d < head_dim; ++d) o[d] = 0.0f;
      for (int64_t t = 0; t < count; ++t) {
        const float p = scores[t] / sum;
        const float *vt = v_cache + t * row + g * head_dim;
        for (int64_t d = 0; d < head_dim; ++d) o[d] += p * vt[d];
      }
    }
    delete[] scores;
  }
}

void inferno_swiglu_ref(const float *gate, const float *up, float *y, int64_t count) {
  for (int64_t i = 0; i < count; ++i) {
    const float g = gate[i];
    y[i] = g / (1.0f + std::exp(-g)) * up[i];
  }
}

// The fused kernels as the unfused ones composed: the norm into a copy, then one projection
// per segment.
namespace {
std::vector<float> normalizedRef(const float *x, const void *norm_w, int32_t norm_format,
                                 float eps, int64_t m, int64_t k) {
  std::vector<float> rows(x, x + m * k);
  if (!norm_w) return rows;
  switch (norm_format) {
  case 0:
    rmsNormRef(x, rows.data(), m, k, eps,
               [norm_w](int64_t i) { return static_cast<const float *>(norm_w)[i]; });
    break;
  case 1:
    rmsNormRef(x, rows.data(), m, k, eps, [norm_w](int64_t i) {
      return bf16ToFloat(static_cast<const uint16_t *>(norm_w)[i]);
    });
    break;
  default:
    rmsNormRef(x, rows.data(), m, k, eps, [norm_w](int64_t i) {
      return f16ToFloat(static_cast<const uint16_t *>(norm_w)[i]);
    });
    break;
  }
  return rows;
}
}  // namespace

void inferno_fused_linear_f32_ref(const float *x, const void *norm_w, int32_t norm_format,
                                  float eps, int64_t segments, const void *const *w,
                                  const int64_t *n, float *const *y, int64_t m, int64_t k) {
  std::vector<float> rows = normalizedRef(x, norm_w, norm_format, eps, m, k);
  for (int64_t s = 0; s < segments; ++s)
    inferno_matmul_f32_ref(rows.data(), static_cast<const float *>(w[s]), y[s], m, n[s], k);
}

void inferno_fused_linear_bf16_ref(const float *x, const void *norm_w, int32_t norm_format,
                                   float eps, int64_t segments, const void *const *w,
                                   const int64_t *n, float *const *y, int64_t m, int64_t k) {
  std::vector<float> rows = normalizedRef(x, norm_w, norm_format, eps, m, k);
  for (int64_t s = 0; s < segments; ++s)
    inferno_matmul_bf16_ref(rows.data(), static_cast<const uint16_t *>(w[s]), y[s], m, n[s], k);
}

void inferno_fused_linear_f16_ref(const float *x, const void *norm_w, int32_t norm_format,
                                  float eps, int64_t segments, const void *const *w,
                                  const int64_t *n, float *const *y, int64_t m, int64_t k) {
  std::vector<float> rows = normalizedRef(x, norm_w, norm_format, eps, m, k);
  for (int64_t s = 0; s < segments; ++s)
    inferno_matmul_f16_ref(rows.data(), static_cast<const uint16_t *>(w[s]), y[s], m, n[s], k);
}

void inferno_fused_linear_w8a8_ref(const float *x, const void *norm_w, int32_t norm_format,
                                   float eps, int64_t segments, const void *const *w,
                                   const void *const *w_scale, const int64_t *n, float *const *y,
                                   int64_t m, int64_t k) {
  std::vector<float> rows = normalizedRef(x, norm_w, norm_format, eps, m, k);
  for (int64_t s = 0; s < segments; ++s)
    inferno_matmul_w8a8_ref(rows.data(), static_cast<const int8_t *>(w[s]),
                            static_cast<const float *>(w_scale[s]), y[s], m, n[s], k);
}

void inferno_attention_rope_ref(const float *q, const float *k, const float *v,
                                const int32_t *positions, const float *inv_freq, float *k_cache,
                                float *v_cache, float *out, int64_t m, int64_t heads,
                                int64_t kv_heads, int64_t head_dim, int64_t max_positions) {
  std::vector<float> qr(q, q + m * heads * head_dim), kr(k, k + m * kv_heads * head_dim);
  inferno_rope_ref(qr.data(), positions, inv_freq, m, heads, head_dim);
  inferno_rope_ref(kr.data(), positions, inv_freq, m, kv_heads, head_dim);
  inferno_attention_ref(qr.data(), kr.data(), v, positions, k_cache, v_cache, out, m, heads,
                        kv_heads, head_dim, max_positions);
}

}  // extern "C"

namespace inferno::kernels::scalar {

void embeddingF32(const int32_t *tokens, const float *table, float *y, int64_t m,
                  int64_t hidden) {
  for (int64_t i = 0; i < m; ++i)
    std::memcpy(y + i * hidden, table + int64_t(tokens[i]) * hidden, sizeof(float) * hidden);
}

void embeddingBf16(const int32_t *tokens, const uint16_t *table, float *y, int64_t m,
                   int64_t hidden) {
  for (int64_t i = 0; i < m; ++i)
    for (int64_t h = 0; h < hidden; ++h)
      y[i * hidden + h] = bf16ToFloat(table[int64_t(tokens[i]) * hidden + h]);
}

void embeddingF16(const int32_t *tokens, const uint16_t *table, float *y, int64_t m,
                  int64_t hidden) {
  for (int64_t i = 0; i < m; ++i)
    for (int64_t h = 0; h < hidden; ++h)
      y[i * hidden + h] = f16ToFloat(table[int64_t(tokens[i]) * hidden + h]);
}

void rmsNormBf16(const float *x, const uint16_t *w, float *y, int64_t m, int64_t hidden,
                 float eps) {
  rmsNormRef(x, y, m, hidden, eps, [w](int64_t i) { return bf16ToFloat(w[i]); });
}

void rmsNormF16(const float *x, const uint16_t *w, float *y, int64_t m, int64_t hidden,
                float eps) {
  rmsNormRef(x, y, m, hidden, eps, [w](int64_t i) { return f16ToFloat(w[i]); });
}

void add(const float *a, const float *b, float *y, int64_t count) {
  for (int64_t i = 0; i < count; ++i) y[i] = a[i] + b[i];
}

void matmulBf16RoundedRef(const float *x, const uint16_t *w, float *y, int64_t m, int64_t n,
                          int64_t k) {
  std::vector<float> rounded(size_t(m * k));
  for (size_t i = 0; i < rounded.size(); ++i) rounded[i] = bf16ToFloat(floatToBf16(x[i]));
  inferno_matmul_bf16_ref(rounded.data(), w, y, m, n, k);
}

}  // namespace inferno::kernels::scalar
