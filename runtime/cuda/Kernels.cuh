//===- Kernels.cuh - the CUDA kernels generated model code launches -*- CUDA -*-===//
//
// Header-only: the compiler emits one CUDA C++ file per model that includes this and calls
// the kernels with every shape as a template argument, so nvcc unrolls the inner loops for the
// exact widths of the model. Activations are float32 in device memory; weights are read in
// their storage dtype (float, bf16, f16) and widened in registers.
//
// Decode (one token) is bandwidth-bound: every weight byte is read once per token, so the
// matrix-vector kernel issues 16-byte loads, several per lane before the first use, one warp
// per output row, and fuses what surrounds the projection (RMSNorm of its input, the residual
// add, SwiGLU) so that no intermediate round-trips through device memory. Prefill goes to
// cuBLAS (Runtime.cuh); the kernels here supply its prologues and epilogues.
//
//===----------------------------------------------------------------------===//

#ifndef INFERNO_RUNTIME_CUDA_KERNELS_CUH
#define INFERNO_RUNTIME_CUDA_KERNELS_CUH

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_fp8.h>
#include <cstdint>
#include <type_traits>

namespace inferno::cuda {

using bf16 = __nv_bfloat16;
using f16 = __half;
/// fp8 e4m3 (no infinities, ±448 at most), for the KV cache only (`--kv-dtype fp8`): stored
/// with scale 1, rounded to nearest and saturated, so a key or value beyond ±448 is clipped.
using fp8 = __nv_fp8_e4m3;

constexpr int kWarp = 32;

__device__ __forceinline__ float toFloat(float v) { return v; }
__device__ __forceinline__ float toFloat(bf16 v) { return __bfloat162float(v); }
__device__ __forceinline__ float toFloat(f16 v) { return __half2float(v); }
__device__ __forceinline__ float toFloat(fp8 v) { return static_cast<float>(v); }

template <typename T> __device__ __forceinline__ T fromFloat(float v);
template <> __device__ __forceinline__ float fromFloat<float>(float v) { return v; }
template <> __device__ __forceinline__ bf16 fromFloat<bf16>(float v) { return __float2bfloat16_rn(v); }
template <> __device__ __forceinline__ f16 fromFloat<f16>(float v) { return __float2half_rn(v); }
template <> __device__ __forceinline__ fp8 fromFloat<fp8>(float v) { return fp8(v); }

/// Elements of T in one 16-byte load.
template <typename T> constexpr int kPerVector = 16 / sizeof(T);

/// Widens the elements of one 16-byte load.
__device__ __forceinline__ void widen(const uint4 &v, float *out, float) {
  out[0] = __uint_as_float(v.x);
  out[1] = __uint_as_float(v.y);
  out[2] = __uint_as_float(v.z);
  out[3] = __uint_as_float(v.w);
}
__device__ __forceinline__ void widen(const uint4 &v, float *out, bf16) {
  const uint32_t words[4] = {v.x, v.y, v.z, v.w};
#pragma unroll
  for (int i = 0; i < 4; ++i) {
    out[2 * i] = __uint_as_float(words[i] << 16);
    out[2 * i + 1] = __uint_as_float(words[i] & 0xffff0000u);
  }
}
__device__ __forceinline__ void widen(const uint4 &v, float *out, f16) {
  const uint32_t words[4] = {v.x, v.y, v.z, v.w};
#pragma unroll
  for (int i = 0; i < 4; ++i) {
    float2 pair = __half22float2(*reinterpret_cast<const __half2 *>(&words[i]));
    out[2 * i] = pair.x;
    out[2 * i + 1] = pair.y;
  }
}

/// Widens 8 fp8 values of an 8-byte load (decode attention's value pieces).
__device__ __forceinline__ void widen(const uint2 &v, float *out, fp8) {
  const uint32_t words[2] = {v.x, v.y};
#pragma unroll
  for (int i = 0; i < 2; ++i) {
    const __nv_fp8x2_e4m3 *pairs = reinterpret_cast<const __nv_fp8x2_e4m3 *>(&words[i]);
#pragma unroll
    for (int h = 0; h < 2; ++h) {
      const float2 pair = static_cast<float2>(pairs[h]);
      out[4 * i + 2 * h] = pair.x;
      out[4 * i + 2 * h + 1] = pair.y;
    }
  }
}
__device__ __forceinline__ void widen(const uint4 &v, float *out, fp8) {
  widen(make_uint2(v.x, v.y), out, fp8());
  widen(make_uint2(v.z, v.w), out + 8, fp8());
}

/// A load that bypasses L1 and marks the line for early eviction from L2: weights are read
/// once per token, and keeping them would only push out the activations.
__device__ __forceinline__ uint4 loadStreaming(const uint4 *p) { return __ldcs(p); }

__device__ __forceinline__ float warpSum(float v) {
#pragma unroll
  for (int offset = kWarp / 2; offset > 0; offset /= 2)
    v += __shfl_xor_sync(0xffffffffu, v, offset);
  return v;
}

__device__ __forceinline__ float warpMax(float v) {
#pragma unroll
  for (int offset = kWarp / 2; offset > 0; offset /= 2)
    v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, offset));
  return v;
}

//===----------------------------------------------------------------------===//
// Programmatic dependent launch (sm_90). Runtime.cuh's launch() lets the small kernels of a decode
// step start before the kernel ahead of them in the stream has finished: a step is about a hundred
// kernels of a few microseconds each, and otherwise each one's blocks would only begin loading
// weights once the previous grid had drained. Every kernel first lets its own successor launch,
// issues what depends on no earlier kernel (a matrix-vector block's first weight loads and norm
// weights, a decode attention block's cached keys and values), then waits for its predecessors
// before it reads or writes any activation, and right after the wait reads what it needs last (the
// residual row): a memory round trip between the predecessor's end and the kernel's own end is time
// the step waits. Every kernel waits in at least one block before it finishes, so finishing implies
// that everything before it has finished: the ordering is transitive along the stream. For a kernel
// launched without the attribute the wait returns at once (the stream has already ordered it), and
// letting a successor launch early is harmless either way. Activations are therefore not `const
// __restrict__` in kernels a decode step runs: that lets the compiler read them through the
// read-only path (ld.global.nc), which assumes the data fixed for the kernel's whole life and may
// be scheduled ahead of the wait; they change until the wait returns. Weights, norms and RoPE
// tables, fixed for good, keep it, as do the kernels that only prefill runs (ropeStoreKernel,
// attentionPrefillKernel), never launched early.
//===----------------------------------------------------------------------===//

/// Lets the next kernel in the stream launch now rather than when this grid has finished.
__device__ __forceinline__ void launchDependents() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
  asm volatile("griddepcontrol.launch_dependents;" ::: "memory");
#endif
}

/// Waits until the kernels before this one have finished and their writes are visible.
__device__ __forceinline__ void waitForPredecessors() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
  asm volatile("griddepcontrol.wait;" ::: "memory");
#endif
}

/// The prologue of a kernel with nothing to prefetch: both of the above.
__device__ __forceinline__ void startAfterPredecessors() {
  launchDependents();
  waitForPredecessors();
}

/// `op` over the block (every thread gets the result): each warp reduces its lanes, then every
/// thread combines the warps' results in warp order. One barrier: `shared` (one float a warp)
/// must be slots no earlier reduction of the kernel still reads, so a kernel gives each of
/// its reductions its own.
template <int Threads, typename Op>
__device__ __forceinline__ float blockReduce(float v, float *shared, Op op) {
  constexpr int warps = Threads / kWarp;
#pragma unroll
  for (int offset = kWarp / 2; offset > 0; offset /= 2)
    v = op(v, __shfl_xor_sync(0xffffffffu, v, offset));
  if (threadIdx.x % kWarp == 0)
    shared[threadIdx.x / kWarp] = v;
  __syncthreads();
  float total = shared[0];
#pragma unroll
  for (int w = 1; w < warps; ++w)
    total = op(total, shared[w]);
  return total;
}

template <int Threads> __device__ __forceinline__ float blockSum(float v, float *shared) {
  return blockReduce<Threads>(v, shared, [](float a, float b) { return a + b; });
}
template <int Threads> __device__ __forceinline__ float blockMax(float v, float *shared) {
  return blockReduce<Threads>(v, shared, [](float a, float b) { return fmaxf(a, b); });
}

/// How a block splits one token's input x[K] among its threads: thread t takes the groups t,
/// t + Threads, ... of `width` consecutive elements, four (one 16-byte access) where K allows.
/// Every block of a matrix-vector kernel stages the whole input right after its wait, and the
/// instructions that takes are paid by every block a multiprocessor holds: 16-byte accesses
/// instead of 4-byte ones, with one barrier a reduction, took the Llama-3.1-8B shape's decode
/// step from 5.17 to 5.07 ms on the H100 (the Llama-3.2-1B shape's, 4 floats a thread, stayed
/// at 0.95 ms).
template <int K, int Threads> struct InputSplit {
  static constexpr int width = K % 4 == 0 ? 4 : 1;
  static constexpr int groups = K / width, perThread = (groups + Threads - 1) / Threads;

  __device__ __forceinline__ static int group(int j) {
    return static_cast<int>(threadIdx.x) + j * Threads;
  }
  __device__ __forceinline__ static bool owns(int j) {
    return groups % Threads == 0 || group(j) < groups;
  }
  /// Group j of this thread from x (global or shared memory).
  __device__ __forceinline__ static void load(const float *x, int j, float (&v)[width]) {
    if constexpr (width == 4) {
      const float4 loaded = reinterpret_cast<const float4 *>(x)[group(j)];
      v[0] = loaded.x, v[1] = loaded.y, v[2] = loaded.z, v[3] = loaded.w;
    } else {
      v[0] = x[group(j)];
    }
  }
  __device__ __forceinline__ static void store(float *xs, int j, const float (&v)[width]) {
    if constexpr (width == 4)
      reinterpret_cast<float4 *>(xs)[group(j)] = make_float4(v[0], v[1], v[2], v[3]);
    else
      xs[group(j)] = v[0];
  }
};

