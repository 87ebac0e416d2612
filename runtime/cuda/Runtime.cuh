//===- Runtime.cuh - device memory, weight upload and launches for CUDA models -*- CUDA -*-===//
//
// The host half of a CUDA artifact, compiled into it with the generated model code
// (header-only, like Kernels.cuh, so the compiler needs nothing prebuilt with nvcc). The
// generated file describes the model (ModelLayout, TensorPlace[]) and defines its forward pass
// as calls to the launch helpers below; this file owns the device memory, uploads the
// weights once through pinned staging buffers (or generates synthetic ones on the GPU), and
// replays the decode step as one CUDA graph.
//
//===----------------------------------------------------------------------===//

#ifndef INFERNO_RUNTIME_CUDA_RUNTIME_CUH
#define INFERNO_RUNTIME_CUDA_RUNTIME_CUH

#include "runtime/cuda/Kernels.cuh"
#include "runtime/include/inferno/abi.h"

#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

namespace inferno::cuda {

/// A CUDA failure in the middle of generation cannot be returned through the forward ABI:
/// one line and a non-zero exit, as every other runtime error.
[[noreturn]] inline void die(const char *format, ...) {
  std::fprintf(stderr, "error: CUDA: ");
  va_list args;
  va_start(args, format);
  std::vfprintf(stderr, format, args);
  va_end(args);
  std::fprintf(stderr, "\n");
  std::exit(1);
}

inline void check(cudaError_t status, const char *call) {
  if (status != cudaSuccess)
    die("%s: %s", call, cudaGetErrorString(status));
}
inline void check(cublasStatus_t status, const char *call) {
  if (status != CUBLAS_STATUS_SUCCESS)
    die("%s: %s", call, cublasGetStatusString(status));
}
#define INFERNO_CUDA_CHECK(call) ::inferno::cuda::check((call), #call)
/// After every launch: a bad configuration shows here, not at the next synchronization.
#define INFERNO_CUDA_LAUNCHED() ::inferno::cuda::check(cudaGetLastError(), "kernel launch")

enum class Storage : int { F32, BF16, F16, I8 };

/// Where one weight tensor lives: in a mapped weights file, and in the device arena.
struct TensorPlace {
  int file;
  uint64_t fileOffset;
  uint64_t bytes;
  uint64_t deviceOffset;
  Storage storage;
  int rank;
  int64_t cols; // last dimension
  int64_t count;
};

/// Sizes the generated code computed for its model.
struct ModelLayout {
  uint64_t weightBytes;  // device weight arena
  uint64_t kvBytes;      // keys of every layer, then values
  int64_t activationFloats;
  int64_t qrotFloats;    // rotated queries, max_batch × heads × head_dim
  // Decode attention's split partials and counters (attention()), sized here from these.
  int64_t attentionHeads; // the most query heads of an attention op
  int64_t headDim;
  int64_t kvHeads;
  int64_t context;        // positions the KV cache holds
  int64_t gemmInBytes;   // a prefill GEMM's input in the weights' dtype
  int64_t tempFloats;    // prefill gate and up projections before SwiGLU
  int64_t accInts;       // prefill int32 accumulators of w8a8 GEMMs (gate and up: two)
  int64_t maxBatch;
  int64_t vocab;
  int numInvFreq;
  const float *const *invFreq; // host tables, uploaded at open
  const int *invFreqSizes;
};

/// INFERNO_CUDA_PROFILE=1: every stage of the forward pass is timed with CUDA events (run
/// eagerly, without the decode graph) and a table of where the time went is printed to stderr
/// at exit, decode and prefill apart, next to the host time between decode steps. For finding
/// which kernel holds a figure back; the events cost a little, so benchmarks run without it.
struct StageProfile {
  struct Total {
    int64_t calls = 0;
    double ms = 0;
  };
  bool enabled = false;
  std::vector<std::pair<std::string, cudaEvent_t>> marks;
  std::vector<std::pair<std::string, Total>> totals; // in first-seen order
  int64_t decodeSteps = 0;
  double decodeWallMs = 0, previousEnd = 0;
  // INFERNO_CUDA_PROFILE=2: the decode graph as generation replays it, split into host and
  // device parts (ms summed over steps): before the launch, the graph on the GPU, waiting
  // for it and the logits, copying them out, and everything between two forward calls.
  bool graphTiming = false;
  cudaEvent_t graphStart = nullptr, graphEnd = nullptr;
  double launchMs = 0, gpuMs = 0, waitMs = 0, copyMs = 0, outsideMs = 0;
  int64_t graphSteps = 0;

