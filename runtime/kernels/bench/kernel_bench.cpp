//===- kernel_bench.cpp - the kernel performance table of docs/kernels.md ------===//
//
// Usage: kernel-bench [--isa amx-bf16|avx512-bf16|avx512|avx2|scalar] [--threads 1,2] [--only matvec|matmul|small]
//                     [--quick]
// (--only peaks: just the read-bandwidth and arithmetic ceilings.)
//
// For each kernel and thread count: time per call, the achieved rate, and the ceiling measured
// in this same run, interleaved with the kernel so both see the same machine (this VM's memory
// bandwidth moves by ±30% with its neighbours' load):
//   * decode matvecs (memory-bound): GB/s of weights read. The ceiling is a streaming-read loop
//     over a 1 GiB buffer (far beyond any cache) on the same pool and thread count, one, two
//     and eight concurrent streams per task, the fastest of the three. Each round reads the ceiling buffer
//     once, then runs the matvec over enough copies of the weights (≥ 1 GiB) that every call
//     streams its weights from DRAM, as a decode step does;
//   * prefill matmuls (compute-bound): GFLOP/s against a float32 FMA loop (vfmadd231ps on the
//     widest vectors the selected ISA has, 12 independent chains per thread), or, for bf16
//     weights under avx512-bf16 (dtype "bf16*": activations rounded to bf16), a vdpbf16ps loop,
//     and under amx-bf16 (dtype "bf16+", rounded likewise) a TDPBF16PS loop.
// A row reports the medians over rounds of the kernel's rate and of the ceiling, and the median
// of the per-round ratios (the fraction column).
//
//===----------------------------------------------------------------------------===//
#include "inferno/kernels.h"

#include "runtime/kernels/AmxTiles.h"
#include "runtime/kernels/Convert.h"
#include "runtime/kernels/Dispatch.h"
#include "runtime/kernels/ThreadPool.h"

#include <immintrin.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

using namespace inferno::kernels;

namespace {

using Clock = std::chrono::steady_clock;

double seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

struct Aligned {
  void operator()(void *p) const { std::free(p); }
};
template <typename T>
std::unique_ptr<T[], Aligned> alloc(size_t count) {
  size_t bytes = ((count * sizeof(T) + 4095) / 4096) * 4096;
  return std::unique_ptr<T[], Aligned>(static_cast<T *>(std::aligned_alloc(4096, bytes)));
}

// Median time of fn() over at least `minReps` calls and `minSeconds`, after `warmup` calls.
double medianTime(const std::function<void(int)> &fn, int warmup = 2, int minReps = 9,
                  double minSeconds = 0.4) {
  for (int i = 0; i < warmup; ++i) fn(i);
  std::vector<double> t;
  auto start = Clock::now();
  for (int i = 0; int(t.size()) < minReps || seconds(start, Clock::now()) < minSeconds; ++i) {
    auto a = Clock::now();
    fn(warmup + i);
    t.push_back(seconds(a, Clock::now()));
    if (t.size() >= 2000) break;
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

// ---- Ceilings.
__attribute__((target("avx512f"))) float sumAvx512(const float *p, size_t n) {
  __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
  for (size_t i = 0; i + 64 <= n; i += 64) {
    a0 = _mm512_add_ps(a0, _mm512_load_ps(p + i));
    a1 = _mm512_add_ps(a1, _mm512_load_ps(p + i + 16));
    a2 = _mm512_add_ps(a2, _mm512_load_ps(p + i + 32));
    a3 = _mm512_add_ps(a3, _mm512_load_ps(p + i + 48));
  }
  return _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(a0, a1), _mm512_add_ps(a2, a3)));
}

__attribute__((target("avx2"))) float sumAvx2(const float *p, size_t n) {
  __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
  for (size_t i = 0; i + 32 <= n; i += 32) {
    a0 = _mm256_add_ps(a0, _mm256_load_ps(p + i));
    a1 = _mm256_add_ps(a1, _mm256_load_ps(p + i + 8));
    a2 = _mm256_add_ps(a2, _mm256_load_ps(p + i + 16));
    a3 = _mm256_add_ps(a3, _mm256_load_ps(p + i + 24));
  }
  __m256 s = _mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3));
  float out[8];
  _mm256_storeu_ps(out, s);
  return out[0] + out[1] + out[2] + out[3] + out[4] + out[5] + out[6] + out[7];
}

