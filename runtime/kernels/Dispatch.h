//===- Dispatch.h - which implementation the kernels run (internal) -------*- C++ -*-===//
//
// The kernels of kernels.h pick an implementation once, at their first call:
//   1. INFERNO_KERNEL_ISA (read once): "amx-bf16", "avx512-bf16", "avx512", "avx2" or "scalar"
//      forces one; "exact" the best one that keeps float32 activations. A forced ISA the CPU
//      lacks is refused with a warning on stderr, and detection decides instead.
//   2. Otherwise: amx-bf16 where the CPU has AMX-BF16 and Linux grants the tile state, else the
//      best exact ISA: avx512 needs AVX-512 F/BW/DQ/VL + FMA + F16C; avx2 needs AVX2 + FMA +
//      F16C; anything else runs the scalar references.
// avx512-bf16 (avx512 plus AVX512_BF16) is avx512 except that bf16-weight matmuls with m ≥ 4
// (prefill) round the activations to bf16 and use vdpbf16ps; amx-bf16 (plus AMX-BF16) runs
// those on AMX tiles where k is a multiple of 32 and n ≥ 32 (~4× faster prefill), vdpbf16ps
// elsewhere. Neither is exact for bf16 checkpoints (about 1e-2 relative L2 on the logits against
// float32 activations); avx512-bf16 is never chosen by detection (its gain depends on the
// microarchitecture).
// Tests and benchmarks switch at run time with setIsa (not thread-safe against running kernels).
//
//===----------------------------------------------------------------------------===//
#ifndef INFERNO_RUNTIME_KERNELS_DISPATCH_H
#define INFERNO_RUNTIME_KERNELS_DISPATCH_H

#include <cstdint>
#include <vector>

namespace inferno::kernels {

enum class Isa { Scalar, Avx2, Avx512, Avx512Bf16, AmxBf16 };

const char *isaName(Isa isa);
bool cpuSupports(Isa isa);
// Every ISA this CPU can run, scalar first.
std::vector<Isa> supportedIsas();
// The ISA the kernels use now (selecting it first if no kernel ran yet).
Isa currentIsa();
// What detection picks without INFERNO_KERNEL_ISA.
Isa detectedIsa();
// The best ISA whose kernels keep float32 activations (INFERNO_KERNEL_ISA=exact).
Isa exactIsa();
// Selects `isa` for every later call; false (and no change) if the CPU lacks it.
bool setIsa(Isa isa);
// Whether inferno_matmul_bf16 with m tokens rounds the activations to bf16 under the current
// ISA (the contract of scalar::matmulBf16RoundedRef); otherwise it multiplies float32 ones.
bool matmulBf16RoundsActivations(int64_t m);

}  // namespace inferno::kernels

#endif
