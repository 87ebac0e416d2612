//===- MatmulW8A8.cpp - w8a8 int8 matmul: quantization, dispatch, scalar paths ---===//
//
// compressed-tensors w8a8 executed as vLLM does: each activation row gets the dynamic scale
// absmax/127 and is quantized as round-half-to-even(x · (127/absmax)) saturated to [-128, 127];
// int8 × int8 products accumulate exactly in int32; y = scale_a · (scale_w · float(acc)).
//
//===----------------------------------------------------------------------------===//
#include "runtime/kernels/MatmulW8A8.h"

#include "inferno/kernels.h"
#include "runtime/kernels/Dispatch.h"
#include "runtime/kernels/Parallel.h"

#include <cmath>
#include <cstring>
#include <vector>

namespace inferno::kernels::w8a8 {
namespace {

// Rows padded to 64 bytes: the vector paths read whole 64-byte blocks of activations.
constexpr int64_t kRowAlign = 64;

// The quantization every implementation shares, and the reference repeats independently.
// An all-zero row (absmax 0) has scale 0 and quantizes to zeros, so its outputs are 0 (vLLM
// would divide by zero there).
void quantizeRow(const float *x, int64_t k, int8_t *q, float *scale, int32_t *sum) {
  float absmax = 0.0f;
  for (int64_t i = 0; i < k; ++i)
    absmax = std::fmax(absmax, std::fabs(x[i]));
  int32_t total = 0;
  if (absmax == 0.0f) {
    std::memset(q, 0, size_t(k));
  } else {
    const float inverse = 127.0f / absmax;
    // Round half to even by the 1.5·2^23 trick: adding it leaves no fraction bits, so the
    // addition itself rounds (to nearest even, the default mode), exactly as nearbyint would
    // for |v| < 2^22 (here |v| ≤ 127 and a bit). Baseline x86-64 has no roundss, and libm's
    // nearbyint call cost more than the dot products at decode.
    constexpr float kRound = 12582912.0f;
    for (int64_t i = 0; i < k; ++i) {
      const float v = x[i] * inverse;
      float r = (v + kRound) - kRound;
      r = std::fmin(std::fmax(r, -128.0f), 127.0f);
      q[i] = int8_t(r);
      total += q[i];
    }
  }
  *scale = absmax / 127.0f;
  *sum = total;
}

}  // namespace

void dotRowsScalar(const QuantizedRows &x, const int8_t *w, const float *w_scale, float *y,
                   int64_t n, int64_t n0, int64_t n1) {
  for (int64_t j = n0; j < n1; ++j) {
    const int8_t *wj = w + j * x.k;
    for (int64_t i = 0; i < x.m; ++i) {
      const int8_t *qi = x.q + i * x.stride;
      int32_t acc = 0;
      for (int64_t t = 0; t < x.k; ++t)
        acc += int32_t(qi[t]) * int32_t(wj[t]);
      y[i * n + j] = x.scale[i] * (w_scale[j] * float(acc));
    }
  }
}

const char *implName(Impl impl) {
  switch (impl) {
  case Impl::Scalar:
    return "scalar";
  case Impl::Avx2:
    return "avx2";
  case Impl::Avx512Vnni:
    return "avx512-vnni";
  }
  return "?";
}

bool cpuSupports(Impl impl) {
  switch (impl) {
  case Impl::Scalar:
    return true;
  case Impl::Avx2:
    return kernels::cpuSupports(Isa::Avx2);
  case Impl::Avx512Vnni:
    __builtin_cpu_init();
    return kernels::cpuSupports(Isa::Avx512) && __builtin_cpu_supports("avx512vnni");
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
  case Isa::Avx512Bf16: // bf16 dot products do not concern int8 weights
  case Isa::AmxBf16:
    return cpuSupports(Impl::Avx512Vnni) ? Impl::Avx512Vnni : Impl::Avx2;
  }
  return Impl::Scalar;
}

void matmul(Impl impl, const float *x, const int8_t *w, const float *w_scale, float *y, int64_t m,
            int64_t n, int64_t k) {
  fusedMatmul(impl, x, 1, &w, &w_scale, &n, &y, m, k);
}

namespace {
struct FusedJob {
  DotRows dot;
  const QuantizedRows *x;
  const int8_t *const *w;
  const float *const *wScale;
  const int64_t *n;
  float *const *y;
  const int64_t *firstTask;  // of each segment, then the total
  int64_t segments, rowsPerTask;
};

int runFusedTask(void *context, int64_t task) {
  const FusedJob &j = *static_cast<const FusedJob *>(context);
  int64_t s = 0;
  while (j.firstTask[s + 1] <= task)
    ++s;
  const int64_t n0 = (task - j.firstTask[s]) * j.rowsPerTask;
  const int64_t n1 = std::min(n0 + j.rowsPerTask, j.n[s]);
  j.dot(*j.x, j.w[s], j.wScale[s], j.y[s], j.n[s], n0, n1);
  return 0;
}
}  // namespace

void fusedMatmul(Impl impl, const float *x, int64_t segments, const int8_t *const *w,
                 const float *const *w_scale, const int64_t *n, float *const *y, int64_t m,
                 int64_t k) {
  if (m <= 0 || segments <= 0)
    return;
  if (k <= 0) {
    for (int64_t s = 0; s < segments; ++s)
      std::memset(y[s], 0, sizeof(float) * size_t(m * n[s]));
    return;
  }
  // One buffer per calling thread, reused across calls: m rows of int8 plus per-row terms.
  thread_local std::vector<int8_t> qBuffer;
  thread_local std::vector<float> scales;
  thread_local std::vector<int32_t> sums;
  const int64_t stride = (k + kRowAlign - 1) / kRowAlign * kRowAlign;
  qBuffer.assign(size_t(m * stride), 0);
  scales.resize(size_t(m));
  sums.resize(size_t(m));
  for (int64_t i = 0; i < m; ++i)
    quantizeRow(x + i * k, k, qBuffer.data() + i * stride, &scales[size_t(i)], &sums[size_t(i)]);
  QuantizedRows rows{qBuffer.data(), scales.data(), sums.data(), m, k, stride};
  DotRows dot = impl == Impl::Avx512Vnni ? avx512vnni::dotRows
                : impl == Impl::Avx2     ? avx2::dotRows
                                         : dotRowsScalar;
  // Tasks of whole weight rows, ~64 KiB of weights each, at least one task per thread over all
  // segments.
  int64_t total = 0;
  for (int64_t s = 0; s < segments; ++s)
    total += n[s];
  int64_t rowsPerTask = std::max<int64_t>(1, (int64_t(1) << 16) / k);
  const int64_t threads = poolThreads();
  if (threads > 1 && total / rowsPerTask < threads)
    rowsPerTask = std::max<int64_t>(1, (total + threads - 1) / threads);
  thread_local std::vector<int64_t> firstTask;
  firstTask.assign(size_t(segments + 1), 0);
  for (int64_t s = 0; s < segments; ++s)
    firstTask[size_t(s + 1)] = firstTask[size_t(s)] + (n[s] + rowsPerTask - 1) / rowsPerTask;
  FusedJob job{dot, &rows, w, w_scale, n, y, firstTask.data(), segments, rowsPerTask};
  const int64_t tasks = firstTask[size_t(segments)];
  if (tasks == 1)
    runFusedTask(&job, 0);
  else
    parallelFor(0, tasks, runFusedTask, &job);
}

}  // namespace inferno::kernels::w8a8