/// The RMSNorm weights one thread of stageInput multiplies by, loaded before the block waits
/// for its input: they depend on no kernel, and loaded after the sum of squares they cost the
/// block one more memory round trip between its predecessor's end and its first products.
/// Up to 8 a thread (on the H100, the Llama-3.1-8B shape's 8 a thread took its decode step
/// from 5.27 to 5.21 ms, although its q/k/v blocks lose a multiprocessor's second slot);
/// wider inputs load them in stageInput.
template <typename N, int K, int Threads> struct NormLoads {
  using Split = InputSplit<K, Threads>;
  static constexpr int width = Split::width, perThread = Split::perThread;
  static constexpr bool early = perThread * width <= 8;
  float w[early ? perThread : 1][width];

  /// Group j's weights from norm.
  __device__ __forceinline__ static void load(const N *__restrict__ norm, int j,
                                              float (&out)[width]) {
#pragma unroll
    for (int e = 0; e < width; ++e)
      out[e] = toFloat(norm[Split::group(j) * width + e]);
  }

  __device__ __forceinline__ void issue(const N *__restrict__ norm) {
    if constexpr (early)
      if (norm != nullptr)
#pragma unroll
        for (int j = 0; j < perThread; ++j)
          if (Split::owns(j))
            load(norm, j, w[j]);
  }
};

/// x[K] of one token into shared memory, RMS-normalized with `norm` when it is not null:
/// x / sqrt(mean(x²) + eps) · norm, in float32 (Hugging Face's LlamaRMSNorm). A thread issues
/// up to four groups' loads before using them: a wide input (14336 floats over 512 threads)
/// would otherwise cost a memory round trip per group while the block's weight loads wait.
/// `early` holds the norm weights when NormLoads loads them ahead.
template <typename N, int K, int Threads>
__device__ __forceinline__ void stageInput(const float *x, const N *__restrict__ norm,
                                           float eps, float *xs, float *reduce,
                                           const NormLoads<N, K, Threads> &early) {
  using Split = InputSplit<K, Threads>;
  constexpr int width = Split::width, perThread = Split::perThread;
  constexpr int batch = perThread < 4 ? perThread : 4;
  float v[batch][width]; // after the loop: every group, where one batch holds them all
  float squares = 0.0f;
#pragma unroll
  for (int base = 0; base < perThread; base += batch) {
#pragma unroll
    for (int i = 0; i < batch; ++i)
      if (base + i < perThread && Split::owns(base + i))
        Split::load(x, base + i, v[i]);
#pragma unroll
    for (int i = 0; i < batch; ++i)
      if (base + i < perThread && Split::owns(base + i)) {
        Split::store(xs, base + i, v[i]);
#pragma unroll
        for (int e = 0; e < width; ++e)
          squares += v[i][e] * v[i][e];
      }
  }
  if (norm != nullptr) {
    const float inverse = rsqrtf(blockSum<Threads>(squares, reduce) / K + eps);
#pragma unroll
    for (int j = 0; j < perThread; ++j)
      if (Split::owns(j)) {
        float value[width], w[width];
        if constexpr (perThread <= batch) {
#pragma unroll
          for (int e = 0; e < width; ++e)
            value[e] = v[j][e];
        } else {
          Split::load(xs, j, value); // this thread's own group, stored above
        }
        if constexpr (NormLoads<N, K, Threads>::early) {
#pragma unroll
          for (int e = 0; e < width; ++e)
            w[e] = early.w[j][e];
        } else {
          NormLoads<N, K, Threads>::load(norm, j, w);
        }
#pragma unroll
        for (int e = 0; e < width; ++e)
          value[e] = value[e] * inverse * w[e];
        Split::store(xs, j, value);
      }
  }
  __syncthreads();
}

/// A lane's 16-byte loads of one weight row: lane l reads vectors l, l + 32, ... The first
/// batch of them is issued before the block waits for its input and stages it (they depend on
/// neither), so the row's fetch overlaps the previous kernel's tail and the norm; the rest
/// stream in batches of the same size.
template <typename W, int K> struct RowLoads {
  static constexpr bool vectorized = (K * sizeof(W)) % 16 == 0;
  static constexpr int per = kPerVector<W>;
  static constexpr int vectors = K / per;
  static constexpr int full = vectors / kWarp; // loads every lane makes
  static constexpr int batch = full < 8 ? (full > 0 ? full : 1) : 8;
  uint4 first[batch];

  __device__ __forceinline__ void issue(const W *row, int lane) {
    if constexpr (vectorized) {
      const uint4 *v = reinterpret_cast<const uint4 *>(row);
#pragma unroll
      for (int i = 0; i < batch; ++i)
        if (i < full)
          first[i] = loadStreaming(v + i * kWarp + lane);
    }
  }

  /// Calls use(vector, index) for each 16-byte vector of the row this lane reads (index counts
  /// vectors from the row's start): the first batch from issue()'s registers, then the rest a
  /// batch of loads at a time, then the lanes of a partial last round. Vectorized rows only.
  template <typename Use>
  __device__ __forceinline__ void stream(const W *row, int lane, Use &&use) const {
    const uint4 *v = reinterpret_cast<const uint4 *>(row);
#pragma unroll
    for (int base = 0; base < full; base += batch) {
      uint4 loaded[batch];
#pragma unroll
      for (int i = 0; i < batch; ++i)
        if (base + i < full)
          loaded[i] = base == 0 ? first[i] : loadStreaming(v + (base + i) * kWarp + lane);
#pragma unroll
      for (int i = 0; i < batch; ++i) {
        if (base + i >= full)
          break;
        use(loaded[i], (base + i) * kWarp + lane);
      }
    }
    if (lane < vectors % kWarp)
      use(loadStreaming(v + full * kWarp + lane), full * kWarp + lane);
  }

  /// Σ_k W[row, k] · xs[k], reduced across the warp (every lane gets it).
  __device__ __forceinline__ float dot(const W *row, const float *xs, int lane) const {
    float acc = 0.0f;
    if constexpr (vectorized) {
      stream(row, lane, [&](const uint4 &loaded, int index) {
        float w[per];
        widen(loaded, w, W());
        const float *xv = xs + index * per;
#pragma unroll
        for (int e = 0; e < per; ++e)
          acc = fmaf(w[e], xv[e], acc);
      });
    } else {
      // Rows not a multiple of 16 bytes (small test models): element by element.
      for (int k = lane; k < K; k += kWarp)
        acc = fmaf(toFloat(row[k]), xs[k], acc);
    }
    return warpSum(acc);
  }
};

/// What a matrix-vector kernel does with each output row's dot product.
enum class Epilogue {
  Store,    // y_s[j] = dot
  Residual, // y_0[j] = residual[j] + dot (y may be the residual buffer itself)
  SwiGLU,   // two segments (gate, up) of equal rows: y_0[j] = silu(gate·x) · (up·x)
};

/// Up to three weights of one input, each with its own output (q, k, v).
struct Segments {
  const void *w[3];
  float *y[3];
  int rows[3];
};

/// Element s (< 3) of a kernel parameter's array, chosen by selects rather than indexing, which
/// would copy the array out of parameter space.
template <typename T> __device__ __forceinline__ T pick(const T (&values)[3], int s) {
  return s == 0 ? values[0] : s == 1 ? values[1] : values[2];
}

/// The output row of one matrix-vector warp: segment s and row `local` within it (segments
/// are consecutive ranges of rows; SwiGLU's gate and up share their rows, so s is 0).
template <Epilogue E> struct SegmentRow {
  int s = 0, local;
  __device__ __forceinline__ SegmentRow(const Segments &segments, int row) : local(row) {
    if constexpr (E != Epilogue::SwiGLU)
      while (s < 2 && local >= segments.rows[s]) {
        local -= segments.rows[s];
        ++s;
      }
  }
  /// The weight row of this output, [K] in W.
  template <typename W, int K>
  __device__ __forceinline__ const W *weight(const Segments &segments) const {
    return static_cast<const W *>(pick(segments.w, s)) + static_cast<size_t>(local) * K;
  }
};

/// One token: y_s = W_s · x' for every segment, x' = x or RMSNorm(x) (norm not null).
/// One warp per output row; each block stages x' in shared memory (K floats, dynamic), so
/// the norm is recomputed per block instead of costing a launch, while the first loads of
/// each warp's row are already in flight.
template <typename W, typename N, int K, Epilogue E, int Threads>
__global__ void __launch_bounds__(Threads)
    matvecKernel(const float *x, const N *__restrict__ norm, float eps,
                 Segments segments, const float *residual, int totalRows) {
  extern __shared__ float xs[];
  __shared__ float reduce[Threads / kWarp];
  launchDependents();
  const int lane = threadIdx.x % kWarp;
  const int row = blockIdx.x * (Threads / kWarp) + threadIdx.x / kWarp;
  const bool active = row < totalRows;
  const SegmentRow<E> out(segments, row);
  const W *w0 = out.template weight<W, K>(segments);
  const W *w1 = static_cast<const W *>(segments.w[1]) + static_cast<size_t>(row) * K; // up
  RowLoads<W, K> first, second;
  if (active) {
    first.issue(w0, lane);
    if constexpr (E == Epilogue::SwiGLU)
      second.issue(w1, lane);
  }
  NormLoads<N, K, Threads> normWeights;
  normWeights.issue(norm);
  waitForPredecessors(); // x, and y (an earlier kernel may still read it)
  // The residual row is read now, so that its latency hides behind the staging, not after
  // the products.
  const float before = E == Epilogue::Residual && active && lane == 0 ? residual[out.local] : 0.0f;
  stageInput<N, K, Threads>(x, norm, eps, xs, reduce, normWeights);
  if (!active)
    return;
  if constexpr (E == Epilogue::SwiGLU) {
    float g = first.dot(w0, xs, lane);
    float u = second.dot(w1, xs, lane);
    if (lane == 0)
      segments.y[0][row] = g / (1.0f + expf(-g)) * u;
  } else {
    float dot = first.dot(w0, xs, lane);
    if (lane == 0) {
      float *y = pick(segments.y, out.s);
      if constexpr (E == Epilogue::Residual)
        y[out.local] = before + dot;
      else
        y[out.local] = dot;
    }
  }
}