  void add(const std::string &label, double ms) {
    for (auto &[name, total] : totals)
      if (name == label) {
        ++total.calls;
        total.ms += ms;
        return;
      }
    totals.push_back({label, {1, ms}});
  }
};

struct Device {
  cudaStream_t stream = nullptr;
  cublasHandle_t blas = nullptr;
  uint8_t *weights = nullptr;
  uint8_t *kv = nullptr;
  float *activations = nullptr, *qrot = nullptr, *partial = nullptr, *temp = nullptr;
  float *arenaEnd = nullptr;  // the float arena is [activations, arenaEnd)
  uint64_t kvBytes = 0, gemmInBytes = 0;
  int *splitsDone = nullptr; // a counter per KV head for split attention, zero between steps
  void *gemmIn = nullptr;
  int32_t *acc = nullptr;     // w8a8 prefill accumulators
  float *tokenScales = nullptr; // w8a8 prefill activation scales, one per token
  float *logits = nullptr;
  int32_t *tokens = nullptr, *positions = nullptr;
  int32_t *hostTokens = nullptr, *hostPositions = nullptr;
  float *hostLogits = nullptr;
  std::vector<float *> invFreq;
  cudaGraphExec_t decodeGraph = nullptr;
  bool decodeWarm = false;
  // Greedy decoding on the device (greedy()): the decode graph with greedyNextKernel after it,
  // the steps' ids in mapped host memory, and an event per step in flight.
  cudaGraphExec_t greedyGraph = nullptr;
  GreedyStep *greedyRing = nullptr;
  cudaEvent_t stepDone[2] = {};
  std::string name;
  StageProfile profile;
  bool dependentLaunch = true; // INFERNO_CUDA_PDL=0 turns programmatic dependent launch off
  bool decoding = false;       // the pass under way is one token's (beginPass)
  bool poison = false;         // INFERNO_CUDA_POISON=1 (poisonScratch)
};

/// The generated forward pass starts with this: launches depend on whether it decodes.
inline void beginPass(Device &d, int n) { d.decoding = n == 1; }

inline void reportProfile();

/// Marks the start of a stage (profiling only).
inline void stage(Device &d, const char *format, ...) {
  if (!d.profile.enabled)
    return;
  char label[160];
  va_list args;
  va_start(args, format);
  std::vsnprintf(label, sizeof label, format, args);
  va_end(args);
  cudaEvent_t event;
  INFERNO_CUDA_CHECK(cudaEventCreate(&event));
  INFERNO_CUDA_CHECK(cudaEventRecord(event, d.stream));
  d.profile.marks.push_back({std::string(d.decoding ? "decode  " : "prefill ") + label, event});
}

inline Device &device() {
  static Device d;
  return d;
}

/// Launches one kernel of the forward pass on the model's stream. In a decode step it goes with
/// programmatic dependent launch (Kernels.cuh): it starts while the kernel ahead of it
/// finishes, so its blocks' first weight loads overlap that kernel's tail, and stream capture
/// keeps the edge programmatic in the decode graph (measured on an H100: the Llama-3.2-1B
/// shape's decode step 1.22 -> 1.16 ms, w8a8 0.93 -> 0.91 ms; the Llama-3.1-8B shape's, all
/// of whose projections take several waves of blocks, 5.77 -> 5.85 ms; launching only the
/// kernels that fit in one wave this way was slower than either). Not in prefill, whose
/// kernels are long and sit between cuBLAS's GEMMs: pp512 measured 2-3% slower with it in two
/// runs. (The embedding, first in a pass, follows host copies rather than a kernel and is
/// launched plainly.)
template <typename... Params, typename... Args>
void launch(Device &d, void (*kernel)(Params...), dim3 grid, dim3 block, size_t shared,
            Args... args) {
  if (!(d.dependentLaunch && d.decoding)) {
    kernel<<<grid, block, shared, d.stream>>>(static_cast<Params>(args)...);
    INFERNO_CUDA_LAUNCHED();
    return;
  }
  cudaLaunchAttribute attribute = {};
  attribute.id = cudaLaunchAttributeProgrammaticStreamSerialization;
  attribute.val.programmaticStreamSerializationAllowed = 1;
  cudaLaunchConfig_t config = {};
  config.gridDim = grid;
  config.blockDim = block;
  config.dynamicSmemBytes = shared;
  config.stream = d.stream;
  config.attrs = &attribute;
  config.numAttrs = 1;
  INFERNO_CUDA_CHECK(cudaLaunchKernelEx(&config, kernel, static_cast<Params>(args)...));
}

template <typename T> cudaDataType dataType();
template <> inline cudaDataType dataType<float>() { return CUDA_R_32F; }
template <> inline cudaDataType dataType<bf16>() { return CUDA_R_16BF; }
template <> inline cudaDataType dataType<f16>() { return CUDA_R_16F; }

/// y[m, n] = x[m, k] · W[n, k]ᵀ + beta · y in float32, x and W in T (row-major both, so in
/// cuBLAS's column-major terms yᵀ = W · xᵀ with W transposed).
template <typename T>
void gemm(Device &d, int m, int n, int k, const T *w, const T *x, float *y, float beta) {
  const float alpha = 1.0f;
  INFERNO_CUDA_CHECK(cublasGemmEx(d.blas, CUBLAS_OP_T, CUBLAS_OP_N, n, m, k, &alpha, w,
                                  dataType<T>(), k, x, dataType<T>(), k, &beta, y, CUDA_R_32F, n,
                                  CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT));
}

inline int gridFor(int64_t count, int threads) {
  return static_cast<int>(std::min<int64_t>((count + threads - 1) / threads, 65535));
}

/// Lets `kernel` take `bytes` of dynamic shared memory, once per kernel (beyond 48 KB a
/// kernel must ask); a function-local static per instantiation remembers it.
template <auto Kernel> void allowSharedMemory(int bytes) {
  static bool done = false;
  if (!done && bytes > 48 * 1024)
    INFERNO_CUDA_CHECK(
        cudaFuncSetAttribute(Kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, bytes));
  done = true;
}

/// How two consecutive prefill projections share the GEMM input buffer d.gemmIn (one token
/// ignores it: the matrix-vector kernels read and write float32 activations).
enum class Handoff {
  None,     // x is normalized or converted into d.gemmIn here; results are float32
  Produces, // SwiGLU only: silu(gate)·up goes straight into d.gemmIn in W, y[0] is not
            // written; the next op, its one reader, Consumes it
  Consumes, // x already sits in d.gemmIn in W, left there by the op before
};

/// One projection op of the model over n tokens: up to three weights [rows_s, K] of one
/// input x [n, K], optionally RMS-normalized (norm not null), with epilogue E. One token runs
/// the fused matrix-vector kernel; more run the norm (or a conversion) into the GEMM's input
/// dtype, one cuBLAS GEMM per weight, then the epilogue (the residual add is the GEMM's
/// beta = 1: with E = Residual, y[0] must be the residual buffer itself).
template <typename W, typename N, int K, Epilogue E, Handoff H = Handoff::None>
void linear(Device &d, int n, const float *x, const N *norm, float eps, Segments s,
            int segments) {
  static_assert(H != Handoff::Produces || E == Epilogue::SwiGLU);
  static_assert(H != Handoff::Consumes || std::is_same_v<N, float>, "a norm reads float32 x");
  static const char *const epilogues[] = {"", " +residual", " +swiglu"};
  if (n == 1) {
    int rows = E == Epilogue::SwiGLU ? s.rows[0] : 0;
    if (E != Epilogue::SwiGLU)
      for (int i = 0; i < segments; ++i)
        rows += s.rows[i];
    stage(d, "matvec %s k=%d rows=%d%s%s", sizeof(W) == 4 ? "f32" : "16-bit", K,
          E == Epilogue::SwiGLU ? 2 * rows : rows, norm ? " +norm" : "",
          epilogues[static_cast<int>(E)]);
    // 16 warps a block share one staging of the input (on the H100, against 8 warps: the
    // Llama-3.1-8B shape's decode 162 -> 170 tok/s; the Llama-3.2-1B shape's, mostly 2048
    // wide, 1.078 -> 1.067 ms a step with overlapped launches; 4 warps took it to 1.21 ms,
    // 32 warps were slower for both).
    constexpr int threads = 512, shared = K * sizeof(float);
    constexpr auto kernel = matvecKernel<W, N, K, E, threads>;
    allowSharedMemory<kernel>(shared);
    constexpr int rowsPerBlock = threads / kWarp;
    launch(d, kernel, (rows + rowsPerBlock - 1) / rowsPerBlock, threads, shared, x, norm, eps, s,
           s.y[0], rows);
    return;
  }
  W *in = static_cast<W *>(d.gemmIn);
  if constexpr (H != Handoff::Consumes) {
    stage(d, "%s k=%d", norm ? "rms_norm to gemm input" : "convert to gemm input", K);
    launch(d, normalizeRowsKernel<N, W, K>, n, 256, 0, x, norm, eps, in);
  }
  if constexpr (E == Epilogue::SwiGLU) {
    const int64_t count = static_cast<int64_t>(n) * s.rows[0];
    float *gate = d.temp, *up = d.temp + count;
    stage(d, "gemm k=%d rows=%d (gate, up)", K, 2 * s.rows[0]);
    gemm<W>(d, n, s.rows[0], K, static_cast<const W *>(s.w[0]), in, gate, 0.0f);
    gemm<W>(d, n, s.rows[1], K, static_cast<const W *>(s.w[1]), in, up, 0.0f);
    if constexpr (H == Handoff::Produces) {
      // The GEMMs above have read `in` (stream order); the result replaces it.
      stage(d, "swiglu to gemm input");
      launch(d, swigluKernel<W>, gridFor((count + 3) / 4, 256), 256, 0, gate, up, in, count);
    } else {
      stage(d, "swiglu");
      launch(d, swigluKernel<float>, gridFor((count + 3) / 4, 256), 256, 0, gate, up, s.y[0],
             count);
    }
  } else {
    stage(d, "gemm k=%d rows=%d%s", K, s.rows[0] + (segments > 1 ? s.rows[1] : 0) +
          (segments > 2 ? s.rows[2] : 0), epilogues[static_cast<int>(E)]);
    for (int i = 0; i < segments; ++i)
      gemm<W>(d, n, s.rows[i], K, static_cast<const W *>(s.w[i]), in, s.y[i],
              E == Epilogue::Residual ? 1.0f : 0.0f);
  }
}

/// linear() for w8a8 weights (int8, per-row scales in `scales`): one token through the
/// matrix-vector kernel that quantizes its input in shared memory; more through one
/// quantization pass, cuBLAS int8 GEMMs with exact int32 sums, and the scaling epilogue.
template <typename N, int K, Epilogue E>
void linearW8A8(Device &d, int n, const float *x, const N *norm, float eps, Segments s,
                Scales scales, int segments) {
  static_assert(K % 4 == 0, "int8 GEMMs need the input width to be a multiple of 4");
  static const char *const epilogues[] = {"", " +residual", " +swiglu"};
  if (n == 1) {
    int rows = E == Epilogue::SwiGLU ? s.rows[0] : 0;
    if (E != Epilogue::SwiGLU)
      for (int i = 0; i < segments; ++i)
        rows += s.rows[i];
    stage(d, "matvec w8a8 k=%d rows=%d%s%s", K, E == Epilogue::SwiGLU ? 2 * rows : rows,
          norm ? " +norm" : "", epilogues[static_cast<int>(E)]);
    // 16 warps a block at every width: each block quantizes the whole input, and with that
    // done in registers (QuantizedInput), half as many blocks beat more of them in flight (on
    // the H100 the Llama-3.2-1B shape's decode step 0.607 -> 0.595 ms against 8 warps below
    // 4096 wide, which had won, 0.75 against 0.77 ms, while the input was staged in shared
    // memory first).
    constexpr int threads = 512;
    constexpr auto kernel = matvecW8A8Kernel<N, K, E, threads>;
    allowSharedMemory<kernel>(K);
    constexpr int rowsPerBlock = threads / kWarp;
    launch(d, kernel, (rows + rowsPerBlock - 1) / rowsPerBlock, threads, K, x, norm, eps, s,
           scales, s.y[0], rows);
    return;
  }
  stage(d, "quantize rows k=%d%s", K, norm ? " +norm" : "");
  int8_t *q = static_cast<int8_t *>(d.gemmIn);
  launch(d, quantizeRowsKernel<N, K>, n, 256, 0, x, norm, eps, q, d.tokenScales);
  const int32_t one = 1, zero = 0;
  auto gemm8 = [&](int rows, const void *w, int32_t *acc) {
    INFERNO_CUDA_CHECK(cublasGemmEx(d.blas, CUBLAS_OP_T, CUBLAS_OP_N, rows, n, K, &one, w,
                                    CUDA_R_8I, K, q, CUDA_R_8I, K, &zero, acc, CUDA_R_32I, rows,
                                    CUBLAS_COMPUTE_32I, CUBLAS_GEMM_DEFAULT));
  };
  if constexpr (E == Epilogue::SwiGLU) {
    const int64_t count = static_cast<int64_t>(n) * s.rows[0];
    stage(d, "gemm int8 k=%d rows=%d (gate, up)", K, 2 * s.rows[0]);
    gemm8(s.rows[0], s.w[0], d.acc);
    gemm8(s.rows[1], s.w[1], d.acc + count);
    stage(d, "w8a8 epilogue +swiglu");
    launch(d, w8a8EpilogueKernel<E>, gridFor(count, 256), 256, 0, d.acc, d.acc + count,
           d.tokenScales, scales.s[0], scales.s[1], s.y[0], n, s.rows[0]);
  } else {
    for (int i = 0; i < segments; ++i) {
      stage(d, "gemm int8 k=%d rows=%d", K, s.rows[i]);
      gemm8(s.rows[i], s.w[i], d.acc);
      stage(d, "w8a8 epilogue%s", epilogues[static_cast<int>(E)]);
      const int64_t count = static_cast<int64_t>(n) * s.rows[i];
      launch(d, w8a8EpilogueKernel<E>, gridFor(count, 256), 256, 0, d.acc, nullptr, d.tokenScales,
             scales.s[i], nullptr, s.y[i], n, s.rows[i]);
    }
  }
}

template <typename W>
void embedding(Device &d, int n, const W *table, float *y, int hidden) {
  stage(d, "embedding");
  embeddingKernel<W><<<n, 256, 0, d.stream>>>(d.tokens, table, y, hidden);
  INFERNO_CUDA_LAUNCHED();
}

inline void add(Device &d, int64_t count, const float *a, const float *b, float *y) {
  stage(d, "add");
  launch(d, addKernel, gridFor(count, 256), 256, 0, a, b, y, count);
}

inline void swiglu(Device &d, int64_t count, const float *gate, const float *up, float *y) {
  stage(d, "swiglu");
  launch(d, swigluKernel<float>, gridFor((count + 3) / 4, 256), 256, 0, gate, up, y, count);
}

/// RMSNorm on its own (when nothing could take it as a prologue), float32 to float32.
template <typename N, int K>
void rmsNorm(Device &d, int n, const float *x, const N *norm, float eps, float *y) {
  stage(d, "rms_norm");
  launch(d, normalizeRowsKernel<N, float, K>, n, 256, 0, x, norm, eps, y);
}

template <int D>
void rope(Device &d, int n, float *x, const float *invFreq, int heads) {
  stage(d, "rope");
  launch(d, ropeKernel<D>, n, 128, 0, x, d.positions, invFreq, heads);
}

/// Causal attention of one layer over its KV cache, RoPE (invFreq not null) applied to the
/// queries and to each key as it enters the cache. kCache/vCache: this layer's
/// [context, kvHeads, D] blocks; G query heads share a KV head. Decode splits the whole
/// context into blocks of kDecodeChunk keys, of which those past the position exit at once,
/// so that one CUDA graph replays at any position.
template <typename KV, int D, int G>
void attention(Device &d, int n, const float *q, const float *k, const float *v,
               const float *invFreq, KV *kCache, KV *vCache, float *out, int kvHeads,
               int context) {
  const int heads = kvHeads * G;
  if (n == 1) {
    stage(d, "attention decode (rope, kv store)");
    constexpr int chunk = kDecodeChunk<KV, D, G>;
    const int splits = (context + chunk - 1) / chunk; // d.partial holds kMinDecodeChunk's
    launch(d, attentionDecodeKernel<KV, D, G>, dim3(kvHeads, splits), chunk, 0, q, k, v,
           d.positions, invFreq, kCache, vCache, d.partial, d.splitsDone, out, kvHeads, splits);
    return;
  }
  stage(d, "rope + kv store");
  launch(d, ropeStoreKernel<KV, D>, n, 128, 0, q, k, v, d.positions, invFreq, d.qrot, kCache,
         vCache, heads, kvHeads);
  stage(d, "attention prefill");
  if constexpr (kPrefillOnTensorCores<KV, D, G>) {
    constexpr int tokens = kPrefillTensorRows / G;
    launch(d, attentionPrefillTensorKernel<KV, D, G>, dim3(kvHeads, (n + tokens - 1) / tokens),
           kPrefillTensorThreads, 0, d.qrot, kCache, vCache, d.positions, out, kvHeads, n);
  } else {
    launch(d, attentionPrefillKernel<KV, D, G>,
           dim3(kvHeads, (n + kPrefillQueries - 1) / kPrefillQueries), kPrefillChunk, 0, d.qrot,
           kCache, vCache, d.positions, out, kvHeads, n);
  }
}

//===----------------------------------------------------------------------===//
// Opening: device checks, allocation, weights.
//===----------------------------------------------------------------------===//

inline int fail(char *error, int64_t size, const char *format, ...) {
  va_list args;
  va_start(args, format);
  std::vsnprintf(error, static_cast<size_t>(size), format, args);
  va_end(args);
  return 1;
}

inline double mebibytes(uint64_t bytes) { return static_cast<double>(bytes) / (1 << 20); }

template <typename T>
void synthesize(Device &d, const TensorPlace &t, int index, uint64_t seed) {
  const uint64_t base = splitmix64((seed << 20) ^ static_cast<uint64_t>(index));
  const float scale = static_cast<float>(std::sqrt(3.0 / static_cast<double>(t.cols)));
  syntheticKernel<T><<<gridFor(t.count, 256), 256, 0, d.stream>>>(
      reinterpret_cast<T *>(d.weights + t.deviceOffset), t.count, base, t.rank, scale);
  INFERNO_CUDA_LAUNCHED();
}

/// Copies every tensor from the mapped files to the device arena through two pinned buffers:
/// while one is being copied to the GPU the CPU fills the other (reading the mapping faults
/// the file in), so the upload runs at the slower of disk/page cache and PCIe.
inline void upload(Device &d, const TensorPlace *tensors, int count,
                   const uint8_t *const *files) {
  constexpr size_t kStaging = size_t(64) << 20;
  uint8_t *staging[2];
  cudaEvent_t done[2];
  for (int i = 0; i < 2; ++i) {
    INFERNO_CUDA_CHECK(cudaMallocHost(&staging[i], kStaging));
    INFERNO_CUDA_CHECK(cudaEventCreateWithFlags(&done[i], cudaEventDisableTiming));
    INFERNO_CUDA_CHECK(cudaEventRecord(done[i], d.stream));
  }
  int next = 0;
  for (int i = 0; i < count; ++i) {
    const TensorPlace &t = tensors[i];
    for (uint64_t offset = 0; offset < t.bytes; offset += kStaging) {
      const size_t chunk = static_cast<size_t>(std::min<uint64_t>(kStaging, t.bytes - offset));
      INFERNO_CUDA_CHECK(cudaEventSynchronize(done[next]));
      std::memcpy(staging[next], files[t.file] + t.fileOffset + offset, chunk);
      INFERNO_CUDA_CHECK(cudaMemcpyAsync(d.weights + t.deviceOffset + offset, staging[next], chunk,
                                         cudaMemcpyHostToDevice, d.stream));
      INFERNO_CUDA_CHECK(cudaEventRecord(done[next], d.stream));
      next ^= 1;
    }
  }
  INFERNO_CUDA_CHECK(cudaStreamSynchronize(d.stream));
  for (int i = 0; i < 2; ++i) {
    INFERNO_CUDA_CHECK(cudaEventDestroy(done[i]));
    INFERNO_CUDA_CHECK(cudaFreeHost(staging[i]));
  }
}

/// inferno_model_open for a generated model.
inline int open(const ModelLayout &layout, const TensorPlace *tensors, int count,
                const uint8_t *const *files, int synthetic, uint64_t seed, char *error,
                int64_t errorSize) {
  Device &d = device();
  int devices = 0;
  cudaError_t status = cudaGetDeviceCount(&devices);
  if (status != cudaSuccess || devices == 0)
    return fail(error, errorSize, "no CUDA device is usable (%s)",
                status != cudaSuccess ? cudaGetErrorString(status) : "none found");
  cudaDeviceProp props;
  if (cudaGetDeviceProperties(&props, 0) != cudaSuccess)
    return fail(error, errorSize, "cannot read the properties of CUDA device 0");
  if (props.major < 9)
    return fail(error, errorSize,
                "this artifact was compiled for sm_90 (Hopper); device 0 (%s) is sm_%d%d",
                props.name, props.major, props.minor);
  char name[320];
  std::snprintf(name, sizeof name, "cuda, %s (sm_%d%d)", props.name, props.major, props.minor);
  d.name = name;

  const uint64_t gemmIn = (static_cast<uint64_t>(layout.gemmInBytes) + 255) / 256 * 256;
  // The float arena's regions, each a whole number of 256 bytes: kernels load 16 bytes at a
  // time from any of them.
  auto region = [](int64_t floats) { return static_cast<uint64_t>((floats + 63) / 64 * 64); };
  // Split attention's partials, (max, sum, acc[D]) per head and split, for splits of the
  // fewest keys a decode attention block covers; then a counter per KV head (ints).
  const int64_t partialFloats =
      std::max<int64_t>(layout.attentionHeads, 1) *
      ((layout.context + kMinDecodeChunk - 1) / kMinDecodeChunk) * (layout.headDim + 2);
  const uint64_t floats = region(layout.activationFloats) + region(layout.qrotFloats) +
                          region(partialFloats) + region(layout.kvHeads) +
                          region(layout.tempFloats) +
                          region(layout.accInts) + region(layout.maxBatch) +
                          static_cast<uint64_t>(layout.maxBatch) * layout.vocab + 1024;
  const uint64_t needed = layout.weightBytes + layout.kvBytes + gemmIn + floats * sizeof(float);
  size_t freeBytes = 0, totalBytes = 0;
  if (cudaMemGetInfo(&freeBytes, &totalBytes) != cudaSuccess)
    return fail(error, errorSize, "cannot query the memory of %s", props.name);
  if (needed > freeBytes)
    return fail(error, errorSize,
                "the model needs %.1f MiB of GPU memory (weights %.1f MiB, KV cache %.1f MiB, "
                "activations %.1f MiB) but %s has %.1f MiB free; compile with a smaller "
                "--context or --max-batch",
                mebibytes(needed), mebibytes(layout.weightBytes), mebibytes(layout.kvBytes),
                mebibytes(needed - layout.weightBytes - layout.kvBytes), props.name,
                mebibytes(freeBytes));

  if (const char *pdl = std::getenv("INFERNO_CUDA_PDL"); pdl && std::strcmp(pdl, "0") == 0)
    d.dependentLaunch = false; // for measuring what it gains, or ruling it out
  INFERNO_CUDA_CHECK(cudaStreamCreateWithFlags(&d.stream, cudaStreamNonBlocking));
  INFERNO_CUDA_CHECK(cublasCreate(&d.blas));
  INFERNO_CUDA_CHECK(cublasSetStream(d.blas, d.stream));
  INFERNO_CUDA_CHECK(cudaMalloc(&d.weights, std::max<uint64_t>(layout.weightBytes, 256)));
  INFERNO_CUDA_CHECK(cudaMalloc(&d.kv, std::max<uint64_t>(layout.kvBytes, 256)));
  if (const char *poison = std::getenv("INFERNO_CUDA_POISON"))
    d.poison = std::strcmp(poison, "1") == 0;
  // The cache is read only below each token's position; zeroing it keeps a stale NaN pattern
  // from ever meeting a zero softmax weight. Poisoning fills it with NaN instead, so that a
  // kernel reading a row no token has written yet shows in the logits.
  d.kvBytes = layout.kvBytes;
  INFERNO_CUDA_CHECK(cudaMemsetAsync(d.kv, d.poison ? 0xff : 0, layout.kvBytes, d.stream));
  INFERNO_CUDA_CHECK(cudaMalloc(&d.gemmIn, std::max<uint64_t>(gemmIn, 256)));
  d.gemmInBytes = gemmIn;
  float *arena = nullptr;
  INFERNO_CUDA_CHECK(cudaMalloc(&arena, floats * sizeof(float)));
  d.activations = arena;
  d.arenaEnd = arena + floats;
  d.qrot = d.activations + region(layout.activationFloats);
  d.partial = d.qrot + region(layout.qrotFloats);
  d.splitsDone = reinterpret_cast<int *>(d.partial + region(partialFloats));
  INFERNO_CUDA_CHECK(cudaMemsetAsync(d.splitsDone, 0, layout.kvHeads * sizeof(int), d.stream));
  d.temp = reinterpret_cast<float *>(d.splitsDone) + region(layout.kvHeads);
  d.acc = reinterpret_cast<int32_t *>(d.temp + region(layout.tempFloats));
  d.tokenScales = reinterpret_cast<float *>(d.acc + region(layout.accInts));
  d.logits = d.tokenScales + region(layout.maxBatch);
  INFERNO_CUDA_CHECK(cudaMalloc(&d.tokens, layout.maxBatch * sizeof(int32_t)));
  INFERNO_CUDA_CHECK(cudaMalloc(&d.positions, layout.maxBatch * sizeof(int32_t)));
  INFERNO_CUDA_CHECK(cudaMallocHost(&d.hostTokens, layout.maxBatch * sizeof(int32_t)));
  INFERNO_CUDA_CHECK(cudaMallocHost(&d.hostPositions, layout.maxBatch * sizeof(int32_t)));
  INFERNO_CUDA_CHECK(
      cudaMallocHost(&d.hostLogits, layout.maxBatch * layout.vocab * sizeof(float)));
  for (int i = 0; i < layout.numInvFreq; ++i) {
    float *table = nullptr;
    const size_t bytes = layout.invFreqSizes[i] * sizeof(float);
    INFERNO_CUDA_CHECK(cudaMalloc(&table, bytes));
    INFERNO_CUDA_CHECK(
        cudaMemcpyAsync(table, layout.invFreq[i], bytes, cudaMemcpyHostToDevice, d.stream));
    d.invFreq.push_back(table);
  }

  if (synthetic) {
    for (int i = 0; i < count; ++i) {
      const TensorPlace &t = tensors[i];
      switch (t.storage) {
      case Storage::F32: synthesize<float>(d, t, i, seed); break;
      case Storage::BF16: synthesize<bf16>(d, t, i, seed); break;
      case Storage::F16: synthesize<f16>(d, t, i, seed); break;
      case Storage::I8: synthesize<int8_t>(d, t, i, seed); break;
      }
    }
  } else {
    upload(d, tensors, count, files);
  }
  INFERNO_CUDA_CHECK(cudaStreamSynchronize(d.stream));
  if (const char *profile = std::getenv("INFERNO_CUDA_PROFILE"); profile && *profile) {
    d.profile.enabled = *profile == '1';
    d.profile.graphTiming = *profile == '2';
    if (d.profile.graphTiming) {
      INFERNO_CUDA_CHECK(cudaEventCreate(&d.profile.graphStart));
      INFERNO_CUDA_CHECK(cudaEventCreate(&d.profile.graphEnd));
    }
    std::atexit(reportProfile);
  }
  return 0;
}

using ForwardFn = void (*)(Device &, int n, bool allLogits);

/// INFERNO_CUDA_POISON=1, for the parity checks: before every forward pass (inside the captured
/// graphs too) every byte a pass writes before reading is set to 0xff: NaN in f32, bf16, f16 and
/// fp8 e4m3, -1 in the integer buffers. That is the activations, partials, scratch, w8a8
/// accumulators and scales, logits and the GEMM inputs: all of the float arena but the split
/// counters, which carry their zero from one step to the next. A kernel that leaves part of its
/// output unwritten, or reads another's before it is written, then yields NaN logits instead
/// of passing on a stale value from the step before. The KV cache is NaN-filled at open and
/// after the warm-up for the same reason. Costs a few memsets a pass: off for benchmarks.
inline void poisonScratch(Device &d) {
  const auto bytes = [](const void *begin, const void *end) {
    return static_cast<size_t>(static_cast<const char *>(end) -
                               static_cast<const char *>(begin));
  };
  INFERNO_CUDA_CHECK(
      cudaMemsetAsync(d.activations, 0xff, bytes(d.activations, d.splitsDone), d.stream));
  INFERNO_CUDA_CHECK(cudaMemsetAsync(d.temp, 0xff, bytes(d.temp, d.arenaEnd), d.stream));
  INFERNO_CUDA_CHECK(cudaMemsetAsync(d.gemmIn, 0xff, d.gemmInBytes, d.stream));
}

/// One forward pass as enqueued (eagerly or into a graph being captured).
inline void runPass(Device &d, int n, bool allLogits, ForwardFn fn) {
  if (d.poison)
    poisonScratch(d);
  fn(d, n, allLogits);
}

inline double nowMs() {
  return std::chrono::duration<double, std::milli>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

/// The INFERNO_CUDA_PROFILE table, at exit.
inline void reportProfile() {
  StageProfile &p = device().profile;
  double decodeMs = 0;
  for (auto &[label, total] : p.totals)
    if (label.rfind("decode", 0) == 0)
      decodeMs += total.ms;
  std::fprintf(stderr, "\nINFERNO_CUDA_PROFILE (CUDA events, eager launches)\n"
                       "%-58s %8s %10s %10s %7s\n", "stage", "calls", "total ms", "avg us",
               "decode%");
  for (auto &[label, total] : p.totals)
    std::fprintf(stderr, "%-58s %8lld %10.3f %10.2f %6.1f%%\n", label.c_str(),
                 static_cast<long long>(total.calls), total.ms, 1000 * total.ms / total.calls,
                 label.rfind("decode", 0) == 0 && decodeMs > 0 ? 100 * total.ms / decodeMs : 0.0);
  if (p.graphSteps > 0) {
    const double n = static_cast<double>(p.graphSteps);
    std::fprintf(stderr,
                 "decode graph in generation, %lld steps, ms/step: host before launch %.3f, "
                 "GPU %.3f, host waiting (GPU + logits copy) %.3f, copy out %.3f, outside "
                 "forward (sampling, printing) %.3f\n",
                 static_cast<long long>(p.graphSteps), p.launchMs / n, p.gpuMs / n, p.waitMs / n,
                 p.copyMs / n, p.outsideMs / (n > 1 ? n - 1 : 1));
    return;
  }
  if (p.decodeSteps > 0)
    std::fprintf(stderr, "decode: %lld steps, GPU %.3f ms/step, wall %.3f ms/step from one "
                         "forward call to the next (the rest is the host: copies, sampling)\n",
                 static_cast<long long>(p.decodeSteps), decodeMs / p.decodeSteps,
                 p.decodeWallMs / p.decodeSteps);
  // The decode graph as generation replays it (launch gaps closed), at the last position.
  Device &d = device();
  if (d.decodeGraph != nullptr) {
    cudaEvent_t start, stop;
    INFERNO_CUDA_CHECK(cudaEventCreate(&start));
    INFERNO_CUDA_CHECK(cudaEventCreate(&stop));
    constexpr int replays = 50;
    INFERNO_CUDA_CHECK(cudaGraphLaunch(d.decodeGraph, d.stream));
    INFERNO_CUDA_CHECK(cudaEventRecord(start, d.stream));
    for (int i = 0; i < replays; ++i)
      INFERNO_CUDA_CHECK(cudaGraphLaunch(d.decodeGraph, d.stream));
    INFERNO_CUDA_CHECK(cudaEventRecord(stop, d.stream));
    INFERNO_CUDA_CHECK(cudaEventSynchronize(stop));
    float ms = 0;
    INFERNO_CUDA_CHECK(cudaEventElapsedTime(&ms, start, stop));
    std::fprintf(stderr, "decode graph replayed back to back: %.3f ms/step\n", ms / replays);
  }
}

/// Runs one forward pass eagerly with every stage timed.
inline void profiledForward(Device &d, int n, bool allLogits, ForwardFn fn) {
  StageProfile &p = d.profile;
  const double start = nowMs();
  if (n == 1 && p.previousEnd > 0) {
    p.decodeWallMs += start - p.previousEnd;
    ++p.decodeSteps;
  }
  runPass(d, n, allLogits, fn);
  stage(d, "(end)");
  INFERNO_CUDA_CHECK(cudaStreamSynchronize(d.stream));
  for (size_t i = 0; i + 1 < p.marks.size(); ++i) {
    float ms = 0;
    INFERNO_CUDA_CHECK(cudaEventElapsedTime(&ms, p.marks[i].second, p.marks[i + 1].second));
    p.add(p.marks[i].first, ms);
  }
  for (auto &mark : p.marks)
    INFERNO_CUDA_CHECK(cudaEventDestroy(mark.second));
  p.marks.clear();
  p.previousEnd = n == 1 ? start : 0;
}

/// Copies the first n of hostTokens and hostPositions (pinned) to the device, where the
/// forward pass reads them.
inline void uploadInputs(Device &d, int n) {
  INFERNO_CUDA_CHECK(cudaMemcpyAsync(d.tokens, d.hostTokens, n * sizeof(int32_t),
                                     cudaMemcpyHostToDevice, d.stream));
  INFERNO_CUDA_CHECK(cudaMemcpyAsync(d.positions, d.hostPositions, n * sizeof(int32_t),
                                     cudaMemcpyHostToDevice, d.stream));
}

/// Captures what `enqueue` launches on the model's stream as one executable graph.
template <typename Enqueue> cudaGraphExec_t captureGraph(Device &d, Enqueue &&enqueue) {
  cudaGraph_t graph;
  cudaGraphExec_t exec;
  INFERNO_CUDA_CHECK(cudaStreamBeginCapture(d.stream, cudaStreamCaptureModeThreadLocal));
  enqueue();
  INFERNO_CUDA_CHECK(cudaStreamEndCapture(d.stream, &graph));
  INFERNO_CUDA_CHECK(cudaGraphInstantiate(&exec, graph, 0));
  INFERNO_CUDA_CHECK(cudaGraphDestroy(graph));
  return exec;
}

/// After open: one prefill of max_batch tokens and one decode step, eagerly, then the decode
/// graph captured. CUDA loads kernels lazily (cuBLAS picks and loads its GEMM kernels at their
/// first use), which would otherwise land in the first prompt's time; the KV cache rows this
/// writes are overwritten before anything reads them.
inline void warmUp(const ModelLayout &layout, int64_t context, ForwardFn fn) {
  Device &d = device();
  const int n = static_cast<int>(std::min<int64_t>(layout.maxBatch, context));
  for (int i = 0; i < n; ++i) {
    d.hostTokens[i] = 0;
    d.hostPositions[i] = i;
  }
  uploadInputs(d, n);
  const bool profiling = d.profile.enabled;
  d.profile.enabled = false;
  runPass(d, n, false, fn);
  runPass(d, 1, false, fn);
  d.decodeWarm = true;
  d.decodeGraph = captureGraph(d, [&] { runPass(d, 1, false, fn); });
  if (d.poison) // the warm-up's rows
    INFERNO_CUDA_CHECK(cudaMemsetAsync(d.kv, 0xff, d.kvBytes, d.stream));
  INFERNO_CUDA_CHECK(cudaStreamSynchronize(d.stream));
  d.profile.enabled = profiling;
}

/// inferno_model_forward: tokens and positions in, logits out, everything else stays on the
/// GPU. One token without all_logits is the decode step: run once eagerly (which sets the
/// kernels' attributes), captured into a CUDA graph the second time, replayed after that.
inline void forward(const ModelLayout &layout, const inferno_forward_args *args, ForwardFn fn) {
  Device &d = device();
  const int n = static_cast<int>(args->n_tokens);
  std::memcpy(d.hostTokens, args->tokens, n * sizeof(int32_t));
  std::memcpy(d.hostPositions, args->positions, n * sizeof(int32_t));
  uploadInputs(d, n);
  const bool allLogits = args->all_logits != 0;
  StageProfile &p = d.profile;
  const bool timeGraph = p.graphTiming && n == 1 && !allLogits && d.decodeGraph != nullptr;
  double t0 = 0;
  if (timeGraph) {
    t0 = nowMs();
    if (p.previousEnd > 0)
      p.outsideMs += t0 - p.previousEnd;
    INFERNO_CUDA_CHECK(cudaEventRecord(p.graphStart, d.stream));
    INFERNO_CUDA_CHECK(cudaGraphLaunch(d.decodeGraph, d.stream));
    INFERNO_CUDA_CHECK(cudaEventRecord(p.graphEnd, d.stream));
    const double t1 = nowMs();
    const size_t bytes = static_cast<size_t>(layout.vocab) * sizeof(float);
    INFERNO_CUDA_CHECK(
        cudaMemcpyAsync(d.hostLogits, d.logits, bytes, cudaMemcpyDeviceToHost, d.stream));
    INFERNO_CUDA_CHECK(cudaStreamSynchronize(d.stream));
    const double t2 = nowMs();
    std::memcpy(args->logits, d.hostLogits, bytes);
    const double t3 = nowMs();
    float gpu = 0;
    INFERNO_CUDA_CHECK(cudaEventElapsedTime(&gpu, p.graphStart, p.graphEnd));
    p.launchMs += t1 - t0;
    p.gpuMs += gpu;
    p.waitMs += t2 - t1;
    p.copyMs += t3 - t2;
    ++p.graphSteps;
    p.previousEnd = t3;
    return;
  }
  if (d.profile.enabled) {
    profiledForward(d, n, allLogits, fn);
  } else if (n == 1 && !allLogits && d.decodeWarm) {
    if (d.decodeGraph == nullptr)
      d.decodeGraph = captureGraph(d, [&] { runPass(d, 1, false, fn); });
    INFERNO_CUDA_CHECK(cudaGraphLaunch(d.decodeGraph, d.stream));
  } else {
    runPass(d, n, allLogits, fn);
    d.decodeWarm |= n == 1 && !allLogits;
  }
  const size_t bytes = static_cast<size_t>(allLogits ? n : 1) * layout.vocab * sizeof(float);
  INFERNO_CUDA_CHECK(
      cudaMemcpyAsync(d.hostLogits, d.logits, bytes, cudaMemcpyDeviceToHost, d.stream));
  INFERNO_CUDA_CHECK(cudaStreamSynchronize(d.stream));
  std::memcpy(args->logits, d.hostLogits, bytes);
}

/// Slots of the mapped ring greedy decoding reports its ids through (by position): far more
/// than the one step the host lets the device run ahead.
constexpr int kGreedyRing = 64;

/// inferno_model_greedy (abi.h): greedy decoding with each id fed back on the device. The
/// decode step followed by greedyNextKernel is captured once as its own graph; the host keeps
/// the next step queued while it hands the current id over, so the GPU does not wait for the
/// host's detokenizing and printing, and no logits cross to the host.
inline int64_t greedy(const ModelLayout &layout, int32_t token, int32_t position, int64_t steps,
                      int32_t (*onToken)(int32_t, void *), void *user, ForwardFn fn) {
  Device &d = device();
  // Profiling times the host loop's forward calls one by one.
  if (d.profile.enabled || d.profile.graphTiming || !d.decodeWarm || steps < 1)
    return -2;
  constexpr int threads = 1024;
  if (d.greedyGraph == nullptr) {
    INFERNO_CUDA_CHECK(
        cudaHostAlloc(&d.greedyRing, kGreedyRing * sizeof(GreedyStep), cudaHostAllocMapped));
    std::memset(d.greedyRing, 0xff, kGreedyRing * sizeof(GreedyStep)); // positions -1: unwritten
    GreedyStep *ring = nullptr;
    INFERNO_CUDA_CHECK(cudaHostGetDevicePointer(&ring, d.greedyRing, 0));
    for (cudaEvent_t &event : d.stepDone)
      INFERNO_CUDA_CHECK(cudaEventCreateWithFlags(&event, cudaEventDisableTiming));
    d.greedyGraph = captureGraph(d, [&] {
      runPass(d, 1, false, fn);
      launch(d, greedyNextKernel<threads>, 1, threads, 0, static_cast<const float *>(d.logits),
             static_cast<int>(layout.vocab), d.tokens, d.positions, ring, kGreedyRing);
    });
  }
  d.hostTokens[0] = token;
  d.hostPositions[0] = position;
  uploadInputs(d, 1);
  int64_t launched = 0, delivered = 0, result = 0;
  auto launchStep = [&] {
    // Step k's event reuses step k - 2's, which the host has already waited for.
    INFERNO_CUDA_CHECK(cudaGraphLaunch(d.greedyGraph, d.stream));
    INFERNO_CUDA_CHECK(cudaEventRecord(d.stepDone[launched % 2], d.stream));
    ++launched;
  };
  launchStep();
  for (;;) {
    if (launched < steps)
      launchStep();
    INFERNO_CUDA_CHECK(cudaEventSynchronize(d.stepDone[delivered % 2]));
    const int64_t at = position + delivered;
    const volatile GreedyStep &slot = d.greedyRing[at % kGreedyRing];
    if (slot.position != at)
      die("greedy decoding found no id for position %lld", static_cast<long long>(at));
    if (slot.nonFinite) {
      result = -1;
      break;
    }
    const int32_t id = slot.token;
    ++delivered;
    if (!onToken(id, user) || delivered == steps) {
      result = delivered;
      break;
    }
  }
  INFERNO_CUDA_CHECK(cudaStreamSynchronize(d.stream)); // the step queued ahead, if any
  return result;
}

} // namespace inferno::cuda

#endif // INFERNO_RUNTIME_CUDA_RUNTIME_CUH