__attribute__((target("avx512f"))) float sum2Avx512(const float *p, const float *q, size_t n) {
  __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
  for (size_t i = 0; i + 32 <= n; i += 32) {
    a0 = _mm512_add_ps(a0, _mm512_load_ps(p + i));
    a1 = _mm512_add_ps(a1, _mm512_load_ps(p + i + 16));
    a2 = _mm512_add_ps(a2, _mm512_load_ps(q + i));
    a3 = _mm512_add_ps(a3, _mm512_load_ps(q + i + 16));
  }
  return _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(a0, a1), _mm512_add_ps(a2, a3)));
}

__attribute__((target("avx2"))) float sum2Avx2(const float *p, const float *q, size_t n) {
  __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
  for (size_t i = 0; i + 16 <= n; i += 16) {
    a0 = _mm256_add_ps(a0, _mm256_load_ps(p + i));
    a1 = _mm256_add_ps(a1, _mm256_load_ps(p + i + 8));
    a2 = _mm256_add_ps(a2, _mm256_load_ps(q + i));
    a3 = _mm256_add_ps(a3, _mm256_load_ps(q + i + 8));
  }
  __m256 s = _mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3));
  float out[8];
  _mm256_storeu_ps(out, s);
  return out[0] + out[1] + out[2] + out[3] + out[4] + out[5] + out[6] + out[7];
}

// Eight concurrent streams (p + j·n for j < 8), one vector each per iteration, as the decode
// matvec reads eight weight rows at once.
__attribute__((target("avx512f"))) float sum8Avx512(const float *p, size_t n) {
  __m512 a[8];
  for (int j = 0; j < 8; ++j) a[j] = _mm512_setzero_ps();
  for (size_t i = 0; i + 16 <= n; i += 16)
    for (int j = 0; j < 8; ++j) a[j] = _mm512_add_ps(a[j], _mm512_load_ps(p + j * n + i));
  for (int j = 1; j < 8; ++j) a[0] = _mm512_add_ps(a[0], a[j]);
  return _mm512_reduce_add_ps(a[0]);
}

__attribute__((target("avx2"))) float sum8Avx2(const float *p, size_t n) {
  __m256 a[8];
  for (int j = 0; j < 8; ++j) a[j] = _mm256_setzero_ps();
  for (size_t i = 0; i + 8 <= n; i += 8)
    for (int j = 0; j < 8; ++j) a[j] = _mm256_add_ps(a[j], _mm256_load_ps(p + j * n + i));
  for (int j = 1; j < 8; ++j) a[0] = _mm256_add_ps(a[0], a[j]);
  float out[8];
  _mm256_storeu_ps(out, a[0]);
  return out[0] + out[1] + out[2] + out[3] + out[4] + out[5] + out[6] + out[7];
}

// One streaming pass over the 1 GiB buffer on the pool (4 MiB tasks handed out dynamically,
// like the kernels' tasks), reading each task's chunk as 1, 2 or 8 concurrent streams;
// returns GB/s.
struct ReadBuffer {
  const float *data;
  size_t floats;
};

