//===- Kernels.cpp - the C ABI of kernels.h: dispatch, Halide glue --------------===//
//
// Each entry point checks for empty shapes, then calls the implementation of the ISA selected
// once (Dispatch.h): Halide pipelines (matmul, matvec, RMSNorm, SwiGLU, add; generated at build
// time per ISA) or the C++ kernels (attention, RoPE, embedding; CpuKernels.h), or the scalar
// references. Halide's parallel loops run on the same ThreadPool as the C++ kernels through a
// custom halide_do_par_for.
//
//===----------------------------------------------------------------------------===//
#include "inferno/kernels.h"

#include "runtime/kernels/AmxTiles.h"
#include "runtime/kernels/CpuKernels.h"
#include "runtime/kernels/Dispatch.h"
#include "runtime/kernels/Scalar.h"
#include "runtime/kernels/ThreadPool.h"

#include "HalideKernels.h"  // generated: every pipeline's header
#include "HalideRuntime.h"

#include <cpuid.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>

namespace inferno::kernels {
namespace {

// ---- Halide buffers over caller memory (dense, row-major; dim 0 innermost).
struct Buffer {
  halide_buffer_t buf{};
  halide_dimension_t dim[2]{};

  Buffer(const void *data, halide_type_code_t code, int bits, int64_t inner, int64_t outer = -1) {
    buf.host = static_cast<uint8_t *>(const_cast<void *>(data));
    buf.type.code = code;
    buf.type.bits = uint8_t(bits);
    buf.type.lanes = 1;
    buf.dim = dim;
    dim[0] = halide_dimension_t(0, int32_t(inner), 1);
    if (outer >= 0) {
      dim[1] = halide_dimension_t(0, int32_t(outer), int32_t(inner));
      buf.dimensions = 2;
    } else {
      buf.dimensions = 1;
    }
  }
  halide_buffer_t *operator&() { return &buf; }
};

Buffer f32(const float *p, int64_t inner, int64_t outer = -1) {
  return Buffer(p, halide_type_float, 32, inner, outer);
}
Buffer u16(const uint16_t *p, int64_t inner, int64_t outer = -1) {
  return Buffer(p, halide_type_uint, 16, inner, outer);
}

// Halide's extents and strides are int32 (addresses are 64-bit: `large_buffers`).
bool fitsInt32(int64_t a, int64_t b = 0) { return a <= INT32_MAX && b <= INT32_MAX; }

// ---- Error reporting: Halide's default handler aborts; ours keeps the message so the entry
// point can report it and fall back to the scalar reference.
thread_local std::string lastHalideError;

void halideErrorHandler(void *, const char *msg) { lastHalideError = msg ? msg : "(null)"; }

bool halideFailed(int rc, const char *kernel) {
  if (rc == 0) return false;
  static std::atomic<int> reported{0};
  if (reported.fetch_add(1) < 8)
    std::fprintf(stderr,
                 "inferno kernels: %s failed (Halide error %d: %s); using the scalar reference\n",
                 kernel, rc, lastHalideError.c_str());
  lastHalideError.clear();
  return true;
}

struct HalideParFor {
  halide_task_t task;
  void *userContext;
  uint8_t *closure;
};

int halideDoParFor(void *userContext, halide_task_t task, int min, int size, uint8_t *closure) {
  HalideParFor job{task, userContext, closure};
  return ThreadPool::instance().parallelFor(
      min, int64_t(min) + size,
      [](void *ctx, int64_t i) -> int {
        auto &j = *static_cast<HalideParFor *>(ctx);
        return j.task(j.userContext, int(i), j.closure);
      },
      &job);
}

// ---- Per-ISA tables.
using HalideMatmul = int (*)(halide_buffer_t *, halide_buffer_t *, halide_buffer_t *);
using HalideNorm = int (*)(halide_buffer_t *, halide_buffer_t *, float, halide_buffer_t *);
using HalideBinary = int (*)(halide_buffer_t *, halide_buffer_t *, halide_buffer_t *);

enum Format { F32 = 0, BF16 = 1, F16 = 2 };

struct Table {
  HalideMatmul matmul[3];    // needs m ≥ matmulRowsM and n ≥ matmulRowsN
  HalideMatmul matmulKb[3];  // the same, k blocked: for k ≥ 2 blocks
  HalideMatmul matvec[3];    // needs n ≥ matvecRows
  HalideMatmul matvec1[3];   // any shape, one weight row at a time
  HalideNorm rmsNorm[3];
  HalideBinary swiglu, add;
  int matmulRowsM, matmulRowsN, matvecRows;
  decltype(&avx2::attention) attention;
  decltype(&avx2::rope) rope;
  decltype(&avx2::embeddingF32) embeddingF32;
  decltype(&avx2::embeddingBf16) embeddingBf16;
  decltype(&avx2::embeddingF16) embeddingF16;
};

#define INFERNO_TABLE(isa)                                                                     \
  Table {                                                                                      \
    {inferno_halide_matmul_f32_##isa, inferno_halide_matmul_bf16_##isa,                        \
     inferno_halide_matmul_f16_##isa},                                                         \
        {inferno_halide_matmul_kb_f32_##isa, inferno_halide_matmul_kb_bf16_##isa,              \
         inferno_halide_matmul_kb_f16_##isa},                                                  \
        {inferno_halide_matvec_f32_##isa, inferno_halide_matvec_bf16_##isa,                    \
         inferno_halide_matvec_f16_##isa},                                                     \
        {inferno_halide_matvec1_f32_##isa, inferno_halide_matvec1_bf16_##isa,                  \
         inferno_halide_matvec1_f16_##isa},                                                    \
        {inferno_halide_rms_norm_f32_##isa, inferno_halide_rms_norm_bf16_##isa,                \
         inferno_halide_rms_norm_f16_##isa},                                                   \
        inferno_halide_swiglu_##isa, inferno_halide_add_##isa, INFERNO_MATMUL_ROWS_M_##isa,    \
        INFERNO_MATMUL_ROWS_N_##isa, INFERNO_MATVEC_ROWS_##isa, isa::attention, isa::rope,     \
        isa::embeddingF32, isa::embeddingBf16, isa::embeddingF16                               \
  }

const Table kAvx2 = INFERNO_TABLE(avx2);
const Table kAvx512 = INFERNO_TABLE(avx512);

// ---- ISA selection.
std::atomic<int> selected{-1};  // an Isa, or -1 before the first call
std::once_flag initOnce;
constexpr Isa kIsas[] = {Isa::Scalar, Isa::Avx2, Isa::Avx512, Isa::Avx512Bf16, Isa::AmxBf16};

// AMX-BF16 and AMX-TILE (cpuid leaf 7, EDX bits 22 and 24), and Linux's permission to use the
// 8 KiB tile data state, which it grants per process on request (5.16+; the first use without
// it faults). Asked once; baseline code, so that it is safe on any CPU.
bool amxTileStateGranted() {
  static const bool granted = [] {
    unsigned a, b, c, d;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return false;
    if (!((d >> 22) & 1) || !((d >> 24) & 1)) return false;
    constexpr long kArchReqXcompPerm = 0x1023, kXfeatureXtiledata = 18;
    return syscall(SYS_arch_prctl, kArchReqXcompPerm, kXfeatureXtiledata) == 0;
  }();
  return granted;
}

bool cpuHas(Isa isa) {
  __builtin_cpu_init();
  const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
                    __builtin_cpu_supports("f16c");
  switch (isa) {
  case Isa::Scalar:
    return true;
  case Isa::Avx2:
    return avx2;
  case Isa::Avx512:
    return avx2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
  case Isa::Avx512Bf16:
    return cpuHas(Isa::Avx512) && __builtin_cpu_supports("avx512bf16");
  case Isa::AmxBf16:
    return cpuHas(Isa::Avx512Bf16) && amxTileStateGranted();
  }
  return false;
}

// The best ISA whose kernels keep float32 activations (INFERNO_KERNEL_ISA=exact).
Isa bestExactIsa() {
  if (cpuHas(Isa::Avx512)) return Isa::Avx512;
  if (cpuHas(Isa::Avx2)) return Isa::Avx2;
  return Isa::Scalar;
}

// What runs without INFERNO_KERNEL_ISA. amx-bf16 where the CPU has AMX: it rounds a bf16
// checkpoint's prefill activations to bf16 (as the checkpoint's own bf16 arithmetic would),
// which moves its logits by ~1e-2 against the float32-activation forward pass, for ~4× the
// prefill speed. avx512-bf16 (vdpbf16ps) rounds the same way for a gain that depends on the
// microarchitecture (none on Sapphire/Emerald Rapids, 2-3× on Zen 4/5), so it stays opt-in.
Isa defaultIsa() {
  if (cpuHas(Isa::AmxBf16)) return Isa::AmxBf16;
  return bestExactIsa();
}

void initialize() {
  std::call_once(initOnce, [] {
    halide_set_error_handler(halideErrorHandler);
    halide_set_custom_do_par_for(halideDoParFor);
    (void)ThreadPool::instance();
    Isa isa = defaultIsa();
    if (const char *env = std::getenv("INFERNO_KERNEL_ISA"); env && *env) {
      std::string want(env);
      bool known = want == "exact";
      if (known) isa = bestExactIsa();
      for (Isa candidate : kIsas) {
        if (want != isaName(candidate)) continue;
        known = true;
        if (cpuHas(candidate))
          isa = candidate;
        else
          std::fprintf(stderr,
                       "inferno kernels: INFERNO_KERNEL_ISA=%s is not supported by this CPU; "
                       "using %s\n",
                       env, isaName(isa));
      }
      if (!known)
        std::fprintf(stderr,
                     "inferno kernels: unknown INFERNO_KERNEL_ISA=%s "
                     "(exact|amx-bf16|avx512-bf16|avx512|avx2|scalar); "
                     "using %s\n",
                     env, isaName(isa));
    }
    int expected = -1;
    selected.compare_exchange_strong(expected, int(isa));
  });
}

Isa current() {
  int s = selected.load(std::memory_order_acquire);
  if (s < 0) {
    initialize();
    s = selected.load(std::memory_order_acquire);
  }
  return Isa(s);
}

const Table *table(Isa isa) {
  switch (isa) {
  case Isa::Avx2:
    return &kAvx2;
  case Isa::Avx512:
  case Isa::Avx512Bf16:
  case Isa::AmxBf16:
    return &kAvx512;
  default:
    return nullptr;
  }
}

// ---- Entry point bodies.

// From this many tokens on, bf16-weight matmuls under avx512-bf16 round the activations and use
// vdpbf16ps (compute-bound prefill); below, the float32 matvec reads the weights at memory speed
// anyway (decode), and keeps float32 activations.
constexpr int64_t kBf16DotMinTokens = 4;
using MatmulRef = void (*)(const float *, const void *, float *, int64_t, int64_t, int64_t);

void matmul(Format format, const float *x, const void *w, float *y, int64_t m, int64_t n,
            int64_t k, MatmulRef ref, const char *name) {
  if (m <= 0 || n <= 0) return;
  if (k <= 0) {
    std::memset(y, 0, sizeof(float) * size_t(m * n));
    return;
  }
  const Isa isa = current();
  if (format == BF16 && (isa == Isa::Avx512Bf16 || isa == Isa::AmxBf16) &&
      m >= kBf16DotMinTokens) {
    const auto *wb = static_cast<const uint16_t *>(w);
    if (isa == Isa::AmxBf16 && k % amx::kTileK == 0 && n >= amx::kBlockRows)
      amx::matmulBf16(x, wb, y, m, n, k);
    else
      avx512bf16::matmulBf16(x, wb, y, m, n, k);
    return;
  }
  const Table *t = table(isa);
  if (t && fitsInt32(k, n) && fitsInt32(m)) {
    // Tokens in register tiles when there are enough of them (prefill), k-blocked once the
    // activations no longer fit L2 comfortably; else one weight row at a time (decode).
    HalideMatmul fn = n >= t->matvecRows ? t->matvec[format] : t->matvec1[format];
    if (m >= t->matmulRowsM && n >= t->matmulRowsN)
      fn = k >= 2 * INFERNO_MATMUL_K_BLOCK ? t->matmulKb[format] : t->matmul[format];
    {
      Buffer bx = f32(x, k, m), by = f32(y, n, m);
      Buffer bw = format == F32 ? f32(static_cast<const float *>(w), k, n)
                                : u16(static_cast<const uint16_t *>(w), k, n);
      if (!halideFailed(fn(&bx, &bw, &by), name)) return;
    }
  }
  ref(x, w, y, m, n, k);  // scalar ISA, or a failure reported above
}

template <typename WT>
using NormScalar = void (*)(const float *, const WT *, float *, int64_t, int64_t, float);

template <typename WT>
void rmsNorm(Format format, const float *x, const WT *w, float *y, int64_t m, int64_t hidden,
             float eps, NormScalar<WT> scalar) {
  if (m <= 0 || hidden <= 0) return;
  const Table *t = table(current());
  if (t && fitsInt32(hidden, m)) {
    Buffer bx = f32(x, hidden, m), by = f32(y, hidden, m);
    Buffer bw = format == F32 ? f32(reinterpret_cast<const float *>(w), hidden)
                              : u16(reinterpret_cast<const uint16_t *>(w), hidden);
    if (!halideFailed(t->rmsNorm[format](&bx, &bw, eps, &by), "rms_norm")) return;
  }
  scalar(x, w, y, m, hidden, eps);
}

void binary(HalideBinary Table::*which, const float *a, const float *b, float *y, int64_t count,
            void (*scalar)(const float *, const float *, float *, int64_t), const char *name) {
  if (count <= 0) return;
  const Table *t = table(current());
  if (t) {
    // Halide extents are int32: large arrays go in chunks.
    constexpr int64_t kMax = int64_t(1) << 30;
    for (int64_t start = 0; start < count; start += kMax) {
      const int64_t len = count - start < kMax ? count - start : kMax;
      Buffer ba = f32(a + start, len), bb = f32(b + start, len), by = f32(y + start, len);
      if (halideFailed((t->*which)(&ba, &bb, &by), name)) {
        scalar(a + start, b + start, y + start, len);
      }
    }
    return;
  }
  scalar(a, b, y, count);
}

}  // namespace

// ---- Dispatch.h
const char *isaName(Isa isa) {
  switch (isa) {
  case Isa::Scalar:
    return "scalar";
  case Isa::Avx2:
    return "avx2";
  case Isa::Avx512:
    return "avx512";
  case Isa::Avx512Bf16:
    return "avx512-bf16";
  case Isa::AmxBf16:
    return "amx-bf16";
  }
  return "?";
}

bool cpuSupports(Isa isa) { return cpuHas(isa); }

std::vector<Isa> supportedIsas() {
  std::vector<Isa> out;
  for (Isa isa : kIsas)
    if (cpuHas(isa)) out.push_back(isa);
  return out;
}

Isa currentIsa() { return current(); }

Isa detectedIsa() { return defaultIsa(); }
Isa exactIsa() { return bestExactIsa(); }

bool matmulBf16RoundsActivations(int64_t m) {
  const Isa isa = current();
  return (isa == Isa::Avx512Bf16 || isa == Isa::AmxBf16) && m >= kBf16DotMinTokens;
}

bool setIsa(Isa isa) {
  initialize();
  if (!cpuHas(isa)) return false;
  selected.store(int(isa), std::memory_order_release);
  return true;
}

}  // namespace inferno::kernels

using namespace inferno::kernels;

extern "C" {

void inferno_matmul_f32(const float *x, const float *w, float *y, int64_t m, int64_t n,
                        int64_t k) {
  matmul(F32, x, w, y, m, n, k,
         [](const float *x, const void *w, float *y, int64_t m, int64_t n, int64_t k) {
           inferno_matmul_f32_ref(x, static_cast<const float *>(w), y, m, n, k);
         },
         "matmul_f32");
}

void inferno_matmul_bf16(const float *x, const uint16_t *w, float *y, int64_t m, int64_t n,
                         int64_t k) {
  matmul(BF16, x, w, y, m, n, k,
         [](const float *x, const void *w, float *y, int64_t m, int64_t n, int64_t k) {
           inferno_matmul_bf16_ref(x, static_cast<const uint16_t *>(w), y, m, n, k);
         },
         "matmul_bf16");
}

void inferno_matmul_f16(const float *x, const uint16_t *w, float *y, int64_t m, int64_t n,
                        int64_t k) {
  matmul(F16, x, w, y, m, n, k,
         [](const float *x, const void *w, float *y, int64_t m, int64_t n, int64_t k) {
           inferno_matmul_f16_ref(x, static_cast<const uint16_t *>(w), y, m, n, k);
         },
         "matmul_f16");
}

void inferno_embedding_f32(const int32_t *tokens, const float *table_, float *y, int64_t m,
                           int64_t hidden) {
  if (m <= 0 || hidden <= 0) return;
  const Table *t = table(current());
  (t ? t->embeddingF32 : scalar::embeddingF32)(tokens, table_, y, m, hidden);
}

void inferno_embedding_bf16(const int32_t *tokens, const uint16_t *table_, float *y, int64_t m,
                            int64_t hidden) {
  if (m <= 0 || hidden <= 0) return;
  const Table *t = table(current());
  (t ? t->embeddingBf16 : scalar::embeddingBf16)(tokens, table_, y, m, hidden);
}

void inferno_embedding_f16(const int32_t *tokens, const uint16_t *table_, float *y, int64_t m,
                           int64_t hidden) {
  if (m <= 0 || hidden <= 0) return;
  const Table *t = table(current());
  (t ? t->embeddingF16 : scalar::embeddingF16)(tokens, table_, y, m, hidden);
}

void inferno_rms_norm_f32(const float *x, const float *w, float *y, int64_t m, int64_t hidden,
                          float eps) {
  rmsNorm<float>(F32, x, w, y, m, hidden, eps, inferno_rms_norm_f32_ref);
}

void inferno_rms_norm_bf16(const float *x, const uint16_t *w, float *y, int64_t m, int64_t hidden,
                           float eps) {
  rmsNorm<uint16_t>(BF16, x, w, y, m, hidden, eps, scalar::rmsNormBf16);
}

void inferno_rms_norm_f16(const float *x, const uint16_t *w, float *y, int64_t m, int64_t hidden,
                          float eps) {
  rmsNorm<uint16_t>(F16, x, w, y, m, hidden, eps, scalar::rmsNormF16);
}

void inferno_rope(float *x, const int32_t *positions, const float *inv_freq, int64_t m,
                  int64_t heads, int64_t head_dim) {
  if (m <= 0 || heads <= 0 || head_dim < 2) return;
  const Table *t = table(current());
  (t ? t->rope : inferno_rope_ref)(x, positions, inv_freq, m, heads, head_dim);
}

void inferno_attention(const float *q, const float *k, const float *v, const int32_t *positions,
                       float *k_cache, float *v_cache, float *out, int64_t m, int64_t heads,
                       int64_t kv_heads, int64_t head_dim, int64_t max_positions) {
  if (m <= 0 || heads <= 0 || kv_heads <= 0 || head_dim <= 0) return;
  const Table *t = table(current());
  (t ? t->attention : inferno_attention_ref)(q, k, v, positions, k_cache, v_cache, out, m, heads,
                                             kv_heads, head_dim, max_positions);
}

void inferno_swiglu(const float *gate, const float *up, float *y, int64_t count) {
  binary(&Table::swiglu, gate, up, y, count, inferno_swiglu_ref, "swiglu");
}

void inferno_add(const float *a, const float *b, float *y, int64_t count) {
  binary(&Table::add, a, b, y, count, scalar::add, "add");
}

void inferno_set_num_threads(int32_t threads) {
  initialize();
  ThreadPool::instance().setNumThreads(threads);
}

int32_t inferno_get_num_threads(void) { return ThreadPool::instance().numThreads(); }

const char *inferno_kernel_isa(void) { return isaName(current()); }

}  // extern "C"