//===----------------------------------------------------------------------===//
// compressed-tensors w8a8: int8 weights with one float32 scale per output row; each token's
// activations quantized on the fly (runtime/include/inferno/kernels.h, inferno_matmul_w8a8):
// s = absmax/127, q = round-half-to-even(x · (127/absmax)) saturated to [-128, 127] (all zero:
// s = 0, q = 0), y = s · (w_scale · float(Σ q·W)) with the sum exact in int32.
//===----------------------------------------------------------------------===//

__device__ __forceinline__ int8_t quantizeValue(float x, float inverse) {
  return static_cast<int8_t>(fminf(fmaxf(rintf(x * inverse), -128.0f), 127.0f));
}

/// The input of a w8a8 kernel, quantized in registers: each thread loads its groups of x[K]
/// (InputSplit), normalizes them, and after the block's absmax writes each group's four int8
/// values with one 32-bit store. Staging the row in shared memory element by element, then
/// re-reading it to quantize (six barriers against three here), cost the Llama-3.2-1B shape
/// about 1 µs a kernel (on the H100 its decode step went from 0.705 to 0.617 ms with this and
/// decode attention's batched loads, about 0.02 ms of it theirs). `issue` loads the RMSNorm
/// weights before the wait.
template <typename N, int K, int Threads> struct QuantizedInput {
  using Split = InputSplit<K, Threads>;
  static_assert(Split::width == 4, "w8a8 inputs are read four elements at a time");
  static constexpr int perThread = Split::perThread, warps = Threads / kWarp;
  /// Floats of shared memory stage() reduces through.
  static constexpr int reduceSlots = 2 * warps;
  NormLoads<N, K, Threads> weights;

  __device__ __forceinline__ void issue(const N *__restrict__ norm) { weights.issue(norm); }

  /// x' = x or RMSNorm(x) (norm not null) quantized into q[K] (global or shared memory, read
  /// by the whole block after it returns); returns the scale absmax/127.
  __device__ __forceinline__ float stage(const float *x, const N *__restrict__ norm, float eps,
                                         int8_t *q, float (&reduce)[reduceSlots]) const {
    float v[perThread][4];
#pragma unroll
    for (int j = 0; j < perThread; ++j) {
      if (Split::owns(j))
        Split::load(x, j, v[j]);
      else
        v[j][0] = v[j][1] = v[j][2] = v[j][3] = 0.0f;
    }
    if (norm != nullptr) {
      float squares = 0.0f;
#pragma unroll
      for (int j = 0; j < perThread; ++j)
#pragma unroll
        for (int e = 0; e < 4; ++e)
          squares += v[j][e] * v[j][e];
      const float inverse = rsqrtf(blockSum<Threads>(squares, reduce) / K + eps);
#pragma unroll
      for (int j = 0; j < perThread; ++j)
        if (Split::owns(j)) {
          float w[4];
          if constexpr (NormLoads<N, K, Threads>::early) {
#pragma unroll
            for (int e = 0; e < 4; ++e)
              w[e] = weights.w[j][e];
          } else {
            NormLoads<N, K, Threads>::load(norm, j, w);
          }
#pragma unroll
          for (int e = 0; e < 4; ++e)
            v[j][e] = v[j][e] * inverse * w[e];
        }
    }
    float m = 0.0f;
#pragma unroll
    for (int j = 0; j < perThread; ++j)
#pragma unroll
      for (int e = 0; e < 4; ++e)
        m = fmaxf(m, fabsf(v[j][e]));
    const float absmax = blockMax<Threads>(m, reduce + warps);
    const float inverse = absmax == 0.0f ? 0.0f : 127.0f / absmax;
#pragma unroll
    for (int j = 0; j < perThread; ++j)
      if (Split::owns(j))
        reinterpret_cast<char4 *>(q)[Split::group(j)] =
            make_char4(quantizeValue(v[j][0], inverse), quantizeValue(v[j][1], inverse),
                       quantizeValue(v[j][2], inverse), quantizeValue(v[j][3], inverse));
    __syncthreads();
    return absmax / 127.0f;
  }
};

/// Σ_k W[row, k] · q[k] in int32 (exact) over one int8 row whose first loads `loads` issued,
/// reduced across the warp: 16-byte loads of 16 weights, four dp4a each.
template <int K>
__device__ __forceinline__ int32_t rowDotInt8(const RowLoads<int8_t, K> &loads,
                                              const int8_t *__restrict__ row, const int8_t *q,
                                              int lane) {
  int32_t acc = 0;
  if constexpr (RowLoads<int8_t, K>::vectorized) {
    const int4 *x = reinterpret_cast<const int4 *>(q);
    loads.stream(row, lane, [&](const uint4 &w, int index) {
      const int4 xv = x[index];
      acc = __dp4a(static_cast<int>(w.x), xv.x, acc);
      acc = __dp4a(static_cast<int>(w.y), xv.y, acc);
      acc = __dp4a(static_cast<int>(w.z), xv.z, acc);
      acc = __dp4a(static_cast<int>(w.w), xv.w, acc);
    });
  } else {
    for (int k = lane; k < K; k += kWarp)
      acc += static_cast<int32_t>(row[k]) * static_cast<int32_t>(q[k]);
  }
#pragma unroll
  for (int offset = kWarp / 2; offset > 0; offset /= 2)
    acc += __shfl_xor_sync(0xffffffffu, acc, offset);
  return acc;
}

/// Per-row float32 scales of up to three int8 weights (w8a8 Segments).
struct Scales {
  const float *s[3];
};

/// matvecKernel for w8a8 weights: one warp per output row issues its row's first loads, then
/// the block quantizes x' (normalized when norm is not null) into shared memory
/// (QuantizedInput).
template <typename N, int K, Epilogue E, int Threads>
__global__ void __launch_bounds__(Threads)
    matvecW8A8Kernel(const float *x, const N *__restrict__ norm, float eps,
                     Segments segments, Scales scales, const float *residual, int totalRows) {
  extern __shared__ int4 qs[];
  __shared__ float reduce[QuantizedInput<N, K, Threads>::reduceSlots];
  launchDependents();
  int8_t *q = reinterpret_cast<int8_t *>(qs);
  const int lane = threadIdx.x % kWarp;
  const int row = blockIdx.x * (Threads / kWarp) + threadIdx.x / kWarp;
  const bool active = row < totalRows;
  const SegmentRow<E> out(segments, row);
  const int8_t *w0 = out.template weight<int8_t, K>(segments);
  const int8_t *w1 = static_cast<const int8_t *>(segments.w[1]) + static_cast<size_t>(row) * K;
  RowLoads<int8_t, K> first, second;
  if (active) {
    first.issue(w0, lane);
    if constexpr (E == Epilogue::SwiGLU)
      second.issue(w1, lane);
  }
  QuantizedInput<N, K, Threads> input;
  input.issue(norm);
  // The row's weight scales, fixed like the weights: loaded now, not after the products.
  float rowScale = 0.0f, upScale = 0.0f;
  if (active && lane == 0) {
    rowScale = E == Epilogue::SwiGLU ? scales.s[0][row] : pick(scales.s, out.s)[out.local];
    if constexpr (E == Epilogue::SwiGLU)
      upScale = scales.s[1][row];
  }
  waitForPredecessors();
  const float before = E == Epilogue::Residual && active && lane == 0 ? residual[out.local] : 0.0f;
  const float scale = input.stage(x, norm, eps, q, reduce);
  if (!active)
    return;
  if constexpr (E == Epilogue::SwiGLU) {
    const int32_t ga = rowDotInt8<K>(first, w0, q, lane), ua = rowDotInt8<K>(second, w1, q, lane);
    if (lane == 0) {
      const float g = scale * (rowScale * static_cast<float>(ga));
      const float u = scale * (upScale * static_cast<float>(ua));
      segments.y[0][row] = g / (1.0f + expf(-g)) * u;
    }
  } else {
    const int32_t acc = rowDotInt8<K>(first, w0, q, lane);
    if (lane == 0) {
      const float y = scale * (rowScale * static_cast<float>(acc));
      float *dst = pick(segments.y, out.s);
      if constexpr (E == Epilogue::Residual)
        dst[out.local] = before + y;
      else
        dst[out.local] = y;
    }
  }
}

/// Prefill: each row of x (normalized when norm is not null) quantized into q[n, K] with its
/// scale in scales[n], one block per row.
template <typename N, int K>
__global__ void quantizeRowsKernel(const float *x, const N *__restrict__ norm,
                                   float eps, int8_t *__restrict__ q, float *__restrict__ scales) {
  __shared__ float reduce[QuantizedInput<N, K, 256>::reduceSlots];
  QuantizedInput<N, K, 256> input;
  input.issue(norm);
  startAfterPredecessors();
  const size_t i = blockIdx.x;
  const float scale = input.stage(x + i * K, norm, eps, q + i * K, reduce);
  if (threadIdx.x == 0)
    scales[i] = scale;
}

/// Prefill epilogue of an int8 GEMM: acc[n, rows] int32 to y = s_i · (w_scale_j · acc), plus
/// the residual already in y (Residual), or SwiGLU of two accumulators (gate, up).
template <Epilogue E>
__global__ void w8a8EpilogueKernel(const int32_t *acc, const int32_t *acc2,
                                   const float *tokenScales,
                                   const float *__restrict__ rowScales,
                                   const float *__restrict__ rowScales2, float *y, int n,
                                   int rows) {
  startAfterPredecessors();
  const int64_t count = static_cast<int64_t>(n) * rows;
  for (int64_t e = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; e < count;
       e += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int i = static_cast<int>(e / rows), j = static_cast<int>(e % rows);
    const float v = tokenScales[i] * (rowScales[j] * static_cast<float>(acc[e]));
    if constexpr (E == Epilogue::SwiGLU) {
      const float u = tokenScales[i] * (rowScales2[j] * static_cast<float>(acc2[e]));
      y[e] = v / (1.0f + expf(-v)) * u;
    } else if constexpr (E == Epilogue::Residual) {
      y[e] = y[e] + v;
    } else {
      y[e] = v;
    }
  }
}

