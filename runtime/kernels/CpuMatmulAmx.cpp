//===- CpuMatmulAmx.cpp - bf16 × bf16 matmul on AMX tiles -----------------------===//
//
// y[m, n] = bf16(x)[m, k] · W[n, k]ᵀ for bf16 weights and m ≥ 4 (prefill) with Intel AMX:
// one TDPBF16PS multiplies a 16 × 32 bf16 tile by a 32 × 16 one into 16 × 16 float32 sums
// (16384 FLOP an instruction, against 64 for a 512-bit vdpbf16ps). The arithmetic is
// avx512-bf16's (CpuMatmulBf16.cpp): activations rounded to bf16 with Convert.h's rounding,
// exact products, float32 sums; only the order of the sums differs.
//
// The weights need no packing: the A operand is 16 weight rows × 32 k, loaded straight from
// the checkpoint's k-contiguous rows with a row stride, so the tiles compute yᵀ. The B operand
// wants its 32 × 16 block as 16 rows of (k, k + 1) pairs: a bf16 activation row read as 32-bit
// words is exactly those pairs, so packing is a transpose of 32-bit words, once per call,
// into panels of 16 tokens (zero past m).
//
// Blocking: a task owns 32 weight rows (two A tiles) and sweeps the tokens 32 at a time (two B
// tiles, four accumulator tiles), so the task's rows (32 × k bf16, ≤ 512 KiB for k = 8192)
// stay in L2 across token blocks while each weight is read from memory once per call. The last
// row block shifts inwards (n ≥ 32), recomputing a few rows with the same bits. Every output is
// computed by one task in a fixed order whatever the thread count.
//
// Needs k a multiple of 32 (a tile row is 32 bf16; a partial one would read the next weight
// row) and n ≥ 32; the dispatcher sends other shapes to the vdpbf16ps kernel.
//
// Compiled with -mamx-tile -mamx-bf16 and the AVX-512 flags (CMakeLists.txt); called only under
// Isa::AmxBf16, which Kernels.cpp grants after checking cpuid and asking Linux for the tile
// state (baseline code: nothing here may run on a CPU without AMX). Like CpuMatmulBf16.cpp, it
// instantiates no standard library template or inline function.
//
//===----------------------------------------------------------------------------===//
#include "runtime/kernels/AmxTiles.h"
#include "runtime/kernels/CpuKernels.h"
#include "runtime/kernels/Parallel.h"

#include <immintrin.h>
#include <string.h>

#if !defined(__AMX_BF16__) || !defined(__AMX_TILE__)
#error "CpuMatmulAmx.cpp must be compiled with -mamx-tile -mamx-bf16"
#endif

