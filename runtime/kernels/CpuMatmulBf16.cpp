//===- CpuMatmulBf16.cpp - bf16 × bf16 dot-product matmul (AVX512_BF16) --------===//
//
// y[m, n] = bf16(x)[m, k] · W[n, k]ᵀ for bf16 weights and m ≥ 4 (prefill), with vdpbf16ps:
// each instruction multiplies 32 bf16 pairs and adds them into 16 float32 lanes, twice the
// products per instruction of a float32 FMA, and the weights need no widening. The activations
// are rounded to bf16 first (round to nearest even, Convert.h's floatToBf16; NaN stays NaN),
// once per call into a zero-padded buffer; the products are exact in float32 and accumulate in
// float32. Only bf16 checkpoints take this path (their weights already carry bf16 precision);
// float32 and f16 weights keep exact float32 activations.
//
// Compiled with -mavx512bf16 (CMakeLists.txt) and called only when the CPU reports AVX512_BF16
// (Dispatch.h, Isa::Avx512Bf16). Like CpuKernelsImpl.inc, this file instantiates no standard
// library template or inline function (see Parallel.h); its own templates have internal linkage.
//
// Blocking: a register tile of kRowsM tokens × kRowsN weight rows (24 accumulators, 4 + 1
// vector registers for operands) over one k block of kBlockK elements. A task owns kTaskTiles
// tiles of weight rows; per k block it sweeps every token tile, and for each token tile all of
// its weight tiles, so the token tile (4 × 2048 bf16 = 16 KiB) stays in L1 while the task's
// weight rows (48 × 4 KiB) stream from L2. k blocks after the first add into y, in a fixed
// order: every output is computed by one task the same way whatever the thread count.
//
//===----------------------------------------------------------------------------===//
#include "runtime/kernels/CpuKernels.h"
#include "runtime/kernels/Parallel.h"

#include <immintrin.h>
#include <string.h>

#if !defined(__AVX512BF16__)
#error "CpuMatmulBf16.cpp must be compiled with -mavx512bf16"
#endif

