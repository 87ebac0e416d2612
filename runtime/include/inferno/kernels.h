/*===- kernels.h - the kernels generated code calls ---------------*- C -*-===//
 *
 * The C ABI between code the compiler generates and the runtime's kernel library.
 * Generated code passes every shape as a constant and every buffer as a pointer; the
 * kernels choose the fastest implementation the running CPU supports (AVX-512 with bf16
 * dot products and VNNI where present, else AVX2+FMA) and parallelize over the runtime's
 * thread pool. Each kernel has a plain scalar twin (suffix `_ref`) that tests diff against.
 *
 * Conventions: row-major; activations are float32; a weight W of a projection is [n, k]
 * (out, in) in its storage dtype (f32, bf16 or f16 as uint16_t bits); `m` is the token count.
 * Buffers never alias unless a kernel says so.
 *===----------------------------------------------------------------------===*/

#ifndef INFERNO_RUNTIME_KERNELS_H
#define INFERNO_RUNTIME_KERNELS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* y[m, n] = x[m, k] · W[n, k]ᵀ, accumulated in float32. */
void inferno_matmul_f32(const float *x, const float *w, float *y, int64_t m, int64_t n, int64_t k);
void inferno_matmul_bf16(const float *x, const uint16_t *w, float *y, int64_t m, int64_t n,
                         int64_t k);
void inferno_matmul_f16(const float *x, const uint16_t *w, float *y, int64_t m, int64_t n,
                        int64_t k);

/* compressed-tensors w8a8: W is int8 [n, k] with one float32 scale per output row (w_scale[n]).
 * Each row of x is quantized on the fly: s = absmax/127, q = round-half-to-even(x · (127/absmax))
 * saturated to [-128, 127] (an all-zero row gives s = 0, q = 0); then
 *   y[i, j] = s[i] · (w_scale[j] · float(Σ_k q[i, k]·W[j, k]))   with the sum exact in int32.
 * Every implementation returns the same bits as the scalar reference. */
void inferno_matmul_w8a8(const float *x, const int8_t *w, const float *w_scale, float *y,
                         int64_t m, int64_t n, int64_t k);

/* Weight-only quantization done at compile time (inferno compile --quantize); x stays float32.
 * int8: W [n, k] int8 with one float32 scale per row; y[i, j] = w_scale[j] · Σ_k x[i, k]·W[j, k].
 * int4: W [n, k/2] bytes, two values per byte (the even k in the low nibble), each stored as
 * q + 8 for q in [-8, 7]; w_scale [n, k/group]; W[j, k] = w_scale[j, k/group] · q.
 * group is a multiple of 16 dividing k. Sums are float32 (implementations differ only in their
 * order). */
void inferno_matmul_q8(const float *x, const int8_t *w, const float *w_scale, float *y, int64_t m,
                       int64_t n, int64_t k);
void inferno_matmul_q4(const float *x, const uint8_t *w, const float *w_scale, float *y,
                       int64_t m, int64_t n, int64_t k, int64_t group);
/* Embedding tables in the same formats: y[i, :] = dequantized row tokens[i]. */
void inferno_embedding_q8(const int32_t *tokens, const int8_t *table, const float *scale,
                          float *y, int64_t m, int64_t hidden);
void inferno_embedding_q4(const int32_t *tokens, const uint8_t *table, const float *scale,
                          float *y, int64_t m, int64_t hidden, int64_t group);

/* y[i, :] = table[tokens[i], :] converted to float32, for i < m. Token ids are in range. */
void inferno_embedding_f32(const int32_t *tokens, const float *table, float *y, int64_t m,
                           int64_t hidden);
void inferno_embedding_bf16(const int32_t *tokens, const uint16_t *table, float *y, int64_t m,
                            int64_t hidden);
void inferno_embedding_f16(const int32_t *tokens, const uint16_t *table, float *y, int64_t m,
                           int64_t hidden);

/* y[i, :] = x[i, :] / sqrt(mean(x[i, :]²) + eps) * w[:], in float32. y may equal x. */
void inferno_rms_norm_f32(const float *x, const float *w, float *y, int64_t m, int64_t hidden,
                          float eps);
void inferno_rms_norm_bf16(const float *x, const uint16_t *w, float *y, int64_t m, int64_t hidden,
                           float eps);
void inferno_rms_norm_f16(const float *x, const uint16_t *w, float *y, int64_t m, int64_t hidden,
                          float eps);

/* Rotary embedding, rotate-half layout (Hugging Face Llama), in place on x[m, heads·head_dim]:
 * for each token i, head h and j < head_dim/2, with a = (float)positions[i] · inv_freq[j]
 * (a float32 product), c = cosf(a), s = sinf(a):
 *   x0 = x[i, h, j], x1 = x[i, h, j + head_dim/2]
 *   x[i, h, j] = x0·c − x1·s;  x[i, h, j + head_dim/2] = x1·c + x0·s.
 * inv_freq has head_dim/2 float32 entries (the compiler computes them, RoPE scaling included). */
void inferno_rope(float *x, const int32_t *positions, const float *inv_freq, int64_t m,
                  int64_t heads, int64_t head_dim);

/* Causal grouped-query attention over a float32 KV cache, for one layer.
 * k_cache and v_cache point at this layer's [max_positions, kv_heads, head_dim] blocks.
 * First stores k[i, :] and v[i, :] (kv_heads·head_dim each) at row positions[i] of the caches,
 * then for each token i and query head h (kv head g = h / (heads / kv_heads)):
 *   scores[t] = q[i, h, :] · k_cache[t, g, :] / sqrt(head_dim) for t ≤ positions[i]
 *   out[i, h, :] = Σ_t softmax(scores)[t] · v_cache[t, g, :]
 * Positions are increasing within a call and every earlier position is already cached. */