namespace inferno::kernels::amx {
namespace {

constexpr int64_t kTile = 16;          // rows of every tile; tokens or weight rows per tile
constexpr int64_t kBlockN = kBlockRows;  // weight rows per task: two A tiles
constexpr int64_t kBlockM = 32;        // tokens per sweep: two B tiles

// Tiles (kTileConfig: eight of 16 × 64 bytes): 0-3 the accumulators (the sums of A tile 4 + a
// and B tile 6 + b in tile 2a + b), 4-5 weight rows (A), 6-7 tokens (B).

// Convert.h's floatToBf16, restated: including that header's inline functions here would
// compile them with AMX flags, and the linker may keep this copy for the whole program.
inline uint16_t roundToBf16(float f) {
  uint32_t u;
  memcpy(&u, &f, 4);
  if ((u & 0x7fffffffu) > 0x7f800000u) return uint16_t((u >> 16) | 0x40);  // quiet NaN
  return uint16_t((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
}

struct Job {
  const float *x;
  uint32_t *panels;  // [ceil(m / 16)][k / 2][16] (k, k + 1) bf16 pairs, zero past m
  const uint16_t *w;
  float *y;
  int64_t m, n, k;
};

// Panel p: tokens 16p .. 16p + 15; word (r, t) holds token t's bf16 pair (2r, 2r + 1).
int packPanel(void *context, int64_t p) {
  const Job &job = *static_cast<const Job *>(context);
  const int64_t pairs = job.k / 2;
  uint32_t *panel = job.panels + p * pairs * kTile;
  for (int64_t t = 0; t < kTile; ++t) {
    const int64_t token = p * kTile + t;
    const float *row = job.x + token * job.k;
    for (int64_t r = 0; r < pairs; ++r) {
      uint32_t word = 0;
      if (token < job.m)
        word = uint32_t(roundToBf16(row[2 * r])) | uint32_t(roundToBf16(row[2 * r + 1])) << 16;
      panel[r * kTile + t] = word;
    }
  }
  return 0;
}

// The 16 × 16 float32 tile c (weight row i, token j) into y[m0 + j][n0 + i] for j < tokens.
inline void storeTransposed(const float *c, float *y, int64_t n, int64_t n0, int64_t m0,
                            int64_t tokens) {
  for (int64_t j = 0; j < tokens; ++j)
    for (int64_t i = 0; i < kTile; ++i) y[(m0 + j) * n + n0 + i] = c[i * kTile + j];
}

// Tiles 4 and 5 hold weight rows n0 .. n0 + 31 at each k step; B panels p and p + 1 (Both) or
// p alone.
template <bool Both>
void sweep(const Job &job, int64_t n0, int64_t p, float *c) {
  const int64_t pairs = job.k / 2;
  const uint32_t *b0 = job.panels + p * pairs * kTile;
  const uint32_t *b1 = b0 + pairs * kTile;
  const uint16_t *a0 = job.w + n0 * job.k;
  const uint16_t *a1 = a0 + kTile * job.k;
  const int64_t stride = job.k * 2;
  _tile_zero(0);
  _tile_zero(2);
  if (Both) {
    _tile_zero(1);
    _tile_zero(3);
  }
  for (int64_t k0 = 0; k0 < job.k; k0 += kTileK) {
    _tile_loadd(4, a0 + k0, stride);
    _tile_loadd(5, a1 + k0, stride);
    _tile_loadd(6, b0 + (k0 / 2) * kTile, 64);
    _tile_dpbf16ps(0, 4, 6);
    _tile_dpbf16ps(2, 5, 6);
    if (Both) {
      _tile_loadd(7, b1 + (k0 / 2) * kTile, 64);
      _tile_dpbf16ps(1, 4, 7);
      _tile_dpbf16ps(3, 5, 7);
    }
  }
  const int64_t m0 = p * kTile;
  const int64_t tokens0 = job.m - m0 < kTile ? job.m - m0 : kTile;
  _tile_stored(0, c, 64);
  storeTransposed(c, job.y, job.n, n0, m0, tokens0);
  _tile_stored(2, c, 64);
  storeTransposed(c, job.y, job.n, n0 + kTile, m0, tokens0);
  if (Both) {
    const int64_t m1 = m0 + kTile;
    const int64_t tokens1 = job.m - m1 < kTile ? job.m - m1 : kTile;
    _tile_stored(1, c, 64);
    storeTransposed(c, job.y, job.n, n0, m1, tokens1);
    _tile_stored(3, c, 64);
    storeTransposed(c, job.y, job.n, n0 + kTile, m1, tokens1);
  }
}

int rowBlockTask(void *context, int64_t b) {
  const Job &job = *static_cast<const Job *>(context);
  const int64_t n0 = b * kBlockN + kBlockN <= job.n ? b * kBlockN : job.n - kBlockN;
  alignas(64) float c[kTile * kTile];
  _tile_loadconfig(&kTileConfig);
  const int64_t panels = (job.m + kTile - 1) / kTile;
  int64_t p = 0;
  for (; p + 2 <= panels; p += kBlockM / kTile) sweep<true>(job, n0, p, c);
  if (p < panels) sweep<false>(job, n0, p, c);
  _tile_release();
  return 0;
}

}  // namespace

void matmulBf16(const float *x, const uint16_t *w, float *y, int64_t m, int64_t n, int64_t k) {
  const int64_t panels = (m + kTile - 1) / kTile;
  // The caller's scratch (no task below asks for scratch, so it stays valid throughout).
  uint32_t *packed = reinterpret_cast<uint32_t *>(threadScratch(size_t(panels * (k / 2) * kTile)));
  Job job{x, packed, w, y, m, n, k};
  parallelFor(0, panels, packPanel, &job);
  parallelFor(0, (n + kBlockN - 1) / kBlockN, rowBlockTask, &job);
}

}  // namespace inferno::kernels::amx