/// y[i, :] = table[tokens[i], :] widened to float32.
template <typename W>
__global__ void embeddingKernel(const int32_t *__restrict__ tokens, const W *__restrict__ table,
                                float *__restrict__ y, int hidden) {
  startAfterPredecessors();
  const int i = blockIdx.x;
  const W *row = table + static_cast<size_t>(tokens[i]) * hidden;
  for (int k = threadIdx.x; k < hidden; k += blockDim.x)
    y[static_cast<size_t>(i) * hidden + k] = toFloat(row[k]);
}

/// out[i, :] = (norm ? RMSNorm(x[i, :]) : x[i, :]) in T: the input of a prefill GEMM.
template <typename N, typename T, int K>
__global__ void normalizeRowsKernel(const float *x, const N *__restrict__ norm,
                                    float eps, T *__restrict__ out) {
  startAfterPredecessors();
  __shared__ float reduce[256 / kWarp];
  const float *row = x + static_cast<size_t>(blockIdx.x) * K;
  T *dst = out + static_cast<size_t>(blockIdx.x) * K;
  float inverse = 1.0f;
  if (norm != nullptr) {
    float squares = 0.0f;
    for (int k = threadIdx.x; k < K; k += 256)
      squares += row[k] * row[k];
    inverse = rsqrtf(blockSum<256>(squares, reduce) / K + eps);
  }
  for (int k = threadIdx.x; k < K; k += 256)
    dst[k] = fromFloat<T>(norm != nullptr ? row[k] * inverse * toFloat(norm[k]) : row[k]);
}

/// out = silu(gate) · up over count elements, in T (the down projection's GEMM input). Four
/// elements a thread at a time (16-byte loads) where count allows: prefill's gate and up are
/// tens of megabytes, and scalar loads left a third of the bandwidth unused. Launch it with a
/// thread per four elements.
template <typename T>
__global__ void swigluKernel(const float *gate, const float *up,
                             T *__restrict__ out, int64_t count) {
  startAfterPredecessors();
  auto silu = [](float g, float u) { return fromFloat<T>(g / (1.0f + expf(-g)) * u); };
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  const int64_t first = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
  if (count % 4 == 0) {
    for (int64_t i = first; i < count / 4; i += stride) {
      const float4 g = reinterpret_cast<const float4 *>(gate)[i];
      const float4 u = reinterpret_cast<const float4 *>(up)[i];
      const T values[4] = {silu(g.x, u.x), silu(g.y, u.y), silu(g.z, u.z), silu(g.w, u.w)};
      using Word = std::conditional_t<sizeof(T) == 2, uint2, uint4>; // four T in one store
      reinterpret_cast<Word *>(out)[i] = *reinterpret_cast<const Word *>(values);
    }
    return;
  }
  for (int64_t i = first; i < count; i += stride)
    out[i] = silu(gate[i], up[i]);
}

/// y = a + b over count elements (y may be a or b).
__global__ void addKernel(const float *a, const float *b, float *y, int64_t count) {
  startAfterPredecessors();
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < count;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x)
    y[i] = a[i] + b[i];
}

/// Rotate-half RoPE of one head vector pair (j, j + D/2) at `position`.
__device__ __forceinline__ void rotate(float x0, float x1, int position, float invFreq,
                                       float &r0, float &r1) {
  const float angle = static_cast<float>(position) * invFreq;
  float s, c;
  sincosf(angle, &s, &c);
  r0 = x0 * c - x1 * s;
  r1 = x1 * c + x0 * s;
}

/// For each token i (blockIdx.x): rotates q's heads into qr, rotates k's heads and stores
/// them with v at row positions[i] of this layer's caches ([context, kvHeads, D]). Without
/// invFreq (RoPE already applied by its own op) q and k are copied as they are.
template <typename KV, int D>
__global__ void ropeStoreKernel(const float *__restrict__ q, const float *__restrict__ k,
                                const float *__restrict__ v, const int32_t *__restrict__ positions,
                                const float *__restrict__ invFreq, float *__restrict__ qr,
                                KV *__restrict__ kCache, KV *__restrict__ vCache, int heads,
                                int kvHeads) {
  startAfterPredecessors();
  const int i = blockIdx.x;
  const int position = positions[i];
  constexpr int half = D / 2;
  for (int p = threadIdx.x; p < heads * half; p += blockDim.x) {
    const int h = p / half, j = p % half;
    const float *src = q + (static_cast<size_t>(i) * heads + h) * D;
    float *dst = qr + (static_cast<size_t>(i) * heads + h) * D;
    if (invFreq != nullptr) {
      rotate(src[j], src[j + half], position, invFreq[j], dst[j], dst[j + half]);
    } else {
      dst[j] = src[j];
      dst[j + half] = src[j + half];
    }
  }
  const size_t row = static_cast<size_t>(position) * kvHeads * D;
  for (int p = threadIdx.x; p < kvHeads * half; p += blockDim.x) {
    const int h = p / half, j = p % half;
    const float *src = k + (static_cast<size_t>(i) * kvHeads + h) * D;
    float r0 = src[j], r1 = src[j + half];
    if (invFreq != nullptr)
      rotate(src[j], src[j + half], position, invFreq[j], r0, r1);
    kCache[row + h * D + j] = fromFloat<KV>(r0);
    kCache[row + h * D + j + half] = fromFloat<KV>(r1);
  }
  for (int p = threadIdx.x; p < kvHeads * D; p += blockDim.x)
    vCache[row + p] = fromFloat<KV>(v[static_cast<size_t>(i) * kvHeads * D + p]);
}

/// RoPE in place on x[n, heads·D], token i at positions[i] (llama.rope on its own).
template <int D>
__global__ void ropeKernel(float *__restrict__ x, const int32_t *__restrict__ positions,
                           const float *__restrict__ invFreq, int heads) {
  startAfterPredecessors();
  const int i = blockIdx.x;
  constexpr int half = D / 2;
  for (int p = threadIdx.x; p < heads * half; p += blockDim.x) {
    const int h = p / half, j = p % half;
    float *row = x + (static_cast<size_t>(i) * heads + h) * D;
    rotate(row[j], row[j + half], positions[i], invFreq[j], row[j], row[j + half]);
  }
}

/// The fewest keys a decode attention block covers (kDecodeChunk below), for sizing the
/// partials of split attention: the runtime allots them for this many keys a split.
constexpr int kMinDecodeChunk = 32;

/// Keys per step of prefill attention (one per thread), which walks all of a query's keys.
constexpr int kPrefillChunk = 128;

/// Shared state of one block of chunked attention: the G queries of a GQA group (scaled by
/// 1/sqrt(D)), one chunk's scores then probabilities, each head's running softmax, and the
/// token's own key and value row as the cache stores them.
template <int D, int G, int C> struct AttentionScratch {
  float q[G][D];
  float p[G][C];
  float max[G], sum[G], correction[G];
  float freshKey[D], freshValue[D];
};

/// The key and value rows of a decode attention block's chunk that were in the cache before this
/// step (positions below the token's), loaded before the block waits for its predecessors: earlier
/// passes wrote them, and a pass's first kernel is launched plainly, after everything before it.
/// Only the token's own row depends on this pass (the q/k/v projection), so the chunk's reads
/// overlap that kernel's tail instead of following it. Thread t holds key row t in 16-byte
/// pieces and the value pieces that attendChunk's value sum gives it: piece t % P of rows
/// t / P + j · (C / P), P pieces a row. A value piece is 8 elements at most (8 bytes of fp8),
/// so that an fp8 cache keeps bf16's chunk of 256 keys within the block's shared memory (16-byte
/// pieces of fp8 took the Llama-3.2-1B shape's decode step from 0.95 to 1.01 ms on the H100).
template <typename KV, int D, int G, int C> struct ChunkLoads {
  static constexpr int per = kPerVector<KV>, pieces = D / per; // key pieces
  static constexpr int valuePer = per < 8 ? per : 8, valuePieces = D / valuePer;
  using ValueVector = std::conditional_t<valuePer * sizeof(KV) == 16, uint4, uint2>;
  static constexpr bool keyVectorized = (D * sizeof(KV)) % 16 == 0;
  static constexpr bool valueVectorized = keyVectorized && C % valuePieces == 0;
  static constexpr int lanes = C / valuePieces; // threads on one value piece (valueVectorized)
  uint4 key[keyVectorized ? pieces : 1];
  ValueVector value[valueVectorized ? valuePieces : 1];

  /// One piece of a row widened into out: from the registers `loaded` where the row was
  /// cached, else the same elements of the token's own row in shared memory (`fresh`).
  template <typename Vector, int N>
  __device__ __forceinline__ static void widenPiece(bool cached, const Vector &loaded,
                                                    const float *fresh, float (&out)[N]) {
    if (cached)
      widen(loaded, out, KV());
    else
#pragma unroll
      for (int e = 0; e < N; ++e)
        out[e] = fresh[e];
  }

  /// Rows [begin, begin + known) of KV head g.
  __device__ __forceinline__ void issue(const KV *kCache, const KV *vCache, int kvHeads, int g,
                                        int begin, int known) {
    const int t = threadIdx.x;
    const size_t stride = static_cast<size_t>(kvHeads) * D;
    if constexpr (keyVectorized)
      if (t < known) {
        const KV *row = kCache + (begin + t) * stride + g * D;
#pragma unroll
        for (int c = 0; c < pieces; ++c)
          key[c] = reinterpret_cast<const uint4 *>(row)[c];
      }
    if constexpr (valueVectorized) {
      const KV *base = vCache + begin * stride + g * D + (t % valuePieces) * valuePer;
#pragma unroll
      for (int j = 0; j < valuePieces; ++j) {
        const int i = t / valuePieces + j * lanes;
        if (i < known)
          value[j] = *reinterpret_cast<const ValueVector *>(base + i * stride);
      }
    }
  }
};

