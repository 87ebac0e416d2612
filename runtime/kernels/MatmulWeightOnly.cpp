//===- MatmulWeightOnly.cpp - weight-only int8/int4 matmuls: dispatch, scalar paths ---===//
//
// The formats `inferno compile --quantize` writes (docs/quantization.md):
//   int8: W[j, t] = scale[j] · q[j, t], q in [-127, 127];
//         y[i, j] = scale[j] · Σ_t x[i, t] · q[j, t]           (the scale applied once per row)
//   int4: W[j, t] = scale[j, t / group] · (nibble(j, t) - 8), two nibbles a byte, the even t in
//         the low one; y[i, j] = Σ_t x[i, t] · W[j, t]        (weights dequantized per group)
// Sums are float32. Decode (m = 1) and prefill run the same code: a tile of activation rows
// shares each dequantized weight vector.
//
//===----------------------------------------------------------------------------===//
#include "runtime/kernels/MatmulWeightOnly.h"

#include "inferno/kernels.h"
#include "runtime/kernels/Dispatch.h"
#include "runtime/kernels/Parallel.h"

#include <algorithm>
#include <cstring>

namespace inferno::kernels::wq {
namespace {

struct Job {
  Rows rows;
  const Operands *op;
  int64_t rowsPerTask;
};

int runTask(void *context, int64_t task) {
  const Job &j = *static_cast<const Job *>(context);
  int64_t n0 = task * j.rowsPerTask, n1 = std::min(n0 + j.rowsPerTask, j.op->n);
  j.rows(*j.op, n0, n1);
  return 0;
}

}  // namespace

void rowsQ8Scalar(const Operands &op, int64_t n0, int64_t n1) {
  const int8_t *w = reinterpret_cast<const int8_t *>(op.w);
  for (int64_t j = n0; j < n1; ++j)
    for (int64_t i = 0; i < op.m; ++i) {
      const float *xi = op.x + i * op.k;
      const int8_t *wj = w + j * op.k;
      float acc = 0.0f;
      for (int64_t t = 0; t < op.k; ++t)
        acc += xi[t] * float(wj[t]);
      op.y[i * op.n + j] = op.w_scale[j] * acc;
    }
}

void rowsQ4Scalar(const Operands &op, int64_t n0, int64_t n1) {
  const int64_t groups = op.k / op.group;
  for (int64_t j = n0; j < n1; ++j)
    for (int64_t i = 0; i < op.m; ++i) {
      const float *xi = op.x + i * op.k;
      const uint8_t *wj = op.w + j * (op.k / 2);
      float acc = 0.0f;
      for (int64_t t = 0; t < op.k; ++t) {
        const int nibble = (wj[t / 2] >> (4 * (t & 1))) & 0xf;
        acc += xi[t] * (float(nibble - 8) * op.w_scale[j * groups + t / op.group]);
      }
      op.y[i * op.n + j] = acc;
    }
}

const char *implName(Impl impl) {
  switch (impl) {
  case Impl::Scalar:
    return "scalar";
  case Impl::Avx2:
    return "avx2";
  case Impl::Avx512:
    return "avx512";
  }
  return "?";
}

bool cpuSupports(Impl impl) {
  switch (impl) {
  case Impl::Scalar:
    return true;
  case Impl::Avx2:
    return kernels::cpuSupports(Isa::Avx2);
  case Impl::Avx512:
    return kernels::cpuSupports(Isa::Avx512);
  }
  return false;
}

Impl selectedImpl() {
  switch (currentIsa()) {
  case Isa::Scalar:
    return Impl::Scalar;
  case Isa::Avx2:
    return Impl::Avx2;
  case Isa::Avx512:
  case Isa::Avx512Bf16: // no bf16 arithmetic here
  case Isa::AmxBf16:
    return Impl::Avx512;
  }
  return Impl::Scalar;
}

void matmul(Impl impl, const Operands &op) {
  if (op.m <= 0 || op.n <= 0)
    return;
  if (op.k <= 0) {
    std::memset(op.y, 0, sizeof(float) * size_t(op.m * op.n));
    return;
  }
  const bool int4 = op.group > 0;
  Rows rows = impl == Impl::Avx512 ? (int4 ? avx512::rowsQ4 : avx512::rowsQ8)
              : impl == Impl::Avx2 ? (int4 ? avx2::rowsQ4 : avx2::rowsQ8)
                                   : (int4 ? rowsQ4Scalar : rowsQ8Scalar);
  // Tasks of whole weight rows, ~64 KiB of weights each, at least one task per thread.
  const int64_t rowBytes = int4 ? op.k / 2 : op.k;
  int64_t rowsPerTask = std::max<int64_t>(4, (int64_t(1) << 16) / rowBytes);
  const int64_t threads = poolThreads();
  if (threads > 1 && (op.n + rowsPerTask - 1) / rowsPerTask < threads)
    rowsPerTask = std::max<int64_t>(1, (op.n + threads - 1) / threads);
  Job job{rows, &op, rowsPerTask};
  const int64_t tasks = (op.n + rowsPerTask - 1) / rowsPerTask;
  if (tasks == 1)
    runTask(&job, 0);
  else
    parallelFor(0, tasks, runTask, &job);
}

}  // namespace inferno::kernels::wq

using namespace inferno::kernels;

extern "C" {

void inferno_matmul_q8(const float *x, const int8_t *w, const float *w_scale, float *y, int64_t m,
                       int64_t n, int64_t k) {
  wq::matmul(wq::selectedImpl(),
             {x, reinterpret_cast<const uint8_t *>(w), w_scale, y, m, n, k, 0});
}

void inferno_matmul_q4(const float *x, const uint8_t *w, const float *w_scale, float *y,
                       int64_t m, int64_t n, int64_t k, int64_t group) {
  wq::matmul(wq::selectedImpl(), {x, w, w_scale, y, m, n, k, group});
}

void inferno_embedding_q8(const int32_t *tokens, const int8_t *table, const float *scale,
                          float *y, int64_t m, int64_t hidden) {
  for (int64_t i = 0; i < m; ++i) {
    const int8_t *row = table + int64_t(tokens[i]) * hidden;
    const float s = scale[tokens[i]];
    for (int64_t t = 0; t < hidden; ++t)
      y[i * hidden + t] = float(row[t]) * s;
  }
}

void inferno_embedding_q4(const int32_t *tokens, const uint8_t *table, const float *scale,
                          float *y, int64_t m, int64_t hidden, int64_t group) {
  const int64_t groups = hidden / group;
  for (int64_t i = 0; i < m; ++i) {
    const uint8_t *row = table + int64_t(tokens[i]) * (hidden / 2);
    const float *s = scale + int64_t(tokens[i]) * groups;
    for (int64_t t = 0; t < hidden; ++t)
      y[i * hidden + t] = float(((row[t / 2] >> (4 * (t & 1))) & 0xf) - 8) * s[t / group];
  }
}

}  // extern "C"