using namespace inferno::kernels;

extern "C" {

void inferno_matmul_w8a8(const float *x, const int8_t *w, const float *w_scale, float *y,
                         int64_t m, int64_t n, int64_t k) {
  w8a8::matmul(w8a8::selectedImpl(), x, w, w_scale, y, m, n, k);
}

// Written independently of the path above (no padding, no shared quantizer), so the tests that
// diff every implementation against it check the shared quantization too.
void inferno_matmul_w8a8_ref(const float *x, const int8_t *w, const float *w_scale, float *y,
                             int64_t m, int64_t n, int64_t k) {
  std::vector<int8_t> q(size_t(k > 0 ? k : 0));
  for (int64_t i = 0; i < m; ++i) {
    const float *xi = x + i * k;
    float absmax = 0.0f;
    for (int64_t t = 0; t < k; ++t)
      if (std::fabs(xi[t]) > absmax)
        absmax = std::fabs(xi[t]);
    const float scale = absmax / 127.0f;
    for (int64_t t = 0; t < k; ++t) {
      if (absmax == 0.0f) {
        q[size_t(t)] = 0;
        continue;
      }
      float r = std::nearbyint(xi[t] * (127.0f / absmax));
      q[size_t(t)] = int8_t(r < -128.0f ? -128.0f : r > 127.0f ? 127.0f : r);
    }
    for (int64_t j = 0; j < n; ++j) {
      int32_t acc = 0;
      for (int64_t t = 0; t < k; ++t)
        acc += int32_t(q[size_t(t)]) * int32_t(w[j * k + t]);
      y[i * n + j] = scale * (w_scale[j] * float(acc));
    }
  }
}

}  // extern "C"