/// Outputs (head, dimension) each thread accumulates: G·D of them over C threads.
template <int D, int G, int C> constexpr int kOutputsPerThread = (G * D + C - 1) / C;

/// Folds keys [begin, begin + count) (count <= C) of KV head g into the block's running
/// softmax for its G query heads (flash-attention style): thread t scores key begin + t against
/// every query; each head's max and sum are updated and earlier sums rescaled; then acc[j],
/// output t + j·C = (head, dimension), gets the probability-weighted values. With 16-byte
/// rows, rows below `known` come from `early` and row `known` (the token's own, when below
/// count) from sh.freshKey / sh.freshValue; other rows are read from the caches, where the
/// block has stored the token's row. Every thread of the block must call it.
template <typename KV, int D, int G, int C>
__device__ __forceinline__ void attendChunk(AttentionScratch<D, G, C> &sh,
                                            const ChunkLoads<KV, D, G, C> &early,
                                            const KV *kCache,
                                            const KV *vCache, int kvHeads, int g,
                                            int begin, int count, int known,
                                            float (&acc)[kOutputsPerThread<D, G, C>]) {
  const int t = threadIdx.x;
  float score[G];
#pragma unroll
  for (int h = 0; h < G; ++h)
    score[h] = 0.0f;
  if (t < count) {
    if constexpr (ChunkLoads<KV, D, G, C>::keyVectorized) {
      constexpr int per = kPerVector<KV>;
#pragma unroll
      for (int c = 0; c < D / per; ++c) {
        float kv[per];
        early.widenPiece(t < known, early.key[c], sh.freshKey + c * per, kv);
#pragma unroll
        for (int h = 0; h < G; ++h)
#pragma unroll
          for (int e = 0; e < per; ++e)
            score[h] = fmaf(sh.q[h][c * per + e], kv[e], score[h]);
      }
    } else {
      const KV *row = kCache + (static_cast<size_t>(begin + t) * kvHeads + g) * D;
#pragma unroll
      for (int e = 0; e < D; ++e) {
        const float kv = toFloat(row[e]);
#pragma unroll
        for (int h = 0; h < G; ++h)
          score[h] = fmaf(sh.q[h][e], kv, score[h]);
      }
    }
  }
#pragma unroll
  for (int h = 0; h < G; ++h)
    sh.p[h][t] = t < count ? score[h] : -INFINITY;
  __syncthreads();
  const int warp = t / kWarp, lane = t % kWarp;
  for (int h = warp; h < G; h += C / kWarp) {
    float m = sh.max[h];
    for (int i = lane; i < C; i += kWarp)
      m = fmaxf(m, sh.p[h][i]);
    m = warpMax(m);
    float sum = 0.0f;
    for (int i = lane; i < C; i += kWarp) {
      const float p = i < count ? expf(sh.p[h][i] - m) : 0.0f;
      sh.p[h][i] = p;
      sum += p;
    }
    sum = warpSum(sum);
    __syncwarp(); // every lane has read sh.max[h] before lane 0 replaces it
    if (lane == 0) {
      const float correction = expf(sh.max[h] - m); // 0 while the running max is -inf
      sh.sum[h] = sh.sum[h] * correction + sum;
      sh.correction[h] = correction;
      sh.max[h] = m;
    }
  }
  __syncthreads();
  // Values: thread t reads the piece t % P (ChunkLoads::valuePer elements: 16 bytes, 8 of
  // fp8) of key rows t / P, t / P + C / P, ... (P pieces per row), so each load is a full
  // vector, and the C / P partial sums of every
  // (head, dimension) are added up through shared memory.
  constexpr int per = ChunkLoads<KV, D, G, C>::valuePer;
  if constexpr (ChunkLoads<KV, D, G, C>::valueVectorized) {
    constexpr int pieces = D / per, lanes = C / pieces;
    const int piece = t % pieces, keyLane = t / pieces;
    float part[G][per];
#pragma unroll
    for (int h = 0; h < G; ++h)
#pragma unroll
      for (int e = 0; e < per; ++e)
        part[h][e] = 0.0f;
#pragma unroll
    for (int j = 0; j < pieces; ++j) {
      const int i = keyLane + j * lanes;
      if (i >= count)
        break;
      float value[per];
      early.widenPiece(i < known, early.value[j], sh.freshValue + piece * per, value);
#pragma unroll
      for (int h = 0; h < G; ++h) {
        const float p = sh.p[h][i];
#pragma unroll
        for (int e = 0; e < per; ++e)
          part[h][e] = fmaf(p, value[e], part[h][e]);
      }
    }
    // Reduce over key lanes: lane 0's slot holds the sum once every lane has added in.
    __shared__ float partial[lanes][G][D];
#pragma unroll
    for (int h = 0; h < G; ++h)
#pragma unroll
      for (int e = 0; e < per; ++e)
        partial[keyLane][h][piece * per + e] = part[h][e];
    __syncthreads();
#pragma unroll
    for (int j = 0; j < kOutputsPerThread<D, G, C>; ++j) {
      const int o = t + j * C;
      if (o < G * D) {
        const int h = o / D, dim = o % D;
        float sum = 0.0f;
#pragma unroll
        for (int l = 0; l < lanes; ++l)
          sum += partial[l][h][dim];
        acc[j] = acc[j] * sh.correction[h] + sum;
      }
    }
  } else {
#pragma unroll
    for (int j = 0; j < kOutputsPerThread<D, G, C>; ++j) {
      const int o = t + j * C;
      if (o < G * D) {
        const int h = o / D, dim = o % D;
        const KV *column = vCache + (static_cast<size_t>(begin) * kvHeads + g) * D + dim;
        float a = acc[j] * sh.correction[h];
#pragma unroll 8
        for (int i = 0; i < count; ++i)
          a = fmaf(sh.p[h][i], toFloat(column[static_cast<size_t>(i) * kvHeads * D]), a);
        acc[j] = a;
      }
    }
  }
  __syncthreads(); // the next chunk overwrites p
}

template <int D, int G, int C>
__device__ __forceinline__ void resetAttention(AttentionScratch<D, G, C> &sh,
                                               float (&acc)[kOutputsPerThread<D, G, C>]) {
  if (threadIdx.x < G) {
    sh.max[threadIdx.x] = -INFINITY;
    sh.sum[threadIdx.x] = 0.0f;
  }
#pragma unroll
  for (int j = 0; j < kOutputsPerThread<D, G, C>; ++j)
    acc[j] = 0.0f;
}

/// Shared memory of attendChunk's block: the scratch, and the value partials of its
/// vectorized path.
template <typename KV, int D, int G, int C> constexpr size_t attendChunkSharedBytes() {
  using Loads = ChunkLoads<KV, D, G, C>;
  constexpr size_t partials =
      Loads::valueVectorized ? static_cast<size_t>(Loads::lanes) * G * D : 0;
  return sizeof(AttentionScratch<D, G, C>) + partials * sizeof(float);
}

/// Keys a decode attention block covers (one per thread): 256 where its shared memory fits
/// the 48 KB a block has without opting in, else the largest power of two down to
/// kMinDecodeChunk that does. Large, because a graph's grid is sized for the whole context
/// and most of its blocks exit at once, and one block then serves a short context without
/// merging partials: on the H100, 32 -> 256 keys took the decode step of the Llama-3.2-1B
/// shape from 1.19 to 1.08 ms and Llama-3.1-8B's from 5.84 to 5.42 ms (both faster at a
/// 2000-token context too).
template <typename KV, int D, int G> constexpr int decodeChunk() {
  constexpr size_t limit = 48 * 1024 - 64; // and a few bytes of the kernel's own
  if constexpr (attendChunkSharedBytes<KV, D, G, 256>() <= limit)
    return 256;
  else if constexpr (attendChunkSharedBytes<KV, D, G, 128>() <= limit)
    return 128;
  else if constexpr (attendChunkSharedBytes<KV, D, G, 64>() <= limit)
    return 64;
  else
    return kMinDecodeChunk;
}
template <typename KV, int D, int G> constexpr int kDecodeChunk = decodeChunk<KV, D, G>();