double readPass(const ReadBuffer &buf, bool avx512, int streams) {
  const size_t per = (size_t(4) << 20) / sizeof(float);
  const int64_t chunks = int64_t(buf.floats / per);
  volatile float sink = 0;
  auto a = Clock::now();
  ThreadPool::instance().parallelFor(0, chunks, [&](int64_t c) {
    const float *p = buf.data + size_t(c) * per;
    float s;
    if (streams == 8) s = avx512 ? sum8Avx512(p, per / 8) : sum8Avx2(p, per / 8);
    else if (streams == 2) s = avx512 ? sum2Avx512(p, p + per / 2, per / 2) : sum2Avx2(p, p + per / 2, per / 2);
    else s = avx512 ? sumAvx512(p, per) : sumAvx2(p, per);
    if (s == 1234.5f) sink = s;
  });
  return double(size_t(chunks) * per * sizeof(float)) / seconds(a, Clock::now()) / 1e9;
}

template <int kAcc>
__attribute__((target("avx512f"))) double fmaLoop512(long iters) {
  __m512 a[kAcc];
  for (int i = 0; i < kAcc; ++i) a[i] = _mm512_set1_ps(float(i) * 1e-3f);
  const __m512 b = _mm512_set1_ps(0.99999f), c = _mm512_set1_ps(1e-6f);
  for (long i = 0; i < iters; ++i)
    for (int j = 0; j < kAcc; ++j) a[j] = _mm512_fmadd_ps(a[j], b, c);
  float s = 0;
  for (int j = 0; j < kAcc; ++j) s += _mm512_reduce_add_ps(a[j]);
  return s;
}

template <int kAcc>
__attribute__((target("avx2,fma"))) double fmaLoop256(long iters) {
  __m256 a[kAcc];
  for (int i = 0; i < kAcc; ++i) a[i] = _mm256_set1_ps(float(i) * 1e-3f);
  const __m256 b = _mm256_set1_ps(0.99999f), c = _mm256_set1_ps(1e-6f);
  for (long i = 0; i < iters; ++i)
    for (int j = 0; j < kAcc; ++j) a[j] = _mm256_fmadd_ps(a[j], b, c);
  float out[8];
  __m256 s = a[0];
  for (int j = 1; j < kAcc; ++j) s = _mm256_add_ps(s, a[j]);
  _mm256_storeu_ps(out, s);
  return out[0];
}

template <int kAcc>
__attribute__((target("avx512f,avx512bf16"))) double dpbf16Loop512(long iters) {
  __m512 a[kAcc];
  for (int i = 0; i < kAcc; ++i) a[i] = _mm512_set1_ps(float(i) * 1e-3f);
  const __m512bh b = (__m512bh)_mm512_set1_epi16(0x3f80), c = (__m512bh)_mm512_set1_epi16(0x3380);
  for (long i = 0; i < iters; ++i)
    for (int j = 0; j < kAcc; ++j) a[j] = _mm512_dpbf16_ps(a[j], b, c);
  float s = 0;
  for (int j = 0; j < kAcc; ++j) s += _mm512_reduce_add_ps(a[j]);
  return s;
}

// One bf16 dot-product throughput measurement (vdpbf16ps zmm: 32 products and 32 additions
// per instruction, 12 independent chains per thread) on the pool; GFLOP/s.
double dpbf16Pass() {
  const int threads = ThreadPool::instance().numThreads();
  const long iters = 400000;
  volatile double sink = 0;
  auto a = Clock::now();
  ThreadPool::instance().parallelFor(0, threads, [&](int64_t) { sink = dpbf16Loop512<12>(iters); });
  const double flops = double(threads) * iters * 12 * 32 * 2;
  return flops / seconds(a, Clock::now()) / 1e9;
}

// AMX: TDPBF16PS on four independent accumulator tiles (16 × 16 float32 each, 16 × 32 by
// 32 × 16 bf16: 16384 FLOP an instruction). The tile state is granted (Isa::AmxBf16 is selected).
__attribute__((target("amx-tile,amx-bf16"))) void amxLoop(long iters) {
  alignas(64) static const uint16_t operand[16 * 32] = {};
  _tile_loadconfig(&amx::kTileConfig);
  _tile_loadd(4, operand, 64);
  _tile_loadd(5, operand, 64);
  _tile_loadd(6, operand, 64);
  _tile_loadd(7, operand, 64);
  _tile_zero(0);
  _tile_zero(1);
  _tile_zero(2);
  _tile_zero(3);
  for (long i = 0; i < iters; ++i) {
    _tile_dpbf16ps(0, 4, 6);
    _tile_dpbf16ps(1, 4, 7);
    _tile_dpbf16ps(2, 5, 6);
    _tile_dpbf16ps(3, 5, 7);
  }
  _tile_release();
}