namespace inferno::kernels::avx512bf16 {
namespace {

constexpr int kRowsM = 4;
constexpr int kRowsN = 6;
constexpr int64_t kTaskTiles = 8;
constexpr int64_t kBlockK = 2048;  // a multiple of 32

// float32 → bf16 for 16 lanes, exactly as Convert.h's floatToBf16: round to nearest even,
// NaN → quiet NaN. (vcvtneps2bf16 would treat subnormal inputs as zero.)
inline __m256i roundToBf16(__m512 v) {
  const __m512i u = _mm512_castps_si512(v);
  const __m512i high = _mm512_srli_epi32(u, 16);
  const __m512i lsb = _mm512_and_si512(high, _mm512_set1_epi32(1));
  __m512i r = _mm512_srli_epi32(
      _mm512_add_epi32(_mm512_add_epi32(u, _mm512_set1_epi32(0x7fff)), lsb), 16);
  const __mmask16 nan = _mm512_cmpgt_epu32_mask(
      _mm512_and_si512(u, _mm512_set1_epi32(0x7fffffff)), _mm512_set1_epi32(0x7f800000));
  r = _mm512_mask_or_epi32(r, nan, high, _mm512_set1_epi32(0x40));
  return _mm512_cvtepi32_epi16(r);
}

struct Job {
  const float *x;
  uint16_t *xb;  // [m][kPadded] bf16, zero past k
  int64_t kPadded;
  const uint16_t *w;
  float *y;
  int64_t m, n, k;
};

int convertRow(void *context, int64_t i) {
  const Job &job = *static_cast<const Job *>(context);
  const float *src = job.x + i * job.k;
  uint16_t *dst = job.xb + i * job.kPadded;
  for (int64_t kk = 0; kk < job.kPadded; kk += 16) {
    const int64_t left = job.k - kk;
    const __mmask16 mask = left >= 16 ? __mmask16(0xffff)
                           : left > 0 ? __mmask16((1u << left) - 1u)
                                      : __mmask16(0);
    const __m512 v = _mm512_maskz_loadu_ps(mask, src + kk);
    _mm256_storeu_si256(reinterpret_cast<__m256i *>(dst + kk), roundToBf16(v));
  }
  return 0;
}

inline __m512bh asBh(__m512i v) { return (__m512bh)v; }

// Outputs y[i][j] (+)= Σ over the block of xb[i]·w[j], for RM tokens × RN weight rows.
template <int RM, int RN>
void tile(const uint16_t *xb, int64_t xStride, const uint16_t *w, int64_t wStride, int64_t len,
          float *y, int64_t yStride, bool accumulate) {
  __m512 acc[RM][RN];
  for (int i = 0; i < RM; ++i)
    for (int j = 0; j < RN; ++j) acc[i][j] = _mm512_setzero_ps();
  int64_t kk = 0;
  for (; kk + 32 <= len; kk += 32) {
    __m512i wv[RN];
    for (int j = 0; j < RN; ++j) wv[j] = _mm512_loadu_si512(w + j * wStride + kk);
    for (int i = 0; i < RM; ++i) {
      const __m512i xv = _mm512_loadu_si512(xb + i * xStride + kk);
      for (int j = 0; j < RN; ++j) acc[i][j] = _mm512_dpbf16_ps(acc[i][j], asBh(xv), asBh(wv[j]));
    }
  }
  if (kk < len) {  // the k tail of the last block: masked weights, zero-padded activations
    const __mmask32 mask = __mmask32((uint64_t(1) << (len - kk)) - 1);
    __m512i wv[RN];
    for (int j = 0; j < RN; ++j) wv[j] = _mm512_maskz_loadu_epi16(mask, w + j * wStride + kk);
    for (int i = 0; i < RM; ++i) {
      const __m512i xv = _mm512_loadu_si512(xb + i * xStride + kk);
      for (int j = 0; j < RN; ++j) acc[i][j] = _mm512_dpbf16_ps(acc[i][j], asBh(xv), asBh(wv[j]));
    }
  }
  for (int i = 0; i < RM; ++i)
    for (int j = 0; j < RN; ++j) {
      // A fixed reduction tree (512 → 256 → 128 → 4 → 1 lanes).
      const __m256 h = _mm256_add_ps(_mm512_castps512_ps256(acc[i][j]),
                                     _mm256_castpd_ps(_mm512_extractf64x4_pd(
                                         _mm512_castps_pd(acc[i][j]), 1)));
      __m128 q = _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
      q = _mm_add_ps(q, _mm_movehl_ps(q, q));
      q = _mm_add_ss(q, _mm_movehdup_ps(q));
      float *out = y + i * yStride + j;
      *out = accumulate ? *out + _mm_cvtss_f32(q) : _mm_cvtss_f32(q);
    }
}

using TileFn = void (*)(const uint16_t *, int64_t, const uint16_t *, int64_t, int64_t, float *,
                        int64_t, bool);

template <int RM>
struct TileRow {
  static constexpr TileFn fns[kRowsN] = {tile<RM, 1>, tile<RM, 2>, tile<RM, 3>,
                                         tile<RM, 4>, tile<RM, 5>, tile<RM, 6>};
};
static_assert(kRowsM == 4 && kRowsN == 6, "the tile tables list 4 × 6 shapes");
constexpr const TileFn *kTiles[kRowsM] = {TileRow<1>::fns, TileRow<2>::fns, TileRow<3>::fns,
                                          TileRow<4>::fns};

int rowTask(void *context, int64_t t) {
  const Job &job = *static_cast<const Job *>(context);
  const int64_t n0 = t * kTaskTiles * kRowsN;
  const int64_t n1 = n0 + kTaskTiles * kRowsN < job.n ? n0 + kTaskTiles * kRowsN : job.n;
  for (int64_t k0 = 0; k0 < job.k; k0 += kBlockK) {
    const int64_t len = job.k - k0 < kBlockK ? job.k - k0 : kBlockK;
    for (int64_t i0 = 0; i0 < job.m; i0 += kRowsM) {
      const int64_t rm = job.m - i0 < kRowsM ? job.m - i0 : kRowsM;
      for (int64_t j0 = n0; j0 < n1; j0 += kRowsN) {
        const int64_t rn = n1 - j0 < kRowsN ? n1 - j0 : kRowsN;
        kTiles[rm - 1][rn - 1](job.xb + i0 * job.kPadded + k0, job.kPadded,
                               job.w + j0 * job.k + k0, job.k, len, job.y + i0 * job.n + j0,
                               job.n, k0 > 0);
      }
    }
  }
  return 0;
}

}  // namespace

void matmulBf16(const float *x, const uint16_t *w, float *y, int64_t m, int64_t n, int64_t k) {
  const int64_t kPadded = (k + 31) / 32 * 32;
  // The caller's scratch (no task below asks for scratch, so it stays valid throughout).
  uint16_t *xb = reinterpret_cast<uint16_t *>(threadScratch(size_t((m * kPadded + 1) / 2)));
  Job job{x, xb, kPadded, w, y, m, n, k};
  parallelFor(0, m, convertRow, &job);
  const int64_t taskRows = kTaskTiles * kRowsN;
  parallelFor(0, (n + taskRows - 1) / taskRows, rowTask, &job);
}

}  // namespace inferno::kernels::avx512bf16
