//===- AmxTiles.h - the AMX tile layout the bf16 kernel and its benchmark use ---*- C++ -*-===//
//
// Plain data only (constants and a POD struct, no inline functions), so that translation
// units compiled with and without AMX flags can share it (see Parallel.h on why an inline
// function compiled with -mamx-* must not reach the baseline code).
//
//===----------------------------------------------------------------------------===//
#ifndef INFERNO_RUNTIME_KERNELS_AMXTILES_H
#define INFERNO_RUNTIME_KERNELS_AMXTILES_H

#include <stdint.h>

namespace inferno::kernels::amx {

// Shapes CpuMatmulAmx.cpp accepts: k a multiple of kTileK (a tile row is 32 bf16; a partial
// one would read into the next weight row) and n ≥ kBlockRows (two A tiles of weight rows).
constexpr int64_t kTileK = 32;
constexpr int64_t kBlockRows = 32;

// LDTILECFG's 64-byte operand, palette 1: eight tiles of 16 rows of 64 bytes. Kept as a
// constant in memory: GCC's _tile_loadconfig declares a read of a pointer's worth of its
// operand, so stores filling a stack copy may be dropped as dead (ldtilecfg then faults on
// the half-written configuration).
struct alignas(64) TileConfig {
  uint8_t palette, startRow, reserved[14];
  uint16_t bytesPerRow[16];
  uint8_t rows[16];
};
constexpr TileConfig kTileConfig = {1, 0, {}, {64, 64, 64, 64, 64, 64, 64, 64},
                                    {16, 16, 16, 16, 16, 16, 16, 16}};

}  // namespace inferno::kernels::amx

#endif