// One AMX bf16 throughput measurement on the pool; GFLOP/s.
double amxPass() {
  const int threads = ThreadPool::instance().numThreads();
  const long iters = 50000;
  auto a = Clock::now();
  ThreadPool::instance().parallelFor(0, threads, [&](int64_t) { amxLoop(iters); });
  const double flops = double(threads) * iters * 4 * 16 * 16 * 32 * 2;
  return flops / seconds(a, Clock::now()) / 1e9;
}

// One float32 FMA-throughput measurement on the pool (each thread runs the loop once); GFLOP/s.
double fmaPass(bool avx512) {
  const int threads = ThreadPool::instance().numThreads();
  const long iters = 400000;
  volatile double sink = 0;
  auto a = Clock::now();
  ThreadPool::instance().parallelFor(0, threads, [&](int64_t) {
    sink = avx512 ? fmaLoop512<12>(iters) : fmaLoop256<12>(iters);
  });
  const double flops = double(threads) * iters * 12 * (avx512 ? 16 : 8) * 2;
  return flops / seconds(a, Clock::now()) / 1e9;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

// ---- Table.
struct Row {
  std::string kernel, shape, dtype;
  int threads;
  double time;
  double rate;  // GB/s or GFLOP/s; 0 = not applicable
  const char *unit;
  double ceiling;
  double fraction;  // median of per-round rate / ceiling
};

std::vector<Row> rows;

void printRow(const Row &r) {
  char rate[64] = "", ceil[64] = "", frac[32] = "";
  if (r.rate > 0) std::snprintf(rate, sizeof rate, "%.1f %s", r.rate, r.unit);
  if (r.ceiling > 0) {
    std::snprintf(ceil, sizeof ceil, "%.1f %s", r.ceiling, r.unit);
    std::snprintf(frac, sizeof frac, "%.0f%%", 100 * r.fraction);
  }
  const double us = r.time * 1e6;
  char time[32];
  if (us <= 0) std::snprintf(time, sizeof time, "-");
  else if (us >= 1000) std::snprintf(time, sizeof time, "%.3f ms", us / 1000);
  else std::snprintf(time, sizeof time, "%.1f us", us);
  std::printf("| %-9s | %-22s | %-5s | %d | %11s | %14s | %14s | %5s |\n", r.kernel.c_str(),
              r.shape.c_str(), r.dtype.c_str(), r.threads, time, rate, ceil, frac);
  std::fflush(stdout);
}

std::vector<float> randomFloats(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> d(-1.0f, 1.0f);
  std::vector<float> v(n);
  for (auto &x : v) x = d(rng);
  return v;
}

// Q8 / Q4: weights quantized at compile time (inferno_matmul_q8 / _q4, int4 in groups of 128),
// each copy the quantized values followed by their f32 scales.
enum class Dt { F32, BF16, F16, Q8, Q4 };
constexpr int64_t kQ4Group = 128;
const char *dtName(Dt d) {
  return d == Dt::F32 ? "f32" : d == Dt::BF16 ? "bf16" : d == Dt::F16 ? "f16" : d == Dt::Q8 ? "int8" : "int4";
}
size_t dtBytes(Dt d) { return d == Dt::F32 ? 4 : 2; }
// Bytes of one [n, k] weight as stored, scales included.
size_t weightBytes(Dt d, int64_t n, int64_t k) {
  if (d == Dt::Q8) return size_t(n * k + n * 4);
  if (d == Dt::Q4) return size_t(n * k / 2 + n * (k / kQ4Group) * 4);
  return size_t(n * k) * dtBytes(d);
}

void callMatmul(Dt d, const float *x, const void *w, float *y, int64_t m, int64_t n, int64_t k) {
  const auto *bytes = static_cast<const uint8_t *>(w);
  if (d == Dt::Q8)
    inferno_matmul_q8(x, reinterpret_cast<const int8_t *>(bytes),
                      reinterpret_cast<const float *>(bytes + n * k), y, m, n, k);
  else if (d == Dt::Q4)
    inferno_matmul_q4(x, bytes, reinterpret_cast<const float *>(bytes + n * k / 2), y, m, n, k,
                      kQ4Group);
  else if (d == Dt::F32) inferno_matmul_f32(x, static_cast<const float *>(w), y, m, n, k);
  else if (d == Dt::BF16) inferno_matmul_bf16(x, static_cast<const uint16_t *>(w), y, m, n, k);
  else inferno_matmul_f16(x, static_cast<const uint16_t *>(w), y, m, n, k);
}

// Weights: random values in the storage format, `copies` of them back to back.
std::unique_ptr<uint8_t[], Aligned> makeWeights(Dt d, int64_t n, int64_t k, int copies) {
  const size_t bytes = weightBytes(d, n, k);
  auto w = alloc<uint8_t>(bytes * copies);
  std::mt19937 rng(42);
  if (d == Dt::Q8 || d == Dt::Q4) {
    const size_t values = d == Dt::Q8 ? size_t(n * k) : size_t(n * k / 2);
    std::uniform_int_distribution<int> byte(d == Dt::Q8 ? 1 : 0, 255); // int8: no -128
    for (size_t i = 0; i < values; ++i) w[i] = uint8_t(byte(rng));
    for (size_t i = values; i < bytes; i += 4) {
      const float scale = 1e-3f;
      std::memcpy(w.get() + i, &scale, 4);
    }
    for (int c = 1; c < copies; ++c) std::memcpy(w.get() + c * bytes, w.get(), bytes);
    return w;
  }
  std::uniform_real_distribution<float> dist(-0.05f, 0.05f);
  for (size_t i = 0; i < size_t(n * k); ++i) {
    float f = dist(rng);
    if (d == Dt::F32) std::memcpy(w.get() + i * 4, &f, 4);
    else {
      uint16_t h = d == Dt::BF16 ? floatToBf16(f) : floatToF16(f);
      std::memcpy(w.get() + i * 2, &h, 2);
    }
  }
  for (int c = 1; c < copies; ++c) std::memcpy(w.get() + c * bytes, w.get(), bytes);
  return w;
}

struct Env {
  ReadBuffer readBuf;
  bool avx512;
  bool quick;
  int threads;
};

// The ceiling of one round: the fastest of the 1-, 2- and 8-stream read passes.
double readCeilingPass(const Env &env) {
  return std::max({readPass(env.readBuf, env.avx512, 1), readPass(env.readBuf, env.avx512, 2),
                   readPass(env.readBuf, env.avx512, 8)});
}

void benchMatvec(const Env &env, Dt d, int64_t n, int64_t k) {
  const size_t bytes = weightBytes(d, n, k);
  const size_t target = size_t(env.quick ? 512 : 1024) << 20;
  const int copies = int(std::max<size_t>(2, (target + bytes - 1) / bytes));
  auto w = makeWeights(d, n, k, copies);
  auto x = randomFloats(size_t(k), 1);
  std::vector<float> y(static_cast<size_t>(n));
  auto call = [&](int c) { callMatmul(d, x.data(), w.get() + size_t(c) * bytes, y.data(), 1, n, k); };
  for (int c = 0; c < copies; ++c) call(c);  // warm-up: page in every copy
  std::vector<double> rate, ceiling, fraction, perCall;
  const int rounds = env.quick ? 3 : 7;
  for (int r = 0; r < rounds; ++r) {
    const double ceil = readCeilingPass(env);
    std::vector<double> t;
    auto start = Clock::now();
    for (int c = 0; c < copies; ++c) {
      auto a = Clock::now();
      call(c);
      t.push_back(seconds(a, Clock::now()));
    }
    const double gbs = double(bytes) * copies / seconds(start, Clock::now()) / 1e9;
    rate.push_back(gbs);
    ceiling.push_back(ceil);
    fraction.push_back(gbs / ceil);
    perCall.push_back(median(t));
  }
  Row r{"matvec", "[" + std::to_string(n) + ", " + std::to_string(k) + "] m=1", dtName(d),
        env.threads, median(perCall), median(rate), "GB/s", median(ceiling), median(fraction)};
  printRow(r);
  rows.push_back(r);
}

void benchMatmul(const Env &env, Dt d, int64_t m, int64_t n, int64_t k) {
  auto w = makeWeights(d, n, k, 1);
  auto x = randomFloats(size_t(m * k), 2);
  std::vector<float> y(size_t(m * n));
  auto call = [&] { callMatmul(d, x.data(), w.get(), y.data(), m, n, k); };
  call();
  std::vector<double> rate, ceiling, fraction, perCall;
  const int rounds = env.quick ? 3 : 7;
  const double flops = 2.0 * m * n * k;
  // Rounded bf16 activations run on vdpbf16ps or AMX tiles: their throughput is the ceiling.
  const bool dot = d == Dt::BF16 && matmulBf16RoundsActivations(m);
  const bool amx = dot && currentIsa() == Isa::AmxBf16;
  for (int r = 0; r < rounds; ++r) {
    const double peak = amx ? amxPass() : dot ? dpbf16Pass() : fmaPass(env.avx512);
    std::vector<double> t;
    auto start = Clock::now();
    while (t.size() < 3 || seconds(start, Clock::now()) < (env.quick ? 0.03 : 0.08)) {
      auto a = Clock::now();
      call();
      t.push_back(seconds(a, Clock::now()));
    }
    const double tc = median(t);
    rate.push_back(flops / tc / 1e9);
    ceiling.push_back(peak);
    fraction.push_back(flops / tc / 1e9 / peak);
    perCall.push_back(tc);
  }
  Row r{"matmul", "[" + std::to_string(n) + ", " + std::to_string(k) + "] m=" + std::to_string(m),
        amx ? "bf16+" : dot ? "bf16*" : dtName(d), env.threads, median(perCall), median(rate), "GFLOP/s", median(ceiling),
        median(fraction)};
  printRow(r);
  rows.push_back(r);
}

void benchSmall(int threads, bool quick) {
  const double minT = quick ? 0.1 : 0.3;
  // RMSNorm, SwiGLU, add at decode and prefill sizes (hidden 2048, ffn 8192).
  for (int64_t m : {1, 64}) {
    auto x = randomFloats(size_t(m * 2048), 3), y = x;
    std::vector<uint16_t> w(2048, 0x3f80);
    double t = medianTime([&](int) { inferno_rms_norm_bf16(x.data(), w.data(), y.data(), m, 2048, 1e-5f); }, 2, 9, minT);
    Row r{"rms_norm", "[" + std::to_string(m) + ", 2048]", "bf16", threads, t, 0, "", 0, 0};
    printRow(r);
    rows.push_back(r);
    auto g = randomFloats(size_t(m * 8192), 4), u = randomFloats(size_t(m * 8192), 5);
    std::vector<float> o(size_t(m * 8192));
    t = medianTime([&](int) { inferno_swiglu(g.data(), u.data(), o.data(), m * 8192); }, 2, 9, minT);
    r = Row{"swiglu", "[" + std::to_string(m) + ", 8192]", "f32", threads, t, 0, "", 0, 0};
    printRow(r);
    rows.push_back(r);
    t = medianTime([&](int) { inferno_add(x.data(), y.data(), y.data(), m * 2048); }, 2, 9, minT);
    r = Row{"add", "[" + std::to_string(m) + ", 2048]", "f32", threads, t, 0, "", 0, 0};
    printRow(r);
    rows.push_back(r);
  }
  // RoPE and attention for the Llama-3.2-1B layer: 32 heads, 8 kv heads, head_dim 64.
  const int64_t heads = 32, kvHeads = 8, hd = 64, maxPos = 2048;
  std::vector<float> kc(size_t(maxPos * kvHeads * hd)), vc(kc.size());
  {
    auto r0 = randomFloats(kc.size(), 6);
    kc = r0;
    vc = randomFloats(kc.size(), 7);
  }
  std::vector<float> invFreq(hd / 2);
  for (int64_t j = 0; j < hd / 2; ++j) invFreq[j] = float(std::pow(500000.0, -2.0 * j / hd));
  for (int64_t m : {1, 64}) {
    auto q = randomFloats(size_t(m * heads * hd), 8);
    auto k = randomFloats(size_t(m * kvHeads * hd), 9), v = randomFloats(size_t(m * kvHeads * hd), 10);
    std::vector<float> out(q.size());
    for (int64_t start : {int64_t(0), int64_t(1000)}) {
      if (m == 64 && start == 1000) continue;
      std::vector<int32_t> pos(m);
      for (int64_t i = 0; i < m; ++i) pos[i] = int32_t((m == 1 ? 1000 : start) + i);
      if (m == 1 && start == 0) continue;
      double t = medianTime([&](int) {
        inferno_attention(q.data(), k.data(), v.data(), pos.data(), kc.data(), vc.data(),
                          out.data(), m, heads, kvHeads, hd, maxPos);
      }, 2, 9, minT);
      const std::string shape = m == 1 ? "32/8x64, pos 1000" : "32/8x64, m=64 pos 0..63";
      Row r{"attention", shape, "f32", threads, t, 0, "", 0, 0};
      printRow(r);
      rows.push_back(r);
    }
    std::vector<int32_t> pos(m);
    for (int64_t i = 0; i < m; ++i) pos[i] = int32_t(1000 + i);
    double t = medianTime([&](int) { inferno_rope(q.data(), pos.data(), invFreq.data(), m, heads, hd); }, 2, 9, minT);
    Row r{"rope", "32x64, m=" + std::to_string(m), "f32", threads, t, 0, "", 0, 0};
    printRow(r);
    rows.push_back(r);
  }
}

}  // namespace

