//===- MatmulW8A8.h - the w8a8 int8 matmul, per implementation (internal) -*- C++ -*-===//
//
// inferno_matmul_w8a8 (kernels.h) in two stages. Quantizing the activations is one scalar
// function shared by every ISA (it touches m·k values, against m·n·k products), so only the
// integer dot products differ between implementations, and those are exact: every ISA returns
// the same bits. The ISA translation units see nothing but this plain-C layout.
//
//===----------------------------------------------------------------------------===//
#ifndef INFERNO_RUNTIME_KERNELS_MATMULW8A8_H
#define INFERNO_RUNTIME_KERNELS_MATMULW8A8_H

#include <stdint.h>

namespace inferno::kernels::w8a8 {

// Rows of x quantized per token: row i holds `stride` int8 values (k of them, then zeros), its
// scale absmax/127 and the sum of its k quantized values (the VNNI path's correction term).
struct QuantizedRows {
  const int8_t *q;
  const float *scale;
  const int32_t *sum;
  int64_t m, k, stride;
};

// y[i, j] = scale[i] · (w_scale[j] · float(Σ_k q[i, k]·w[j, k])) for weight rows [n0, n1).
using DotRows = void (*)(const QuantizedRows &x, const int8_t *w, const float *w_scale, float *y,
                         int64_t n, int64_t n0, int64_t n1);

void dotRowsScalar(const QuantizedRows &x, const int8_t *w, const float *w_scale, float *y,
                   int64_t n, int64_t n0, int64_t n1);
namespace avx2 {
void dotRows(const QuantizedRows &x, const int8_t *w, const float *w_scale, float *y, int64_t n,
             int64_t n0, int64_t n1);
}
namespace avx512vnni {
void dotRows(const QuantizedRows &x, const int8_t *w, const float *w_scale, float *y, int64_t n,
             int64_t n0, int64_t n1);
}

// The implementations inferno_matmul_w8a8 can run; tests call each one directly.
enum class Impl { Scalar, Avx2, Avx512Vnni };
const char *implName(Impl impl);
bool cpuSupports(Impl impl);
// The implementation the dispatcher picks for the selected ISA (Dispatch.h): AVX-512 runs the
// VNNI path where the CPU has VNNI, else the AVX2 path.
Impl selectedImpl();
void matmul(Impl impl, const float *x, const int8_t *w, const float *w_scale, float *y, int64_t m,
            int64_t n, int64_t k);
// Several weights against the same x (inferno_fused_linear_w8a8): x quantized once, then one
// parallel loop over the rows of every weight, each segment with its own w, w_scale, n and y.
void fusedMatmul(Impl impl, const float *x, int64_t segments, const int8_t *const *w,
                 const float *const *w_scale, const int64_t *n, float *const *y, int64_t m,
                 int64_t k);

}  // namespace inferno::kernels::w8a8

#endif