/// Decode attention for one token at p = positions[0], all G query heads of KV head g in one block
/// (each key and value row read once for the group). Block (g, s) covers keys [s·C, min(p + 1,
/// (s+1)·C)); blocks past p exit, so a grid sized for the whole context serves every position from
/// one CUDA graph. The chunk's rows below p are loaded before the block waits for the q/k/v
/// projection (ChunkLoads). RoPE is folded in: the queries are rotated here from q, and the block
/// that covers p rotates the new key and stores it with the new value into the caches (and its
/// shared memory) first. A single split writes out[] itself. Several each write a (max, sum,
/// acc[D]) partial per head, and the last of them to finish, which a counter per KV head tells
/// (splitsDone[g], zero between steps), merges them: no second launch.
template <typename KV, int D, int G>
__global__ void __launch_bounds__(kDecodeChunk<KV, D, G>)
    attentionDecodeKernel(const float *q, const float *k,
                          const float *v, const int32_t *__restrict__ positions,
                          const float *__restrict__ invFreq, KV *__restrict__ kCache,
                          KV *__restrict__ vCache, float *partial, int *splitsDone,
                          float *__restrict__ out, int kvHeads, int splits) {
  constexpr int C = kDecodeChunk<KV, D, G>, half = D / 2;
  __shared__ AttentionScratch<D, G, C> sh;
  __shared__ bool mergesHere;
  launchDependents();
  const int g = blockIdx.x, s = blockIdx.y, t = threadIdx.x;
  const int position = positions[0], len = position + 1; // uploaded before the forward pass
  const int begin = s * C;
  if (begin >= len)
    return; // block (g, 0) always waits, which orders the grid after its predecessors
  const int count = min(C, len - begin), known = min(C, position - begin);
  ChunkLoads<KV, D, G, C> early;
  early.issue(kCache, vCache, kvHeads, g, begin, known);
  // The rotations' angles depend only on the position: their sines and cosines are taken
  // before the wait, and after it each thread issues all its loads of q, k and v at once
  // (rotating and storing q before loading k cost a memory round trip each: on the H100 the
  // Llama-3.2-1B shape's decode step took 0.963 -> 0.945 ms, w8a8 about 0.02 ms less).
  constexpr int qPairs = (G * half + C - 1) / C, kPairs = (half + C - 1) / C,
                vValues = (D + C - 1) / C;
  const bool fresh = position < begin + C; // this block stores the token's key and value
  float qSin[qPairs], qCos[qPairs], kSin[kPairs], kCos[kPairs];
#pragma unroll
  for (int i = 0; i < qPairs; ++i) {
    const int p = t + i * C;
    qSin[i] = 0.0f, qCos[i] = 1.0f;
    if (invFreq != nullptr && p < G * half)
      sincosf(static_cast<float>(position) * invFreq[p % half], &qSin[i], &qCos[i]);
  }
#pragma unroll
  for (int i = 0; i < kPairs; ++i) {
    const int j = t + i * C;
    kSin[i] = 0.0f, kCos[i] = 1.0f;
    if (invFreq != nullptr && fresh && j < half)
      sincosf(static_cast<float>(position) * invFreq[j], &kSin[i], &kCos[i]);
  }
  waitForPredecessors();
  float q0[qPairs], q1[qPairs], k0[kPairs], k1[kPairs], v0[vValues];
#pragma unroll
  for (int i = 0; i < qPairs; ++i) {
    const int p = t + i * C;
    if (p < G * half) {
      const float *src = q + static_cast<size_t>(g * G + p / half) * D + p % half;
      q0[i] = src[0];
      q1[i] = src[half];
    }
  }
  const float *kRow = k + static_cast<size_t>(g) * D, *vRow = v + static_cast<size_t>(g) * D;
  if (fresh) {
#pragma unroll
    for (int i = 0; i < kPairs; ++i)
      if (t + i * C < half) {
        k0[i] = kRow[t + i * C];
        k1[i] = kRow[t + i * C + half];
      }
#pragma unroll
    for (int i = 0; i < vValues; ++i)
      if (t + i * C < D)
        v0[i] = vRow[t + i * C];
  }
  const float scale = rsqrtf(static_cast<float>(D));
#pragma unroll
  for (int i = 0; i < qPairs; ++i) {
    const int p = t + i * C;
    if (p < G * half) {
      const int h = p / half, j = p % half;
      sh.q[h][j] = (q0[i] * qCos[i] - q1[i] * qSin[i]) * scale;
      sh.q[h][j + half] = (q1[i] * qCos[i] + q0[i] * qSin[i]) * scale;
    }
  }
  if (fresh) {
    const size_t row = (static_cast<size_t>(position) * kvHeads + g) * D;
#pragma unroll
    for (int i = 0; i < kPairs; ++i) {
      const int j = t + i * C;
      if (j < half) {
        const KV r0 = fromFloat<KV>(k0[i] * kCos[i] - k1[i] * kSin[i]);
        const KV r1 = fromFloat<KV>(k1[i] * kCos[i] + k0[i] * kSin[i]);
        kCache[row + j] = r0;
        kCache[row + j + half] = r1;
        sh.freshKey[j] = toFloat(r0);
        sh.freshKey[j + half] = toFloat(r1);
      }
    }
#pragma unroll
    for (int i = 0; i < vValues; ++i) {
      const int j = t + i * C;
      if (j < D) {
        const KV stored = fromFloat<KV>(v0[i]);
        vCache[row + j] = stored;
        sh.freshValue[j] = toFloat(stored);
      }
    }
  }
  float acc[kOutputsPerThread<D, G, C>];
  resetAttention(sh, acc);
  __syncthreads(); // the queries, the running state, and the new row for the thread scoring it
  attendChunk<KV, D, G, C>(sh, early, kCache, vCache, kvHeads, g, begin, count, known, acc);
  const int used = (len + C - 1) / C;
#pragma unroll
  for (int j = 0; j < kOutputsPerThread<D, G, C>; ++j) {
    const int o = t + j * C;
    if (o >= G * D)
      break;
    const int h = o / D, dim = o % D, head = g * G + h;
    if (used == 1) {
      out[static_cast<size_t>(head) * D + dim] = acc[j] / sh.sum[h];
    } else {
      float *dst = partial + (static_cast<size_t>(head) * splits + s) * (D + 2);
      dst[2 + dim] = acc[j];
      if (dim == 0) {
        dst[0] = sh.max[h];
        dst[1] = sh.sum[h];
      }
    }
  }
  if (used == 1)
    return;
  // Every thread's partials are visible device-wide before the block is counted; the block
  // that counts last sees all of them (read from L2: this SM's L1 may hold an earlier step's).
  __threadfence();
  __syncthreads();
  if (t == 0) {
    mergesHere = atomicAdd(&splitsDone[g], 1) == used - 1;
    if (mergesHere)
      splitsDone[g] = 0; // the next layer's attention starts after this grid has finished
  }
  __syncthreads();
  if (!mergesHere)
    return;
  __threadfence();
  for (int o = t; o < G * D; o += C) {
    const int dim = o % D, head = g * G + o / D;
    const float *p = partial + static_cast<size_t>(head) * splits * (D + 2);
    float m = -INFINITY;
    for (int i = 0; i < used; ++i)
      m = fmaxf(m, __ldcg(p + i * (D + 2)));
    float total = 0.0f, value = 0.0f;
    for (int i = 0; i < used; ++i) {
      const float *split = p + i * (D + 2);
      const float weight = expf(__ldcg(split) - m);
      total += __ldcg(split + 1) * weight;
      value += __ldcg(split + 2 + dim) * weight;
    }
    out[static_cast<size_t>(head) * D + dim] = value / total;
  }
}

/// Query tokens one prefill attention block serves: each key and value chunk it loads is used
/// by Q tokens' G heads, a Q-th of the cache reads of one block per token.
constexpr int kPrefillQueries = 4;

/// Prefill attention: block (g, j) attends the G query heads of KV head g for the tokens
/// i = j·Q .. j·Q + Q - 1 (already rotated, in qr) over keys [0, positions[i]] (causal; the
/// prompt's keys are cached), walking the keys in chunks of kPrefillChunk: thread t scores key
/// t of the chunk against all G·Q queries with one load of its key row, then the softmaxes of
/// the G·Q rows are updated online, then the values are summed one token at a time in
/// 16-byte pieces (the chunk's values stay in L1 across the Q passes).
template <typename KV, int D, int G>
__global__ void __launch_bounds__(kPrefillChunk)
    attentionPrefillKernel(const float *__restrict__ qr, const KV *__restrict__ kCache,
                           const KV *__restrict__ vCache, const int32_t *__restrict__ positions,
                           float *__restrict__ out, int kvHeads, int n) {
  startAfterPredecessors();
  constexpr int C = kPrefillChunk, Q = kPrefillQueries, R = G * Q; // R query rows, r = q·G + h
  constexpr int per = kPerVector<KV>;
  constexpr bool vectorized = (D * sizeof(KV)) % 16 == 0 && C % (D / per) == 0;
  constexpr int outputs = (G * D + C - 1) / C; // per thread and token
  __shared__ float qs[R][D];
  __shared__ float p[R][C];
  __shared__ float maxes[R], sums[R], corrections[R];
  __shared__ int lengths[Q];
  const int g = blockIdx.x, first = blockIdx.y * Q, t = threadIdx.x;
  const int heads = kvHeads * G;
  const float scale = rsqrtf(static_cast<float>(D));
  for (int e = t; e < R * D; e += C) {
    const int r = e / D, q = r / G, h = r % G, dim = e % D, i = first + q;
    qs[r][dim] = i < n ? qr[(static_cast<size_t>(i) * heads + g * G + h) * D + dim] * scale : 0.0f;
  }
  if (t < Q)
    lengths[t] = first + t < n ? positions[first + t] + 1 : 0;
  if (t < R) {
    maxes[t] = -INFINITY;
    sums[t] = 0.0f;
  }
  float acc[Q][outputs];
#pragma unroll
  for (int q = 0; q < Q; ++q)
#pragma unroll
    for (int j = 0; j < outputs; ++j)
      acc[q][j] = 0.0f;
  __syncthreads();
  int longest = 0;
#pragma unroll
  for (int q = 0; q < Q; ++q)
    longest = max(longest, lengths[q]);

  for (int begin = 0; begin < longest; begin += C) {
    const int count = min(C, longest - begin), key = begin + t;
    float score[R];
#pragma unroll
    for (int r = 0; r < R; ++r)
      score[r] = 0.0f;
    if (t < count) {
      const KV *row = kCache + (static_cast<size_t>(key) * kvHeads + g) * D;
      if constexpr ((D * sizeof(KV)) % 16 == 0) {
#pragma unroll
        for (int c = 0; c < D / per; ++c) {
          float k[per];
          widen(reinterpret_cast<const uint4 *>(row)[c], k, KV());
#pragma unroll
          for (int r = 0; r < R; ++r)
#pragma unroll
            for (int e = 0; e < per; ++e)
              score[r] = fmaf(qs[r][c * per + e], k[e], score[r]);
        }
      } else {
#pragma unroll
        for (int e = 0; e < D; ++e) {
          const float k = toFloat(row[e]);
#pragma unroll
          for (int r = 0; r < R; ++r)
            score[r] = fmaf(qs[r][e], k, score[r]);
        }
      }
    }
#pragma unroll
    for (int r = 0; r < R; ++r)
      p[r][t] = t < count && key < lengths[r / G] ? score[r] : -INFINITY;
    __syncthreads();
    const int warp = t / kWarp, lane = t % kWarp;
    for (int r = warp; r < R; r += C / kWarp) {
      float m = maxes[r];
      for (int i = lane; i < C; i += kWarp)
        m = fmaxf(m, p[r][i]);
      m = warpMax(m);
      float sum = 0.0f;
      for (int i = lane; i < C; i += kWarp) {
        // A row with no key yet (a padding token past n) keeps m = -inf: weight 0, not NaN.
        const float e = m == -INFINITY ? 0.0f : expf(p[r][i] - m);
        p[r][i] = e;
        sum += e;
      }
      sum = warpSum(sum);
      __syncwarp(); // every lane has read maxes[r] before lane 0 replaces it
      if (lane == 0) {
        const float correction = m == -INFINITY ? 1.0f : expf(maxes[r] - m);
        sums[r] = sums[r] * correction + sum;
        corrections[r] = correction;
        maxes[r] = m;
      }
    }
    __syncthreads();
#pragma unroll
    for (int q = 0; q < Q; ++q) {
      if constexpr (vectorized) {
        constexpr int pieces = D / per, lanes = C / pieces;
        __shared__ float partial[lanes][G][D];
        const int piece = t % pieces, keyLane = t / pieces;
        float part[G][per];
#pragma unroll
        for (int h = 0; h < G; ++h)
#pragma unroll
          for (int e = 0; e < per; ++e)
            part[h][e] = 0.0f;
        const size_t stride = static_cast<size_t>(kvHeads) * D;
        const KV *base = vCache + (static_cast<size_t>(begin) * kvHeads + g) * D + piece * per;
        const int valid = min(count, max(0, lengths[q] - begin));
#pragma unroll 4
        for (int i = keyLane; i < valid; i += lanes) {
          float value[per];
          widen(*reinterpret_cast<const uint4 *>(base + i * stride), value, KV());
#pragma unroll
          for (int h = 0; h < G; ++h) {
            const float w = p[q * G + h][i];
#pragma unroll
            for (int e = 0; e < per; ++e)
              part[h][e] = fmaf(w, value[e], part[h][e]);
          }
        }
#pragma unroll
        for (int h = 0; h < G; ++h)
#pragma unroll
          for (int e = 0; e < per; ++e)
            partial[keyLane][h][piece * per + e] = part[h][e];
        __syncthreads();
#pragma unroll
        for (int j = 0; j < outputs; ++j) {
          const int o = t + j * C;
          if (o < G * D) {
            const int h = o / D, dim = o % D;
            float sum = 0.0f;
#pragma unroll
            for (int l = 0; l < lanes; ++l)
              sum += partial[l][h][dim];
            acc[q][j] = acc[q][j] * corrections[q * G + h] + sum;
          }
        }
        __syncthreads(); // partial is reused by the next token
      } else {
        const int valid = min(count, max(0, lengths[q] - begin));
#pragma unroll
        for (int j = 0; j < outputs; ++j) {
          const int o = t + j * C;
          if (o < G * D) {
            const int h = o / D, dim = o % D;
            const KV *column = vCache + (static_cast<size_t>(begin) * kvHeads + g) * D + dim;
            float a = acc[q][j] * corrections[q * G + h];
            for (int i = 0; i < valid; ++i)
              a = fmaf(p[q * G + h][i], toFloat(column[static_cast<size_t>(i) * kvHeads * D]), a);
            acc[q][j] = a;
          }
        }
      }
    }
    __syncthreads(); // p is overwritten by the next chunk
  }
#pragma unroll
  for (int q = 0; q < Q; ++q) {
    const int i = first + q;
    if (i >= n)
      break;
#pragma unroll
    for (int j = 0; j < outputs; ++j) {
      const int o = t + j * C;
      if (o < G * D)
        out[(static_cast<size_t>(i) * heads + g * G) * D + o] = acc[q][j] / sums[q * G + o / D];
    }
  }
}