void inferno_attention(const float *q, const float *k, const float *v, const int32_t *positions,
                       float *k_cache, float *v_cache, float *out, int64_t m, int64_t heads,
                       int64_t kv_heads, int64_t head_dim, int64_t max_positions);

/* y = silu(gate) · up = gate / (1 + exp(−gate)) · up, elementwise over count floats. */
void inferno_swiglu(const float *gate, const float *up, float *y, int64_t count);

/* y = a + b elementwise over count floats. y may equal a or b. */
void inferno_add(const float *a, const float *b, float *y, int64_t count);

/* Several projections of one input, run as one job split over every output row of every
 * weight ("segment"): for s < segments,
 *   y[s][m, n[s]] = x'[m, k] · W_s[n[s], k]ᵀ
 * each W_s read in place through w[s] (float32, bf16 or f16 bits by the entry point; for w8a8
 * int8 with w_scale[s] its n[s] float32 per-row scales, as inferno_matmul_w8a8).
 * x' is x, or when norm_w is not NULL each row of x RMS-normalized as inferno_rms_norm_* with
 * weight norm_w (norm_format 0: float32, 1: bf16, 2: f16) and eps: the inverse RMS of a row
 * is computed once and applied, times the norm weight, while the row is packed.
 * For w8a8 the normalized row is what gets quantized. Outputs never alias x. */
void inferno_fused_linear_f32(const float *x, const void *norm_w, int32_t norm_format, float eps,
                              int64_t segments, const void *const *w, const int64_t *n,
                              float *const *y, int64_t m, int64_t k);
void inferno_fused_linear_bf16(const float *x, const void *norm_w, int32_t norm_format, float eps,
                               int64_t segments, const void *const *w, const int64_t *n,
                               float *const *y, int64_t m, int64_t k);
void inferno_fused_linear_f16(const float *x, const void *norm_w, int32_t norm_format, float eps,
                              int64_t segments, const void *const *w, const int64_t *n,
                              float *const *y, int64_t m, int64_t k);
void inferno_fused_linear_w8a8(const float *x, const void *norm_w, int32_t norm_format, float eps,
                               int64_t segments, const void *const *w, const void *const *w_scale,
                               const int64_t *n, float *const *y, int64_t m, int64_t k);

/* inferno_attention with RoPE folded in: q and k arrive unrotated; each key row is rotated
 * (as inferno_rope with kv_heads heads) as it is stored in k_cache, and each query head is
 * rotated (as inferno_rope with heads heads) as it is loaded. q and k are not modified. */
void inferno_attention_rope(const float *q, const float *k, const float *v,
                            const int32_t *positions, const float *inv_freq, float *k_cache,
                            float *v_cache, float *out, int64_t m, int64_t heads,
                            int64_t kv_heads, int64_t head_dim, int64_t max_positions);

/* Threads the kernels may use (1 = run on the calling thread). Default: all cores. */
void inferno_set_num_threads(int32_t threads);
int32_t inferno_get_num_threads(void);

/* Which implementation the dispatcher picked: "amx-bf16", "avx512-bf16", "avx512", "avx2",
   "scalar". */
const char *inferno_kernel_isa(void);

/* The scalar reference of each kernel, same contract. */
void inferno_matmul_f32_ref(const float *x, const float *w, float *y, int64_t m, int64_t n,
                            int64_t k);
void inferno_matmul_bf16_ref(const float *x, const uint16_t *w, float *y, int64_t m, int64_t n,
                             int64_t k);
void inferno_matmul_f16_ref(const float *x, const uint16_t *w, float *y, int64_t m, int64_t n,
                            int64_t k);
void inferno_rms_norm_f32_ref(const float *x, const float *w, float *y, int64_t m, int64_t hidden,
                              float eps);
void inferno_rope_ref(float *x, const int32_t *positions, const float *inv_freq, int64_t m,
                      int64_t heads, int64_t head_dim);
void inferno_attention_ref(const float *q, const float *k, const float *v,
                           const int32_t *positions, float *k_cache, float *v_cache, float *out,
                           int64_t m, int64_t heads, int64_t kv_heads, int64_t head_dim,
                           int64_t max_positions);
void inferno_matmul_w8a8_ref(const float *x, const int8_t *w, const float *w_scale, float *y,
                             int64_t m, int64_t n, int64_t k);
void inferno_swiglu_ref(const float *gate, const float *up, float *y, int64_t count);
void inferno_fused_linear_f32_ref(const float *x, const void *norm_w, int32_t norm_format,
                                  float eps, int64_t segments, const void *const *w,
                                  const int64_t *n, float *const *y, int64_t m, int64_t k);
void inferno_fused_linear_bf16_ref(const float *x, const void *norm_w, int32_t norm_format,
                                   float eps, int64_t segments, const void *const *w,
                                   const int64_t *n, float *const *y, int64_t m, int64_t k);
void inferno_fused_linear_f16_ref(const float *x, const void *norm_w, int32_t norm_format,
                                  float eps, int64_t segments, const void *const *w,
                                  const int64_t *n, float *const *y, int64_t m, int64_t k);
void inferno_fused_linear_w8a8_ref(const float *x, const void *norm_w, int32_t norm_format,
                                   float eps, int64_t segments, const void *const *w,
                                   const void *const *w_scale, const int64_t *n, float *const *y,
                                   int64_t m, int64_t k);
void inferno_attention_rope_ref(const float *q, const float *k, const float *v,
                                const int32_t *positions, const float *inv_freq, float *k_cache,
                                float *v_cache, float *out, int64_t m, int64_t heads,
                                int64_t kv_heads, int64_t head_dim, int64_t max_positions);

#ifdef __cplusplus
}
#endif

#endif /* INFERNO_RUNTIME_KERNELS_H */