int main(int argc, char **argv) {
  std::vector<int> threadCounts{1, 2};
  bool quick = false;
  std::string only;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--isa" && i + 1 < argc) {
      std::string want = argv[++i];
      bool ok = false;
      for (Isa isa : supportedIsas())
        if (want == isaName(isa)) ok = setIsa(isa);
      if (!ok) {
        std::fprintf(stderr, "ISA %s not supported here\n", want.c_str());
        return 1;
      }
    } else if (a == "--threads" && i + 1 < argc) {
      threadCounts.clear();
      std::string list = argv[++i];
      for (size_t p = 0; p < list.size();) {
        size_t q = list.find(',', p);
        threadCounts.push_back(std::atoi(list.substr(p, q - p).c_str()));
        p = q == std::string::npos ? list.size() : q + 1;
      }
    } else if (a == "--only" && i + 1 < argc) {
      only = argv[++i];
    } else if (a == "--quick") {
      quick = true;
    } else {
      std::fprintf(stderr,
                   "usage: %s [--isa amx-bf16|avx512-bf16|avx512|avx2|scalar] [--threads 1,2] "
                   "[--only matvec|matmul|small|peaks] [--quick]\n",
                   argv[0]);
      return 2;
    }
  }
  const bool avx512 = currentIsa() == Isa::Avx512 || currentIsa() == Isa::Avx512Bf16 ||
                      currentIsa() == Isa::AmxBf16;
  std::printf("kernel ISA: %s; hardware threads: %d\n\n", inferno_kernel_isa(),
              int(std::thread::hardware_concurrency()));

  const size_t bwFloats = (size_t(1) << 30) / sizeof(float);
  auto bw = alloc<float>(bwFloats);
  for (size_t i = 0; i < bwFloats; ++i) bw[i] = 1.0f;

  std::printf("| kernel    | shape                  | dtype | T |        time |           rate |        ceiling |  frac |\n");
  std::printf("|-----------|------------------------|-------|---|-------------|----------------|----------------|-------|\n");
  for (int threads : threadCounts) {
    inferno_set_num_threads(threads);
    Env env{ReadBuffer{bw.get(), bwFloats}, avx512, quick, threads};
    {
      std::vector<double> one, two, eight, fma;
      for (int r = 0; r < 5; ++r) {
        one.push_back(readPass(env.readBuf, avx512, 1));
        two.push_back(readPass(env.readBuf, avx512, 2));
        eight.push_back(readPass(env.readBuf, avx512, 8));
        fma.push_back(fmaPass(avx512));
      }
      printRow(Row{"read-bw", "1 GiB, 1 stream/task", "-", threads, 0, median(one), "GB/s", 0, 0});
      printRow(Row{"read-bw", "1 GiB, 2 streams/task", "-", threads, 0, median(two), "GB/s", 0, 0});
      printRow(Row{"read-bw", "1 GiB, 8 streams/task", "-", threads, 0, median(eight), "GB/s", 0, 0});
      printRow(Row{"fma-peak", avx512 ? "zmm vfmadd231ps" : "ymm vfmadd231ps", "f32", threads, 0,
                   median(fma), "GFLOP/s", 0, 0});
      if (currentIsa() == Isa::Avx512Bf16 || currentIsa() == Isa::AmxBf16) {
        std::vector<double> dp;
        for (int r = 0; r < 5; ++r) dp.push_back(dpbf16Pass());
        printRow(Row{"dot-peak", "zmm vdpbf16ps", "bf16", threads, 0, median(dp), "GFLOP/s", 0, 0});
      }
      if (currentIsa() == Isa::AmxBf16) {
        std::vector<double> tiles;
        for (int r = 0; r < 5; ++r) tiles.push_back(amxPass());
        printRow(Row{"amx-peak", "tdpbf16ps", "bf16", threads, 0, median(tiles), "GFLOP/s", 0, 0});
      }
      if (only == "peaks") continue;
    }
    if (only.empty() || only == "matvec") {
      benchMatvec(env, Dt::BF16, 2048, 2048);
      benchMatvec(env, Dt::BF16, 512, 2048);
      benchMatvec(env, Dt::BF16, 8192, 2048);
      benchMatvec(env, Dt::BF16, 2048, 8192);
      benchMatvec(env, Dt::BF16, 128256, 2048);
      benchMatvec(env, Dt::F16, 8192, 2048);
      benchMatvec(env, Dt::F32, 8192, 2048);
      benchMatvec(env, Dt::Q8, 8192, 2048);
      benchMatvec(env, Dt::Q4, 8192, 2048);
    }
    if (only.empty() || only == "matmul") {
      benchMatmul(env, Dt::BF16, 64, 2048, 2048);
      benchMatmul(env, Dt::BF16, 64, 8192, 2048);
      benchMatmul(env, Dt::BF16, 64, 2048, 8192);
      benchMatmul(env, Dt::F16, 64, 8192, 2048);
      benchMatmul(env, Dt::F32, 64, 8192, 2048);
      benchMatmul(env, Dt::Q8, 64, 8192, 2048);
      benchMatmul(env, Dt::Q4, 64, 8192, 2048);
      if (!quick) benchMatmul(env, Dt::BF16, 64, 128256, 2048);
    }
    if (only.empty() || only == "small") benchSmall(threads, quick);
  }
  return 0;
}