//===----------------------------------------------------------------------===//
// Prefill attention on tensor cores (FlashAttention-2's scheme with mma.sync): for a bf16 or
// f16 cache, scores and the probability-weighted values are 16x8x8 TF32 matrix products with
// float32 accumulation. TF32 rather than bf16 operands: keys and values widen to TF32 exactly,
// and the queries and probabilities keep 10 mantissa bits instead of 7, so the result stays
// close to the float32 CUDA-core kernel above (which a float32 cache still uses) at a fraction
// of its time.
//===----------------------------------------------------------------------===//

/// x rounded to TF32 (nearest, ties away from zero), as the bits an mma operand register holds.
__device__ __forceinline__ uint32_t toTf32(float x) {
  uint32_t r;
  asm("cvt.rna.tf32.f32 %0, %1;" : "=r"(r) : "f"(x));
  return r;
}

/// The two 16-bit cache elements of `pair` (element 0 in the low half) as TF32 bits: exact.
__device__ __forceinline__ void widenPair(uint32_t pair, uint32_t &lo, uint32_t &hi, bf16) {
  lo = pair << 16;
  hi = pair & 0xffff0000u;
}
__device__ __forceinline__ void widenPair(uint32_t pair, uint32_t &lo, uint32_t &hi, f16) {
  const float2 f = __half22float2(*reinterpret_cast<const __half2 *>(&pair));
  lo = __float_as_uint(f.x);
  hi = __float_as_uint(f.y);
}

