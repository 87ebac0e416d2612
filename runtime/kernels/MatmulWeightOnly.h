//===- MatmulWeightOnly.h - weight-only int8/int4 matmuls, per implementation -*- C++ -*-===//
//
// inferno_matmul_q8 and inferno_matmul_q4 (kernels.h): weights quantized at compile time
// (`inferno compile --quantize`), activations float32. Each implementation dequantizes weight
// vectors in registers and accumulates float32 products; they differ from the scalar path only
// in the order of float additions. The ISA translation units see nothing but this plain-C
// layout (Parallel.h says why).
//
//===----------------------------------------------------------------------------===//
#ifndef INFERNO_RUNTIME_KERNELS_MATMULWEIGHTONLY_H
#define INFERNO_RUNTIME_KERNELS_MATMULWEIGHTONLY_H

#include <stdint.h>

namespace inferno::kernels::wq {

// One call's operands; `group` is the int4 group size (a multiple of 16), 0 for int8.
struct Operands {
  const float *x;       // [m, k]
  const uint8_t *w;     // int8 [n, k], or int4 [n, k/2] (two values per byte, low nibble first)
  const float *w_scale; // int8 [n], or int4 [n, k/group]
  float *y;             // [m, n]
  int64_t m, n, k, group;
};

// y for weight rows [n0, n1).
using Rows = void (*)(const Operands &op, int64_t n0, int64_t n1);

void rowsQ8Scalar(const Operands &op, int64_t n0, int64_t n1);
void rowsQ4Scalar(const Operands &op, int64_t n0, int64_t n1);
namespace avx2 {
void rowsQ8(const Operands &op, int64_t n0, int64_t n1);
void rowsQ4(const Operands &op, int64_t n0, int64_t n1);
}  // namespace avx2
namespace avx512 {
void rowsQ8(const Operands &op, int64_t n0, int64_t n1);
void rowsQ4(const Operands &op, int64_t n0, int64_t n1);
}  // namespace avx512

enum class Impl { Scalar, Avx2, Avx512 };
const char *implName(Impl impl);
bool cpuSupports(Impl impl);
// The implementation the dispatcher picks for the selected ISA (Dispatch.h).
Impl selectedImpl();
// Runs one implementation (tests call each directly); group 0 is int8.
void matmul(Impl impl, const Operands &op);

}  // namespace inferno::kernels::wq

#endif
