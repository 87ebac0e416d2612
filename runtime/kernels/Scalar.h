//===- Scalar.h - scalar twins of the kernels kernels.h gives no `_ref` -----*- C++ -*-===//
#ifndef INFERNO_RUNTIME_KERNELS_SCALAR_H
#define INFERNO_RUNTIME_KERNELS_SCALAR_H

#include <cstdint>

namespace inferno::kernels::scalar {

void embeddingF32(const int32_t *tokens, const float *table, float *y, int64_t m, int64_t hidden);
void embeddingBf16(const int32_t *tokens, const uint16_t *table, float *y, int64_t m,
                   int64_t hidden);
void embeddingF16(const int32_t *tokens, const uint16_t *table, float *y, int64_t m,
                  int64_t hidden);
void rmsNormBf16(const float *x, const uint16_t *w, float *y, int64_t m, int64_t hidden,
                 float eps);
void rmsNormF16(const float *x, const uint16_t *w, float *y, int64_t m, int64_t hidden,
                float eps);
void add(const float *a, const float *b, float *y, int64_t count);
// inferno_matmul_bf16 as avx512-bf16 computes it for m ≥ 4 tokens: x rounded to bf16 (round to
// nearest even, floatToBf16), then float32 sums of the exact products.
void matmulBf16RoundedRef(const float *x, const uint16_t *w, float *y, int64_t m, int64_t n,
                          int64_t k);

}  // namespace inferno::kernels::scalar

#endif