/// c += a·b for one warp: a 16x8 (row-major fragment), b 8x8 (column-major), c 16x8 float32.
/// Lane l = 4·group + quad holds a = {(group, quad), (group + 8, quad), (group, quad + 4),
/// (group + 8, quad + 4)}, b = {(quad, group), (quad + 4, group)} as (k, n), and
/// c = {(group, 2·quad), (group, 2·quad + 1), (group + 8, 2·quad), (group + 8, 2·quad + 1)}.
__device__ __forceinline__ void mmaTf32(float (&c)[4], const uint32_t (&a)[4], uint32_t b0,
                                        uint32_t b1) {
  asm volatile("mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {%0, %1, %2, %3}, "
               "{%4, %5, %6, %7}, {%8, %9}, {%0, %1, %2, %3};"
               : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
               : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}

/// Query rows (token, head) of one tensor-core prefill attention block, 16 per warp, and the
/// keys of one tile of the cache it stages in shared memory.
constexpr int kPrefillTensorRows = 64;
constexpr int kPrefillTensorKeys = 64;
constexpr int kPrefillTensorThreads = kPrefillTensorRows / 16 * kWarp;

/// Whether attentionPrefillTensorKernel serves a layer: a 16-bit cache, head dimensions in
/// whole 8-wide mma steps, and a GQA group that divides the block's rows (row r is token r / G
/// of the block, head r % G).
template <typename KV, int D, int G>
constexpr bool kPrefillOnTensorCores = (std::is_same_v<KV, bf16> || std::is_same_v<KV, f16>) &&
                                       D % 8 == 0 && kPrefillTensorRows % G == 0;

/// Prefill attention of the G query heads of KV head g (blockIdx.x) for kPrefillTensorRows / G
/// consecutive tokens, over keys [0, positions[i]] of each token i (causal; the prompt's keys
/// are cached). Warp w owns rows 16w .. 16w + 15: it keeps their queries (qr, rotated) as TF32
/// A fragments in registers, and per tile of keys computes S = Q·Kᵀ, updates each row's running
/// max and sum, and accumulates P·V into its 16 x D output fragments. Keys are read from a
/// shared copy of the tile (row-major); values from a transposed one, so that both B operands
/// load as one 32-bit word per register pair. The mma's k index is permuted within each step
/// of 8 (k = quad ↔ element 2·quad, k = quad + 4 ↔ 2·quad + 1), which a sum does not notice:
/// it lets a 32-bit word feed both registers, and the score fragment (C layout) becomes the
/// probability fragment (A layout) without a shuffle. Blocks run latest tokens first (they
/// have the most keys).
template <typename KV, int D, int G>
__global__ void __launch_bounds__(kPrefillTensorThreads)
    attentionPrefillTensorKernel(const float *__restrict__ qr, const KV *__restrict__ kCache,
                                 const KV *__restrict__ vCache,
                                 const int32_t *__restrict__ positions, float *__restrict__ out,
                                 int kvHeads, int n) {
  static_assert(kPrefillOnTensorCores<KV, D, G>);
  startAfterPredecessors();
  constexpr int M = kPrefillTensorRows, N = kPrefillTensorKeys, T = M / G;
  constexpr int Threads = kPrefillTensorThreads, steps = D / 8, vectors = D / 8;
  // Padding of 8 elements per row keeps 16-byte rows aligned and spreads a warp's fragment
  // loads over all 32 banks (rows 4 words apart).
  __shared__ alignas(16) KV keys[N][D + 8];
  __shared__ alignas(16) KV valuesT[D][N + 8];
  __shared__ int lengths[T];
  const int g = blockIdx.x, first = (gridDim.y - 1 - blockIdx.y) * T;
  const int warp = threadIdx.x / kWarp, lane = threadIdx.x % kWarp;
  const int group = lane / 4, quad = lane % 4;
  const int heads = kvHeads * G;
  if (threadIdx.x < T)
    lengths[threadIdx.x] = first + threadIdx.x < n ? positions[first + threadIdx.x] + 1 : 0;

  // This lane's rows: r[0] = 16w + group and r[1] = r[0] + 8 (token r / G, head r % G).
  int token[2], head[2];
#pragma unroll
  for (int h = 0; h < 2; ++h) {
    const int r = warp * 16 + group + 8 * h;
    token[h] = first + r / G;
    head[h] = g * G + r % G;
  }
  const float scale = rsqrtf(static_cast<float>(D));
  uint32_t qa[steps][4];
#pragma unroll
  for (int h = 0; h < 2; ++h) {
    const float *row = qr + (static_cast<size_t>(token[h]) * heads + head[h]) * D;
#pragma unroll
    for (int s = 0; s < steps; ++s) {
      float2 pair = make_float2(0.0f, 0.0f);
      if (token[h] < n)
        pair = *reinterpret_cast<const float2 *>(row + 8 * s + 2 * quad);
      qa[s][h] = toTf32(pair.x * scale);
      qa[s][h + 2] = toTf32(pair.y * scale);
    }
  }
  float o[steps][4];
#pragma unroll
  for (int t = 0; t < steps; ++t)
#pragma unroll
    for (int e = 0; e < 4; ++e)
      o[t][e] = 0.0f;
  float rowMax[2] = {-INFINITY, -INFINITY}, rowSum[2] = {0.0f, 0.0f}; // sum: this lane's share
  __syncthreads();
  int length[2], longest = 0;
#pragma unroll
  for (int h = 0; h < 2; ++h)
    length[h] = lengths[(warp * 16 + group + 8 * h) / G];
#pragma unroll
  for (int i = 0; i < T; ++i)
    longest = max(longest, lengths[i]);

  for (int begin = 0; begin < longest; begin += N) {
    // Stage the tile: keys as they are; values transposed, a warp's 32 lanes taking 32
    // consecutive keys of one 8-element piece so that their 16-bit stores spread over the
    // banks. Rows past the longest length are zero (never NaN garbage under a zero weight).
    for (int e = threadIdx.x; e < N * vectors; e += Threads) {
      const int key = e % N, piece = e / N;
      uint4 k = make_uint4(0, 0, 0, 0), v = k;
      if (begin + key < longest) {
        const size_t row = (static_cast<size_t>(begin + key) * kvHeads + g) * D;
        k = reinterpret_cast<const uint4 *>(kCache + row)[piece];
        v = reinterpret_cast<const uint4 *>(vCache + row)[piece];
      }
      *reinterpret_cast<uint4 *>(&keys[key][piece * 8]) = k;
      const KV *vs = reinterpret_cast<const KV *>(&v);
#pragma unroll
      for (int j = 0; j < 8; ++j)
        valuesT[piece * 8 + j][key] = vs[j];
    }
    __syncthreads();

    // S = Q·Kᵀ: n-tile j covers keys 8j .. 8j + 7 of the tile.
    float s[N / 8][4];
#pragma unroll
    for (int j = 0; j < N / 8; ++j) {
#pragma unroll
      for (int e = 0; e < 4; ++e)
        s[j][e] = 0.0f;
      const KV *keyRow = &keys[8 * j + group][2 * quad];
#pragma unroll
      for (int t = 0; t < steps; ++t) {
        uint32_t b0, b1;
        widenPair(*reinterpret_cast<const uint32_t *>(keyRow + 8 * t), b0, b1, KV());
        mmaTf32(s[j], qa[t], b0, b1);
      }
    }
    // Online softmax per row; a quad's four lanes share each row. A row without a valid key
    // yet (a padding token past n) keeps max -inf, weight 0 and correction 1.
    float correction[2];
#pragma unroll
    for (int h = 0; h < 2; ++h) {
      float m = rowMax[h];
#pragma unroll
      for (int j = 0; j < N / 8; ++j)
#pragma unroll
        for (int e = 0; e < 2; ++e) {
          const int key = begin + 8 * j + 2 * quad + e;
          float &score = s[j][2 * h + e];
          if (key >= length[h])
            score = -INFINITY;
          m = fmaxf(m, score);
        }
      m = fmaxf(m, __shfl_xor_sync(0xffffffffu, m, 1));
      m = fmaxf(m, __shfl_xor_sync(0xffffffffu, m, 2));
      correction[h] = m == -INFINITY ? 1.0f : expf(rowMax[h] - m);
      float sum = 0.0f;
#pragma unroll
      for (int j = 0; j < N / 8; ++j)
#pragma unroll
        for (int e = 0; e < 2; ++e) {
          float &score = s[j][2 * h + e];
          score = m == -INFINITY ? 0.0f : expf(score - m);
          sum += score;
        }
      rowSum[h] = rowSum[h] * correction[h] + sum;
      rowMax[h] = m;
    }
#pragma unroll
    for (int t = 0; t < steps; ++t) {
      o[t][0] *= correction[0];
      o[t][1] *= correction[0];
      o[t][2] *= correction[1];
      o[t][3] *= correction[1];
    }
    // O += P·V: k-step j is keys 8j .. 8j + 7 (k = quad ↔ key 2·quad), n-tile t dimensions
    // 8t .. 8t + 7.
#pragma unroll
    for (int j = 0; j < N / 8; ++j) {
      const uint32_t pa[4] = {toTf32(s[j][0]), toTf32(s[j][2]), toTf32(s[j][1]),
                              toTf32(s[j][3])};
#pragma unroll
      for (int t = 0; t < steps; ++t) {
        uint32_t b0, b1;
        widenPair(*reinterpret_cast<const uint32_t *>(&valuesT[8 * t + group][8 * j + 2 * quad]),
                  b0, b1, KV());
        mmaTf32(o[t], pa, b0, b1);
      }
    }
    __syncthreads(); // the next tile overwrites the shared copies
  }

#pragma unroll
  for (int h = 0; h < 2; ++h) {
    float sum = rowSum[h];
    sum += __shfl_xor_sync(0xffffffffu, sum, 1);
    sum += __shfl_xor_sync(0xffffffffu, sum, 2);
    if (token[h] >= n)
      continue;
    float *row = out + (static_cast<size_t>(token[h]) * heads + head[h]) * D;
#pragma unroll
    for (int t = 0; t < steps; ++t)
      *reinterpret_cast<float2 *>(row + 8 * t + 2 * quad) =
          make_float2(o[t][2 * h] / sum, o[t][2 * h + 1] / sum);
  }
}

/// One step of greedy decoding on the device as the host reads it, from mapped host memory.
struct GreedyStep {
  int32_t token;     // the highest logit's id, the lowest among equals
  int32_t nonFinite; // some logit was NaN or infinite
  int32_t position;  // the position this step ran at: tells a written slot from a stale one
  int32_t unused;
};

/// Greedy decoding on the device, after the decode step's lm_head: the highest of
/// logits[vocab] becomes the next step's input token and the position advances, so the next
/// replay of the decode graph runs without the host in between; the host learns the id from
/// ring[position % ringSize]. One block: each thread keeps the first maximum of its strided
/// share (16-byte loads when vocab allows), then the block reduces (value, id) pairs.
template <int Threads>
__global__ void __launch_bounds__(Threads)
    greedyNextKernel(const float *logits, int vocab, int32_t *tokens,
                     int32_t *positions, GreedyStep *ring, int ringSize) {
  startAfterPredecessors();
  float best = -INFINITY;
  int id = 0x7fffffff;
  uint32_t nonFinite = 0;
  auto consider = [&](float v, int i) {
    nonFinite |= static_cast<uint32_t>((__float_as_uint(v) & 0x7f800000u) == 0x7f800000u);
    if (v > best) { // each thread visits its ids in increasing order: the first maximum stays
      best = v;
      id = i;
    }
  };
  if (vocab % 4 == 0) {
    const float4 *v = reinterpret_cast<const float4 *>(logits);
#pragma unroll 4
    for (int i = threadIdx.x; i < vocab / 4; i += Threads) {
      const float4 x = v[i];
      consider(x.x, 4 * i);
      consider(x.y, 4 * i + 1);
      consider(x.z, 4 * i + 2);
      consider(x.w, 4 * i + 3);
    }
  } else {
    for (int i = threadIdx.x; i < vocab; i += Threads)
      consider(logits[i], i);
  }
  auto better = [](float v, int i, float w, int j) { return v > w || (v == w && i < j); };
#pragma unroll
  for (int offset = kWarp / 2; offset > 0; offset /= 2) {
    const float v = __shfl_xor_sync(0xffffffffu, best, offset);
    const int i = __shfl_xor_sync(0xffffffffu, id, offset);
    if (better(v, i, best, id)) {
      best = v;
      id = i;
    }
  }
  __shared__ float warpBest[Threads / kWarp];
  __shared__ int warpId[Threads / kWarp];
  if (threadIdx.x % kWarp == 0) {
    warpBest[threadIdx.x / kWarp] = best;
    warpId[threadIdx.x / kWarp] = id;
  }
  const bool anyNonFinite = __syncthreads_or(static_cast<int>(nonFinite));
  if (threadIdx.x != 0)
    return;
  for (int w = 1; w < Threads / kWarp; ++w)
    if (better(warpBest[w], warpId[w], best, id)) {
      best = warpBest[w];
      id = warpId[w];
    }
  if (id == 0x7fffffff)
    id = 0; // every logit -inf: the host's argmax answers 0 as well
  const int position = positions[0];
  tokens[0] = id;
  positions[0] = position + 1;
  GreedyStep &slot = ring[position % ringSize];
  slot.token = id;
  slot.nonFinite = anyNonFinite ? 1 : 0;
  slot.position = position;
}

//===----------------------------------------------------------------------===//
// Synthetic weights (--synthetic-weights SEED): a counter-based hash, so that any element can
// be generated independently, here on the GPU and in numpy for the reference checkpoint
// (scripts/cuda/synthetic.py documents the same formula).
//===----------------------------------------------------------------------===//

__host__ __device__ __forceinline__ uint64_t splitmix64(uint64_t x) {
  uint64_t z = x + 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

/// Element i of tensor `index`: uniform u in [-1, 1) from 24 bits of the hash; a norm weight
/// (rank 1) is 1 + u/4, a matrix [rows, cols] u·sqrt(3/cols) (unit variance of each output),
/// with `scale` the caller's sqrt(3/cols) (for a w8a8 weight's scales, sqrt(3/K)/127 of the
/// weight's input width K). An int8 weight takes 8 bits of the hash, uniform over [-128, 127].
template <typename T>
__global__ void syntheticKernel(T *__restrict__ out, int64_t count, uint64_t base, int rank,
                                float scale) {
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < count;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const uint64_t h = splitmix64(base + static_cast<uint64_t>(i));
    if constexpr (std::is_same_v<T, int8_t>) {
      out[i] = static_cast<int8_t>(static_cast<int>(h >> 56) - 128); // uniform int8
    } else {
      const float u = __fsub_rn(__fmul_rn(static_cast<float>(h >> 40), 0x1p-23f), 1.0f);
      const float v = rank == 1 ? __fadd_rn(1.0f, __fmul_rn(0.25f, u)) : __fmul_rn(u, scale);
      out[i] = fromFloat<T>(v);
    }
  }
}

} // namespace inferno::cuda

#endif // INFERNO_RUNTIME_CUDA_KERNELS_CUH
