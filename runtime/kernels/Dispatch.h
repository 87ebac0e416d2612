//===- Dispatch.h - which implementation the kernels run (internal) -------*- C++ -*-===//
//
// The kernels of kernels.h pick an implementation once, at their first call:
//   1. INFERNO_KERNEL_ISA (read once): "avx512", "avx2" or "scalar" forces one. A forced ISA the
//      CPU lacks is refused with a warning on stderr, and detection decides instead.
//   2. Otherwise the best the CPU (and OS) supports: avx512 needs AVX-512 F/BW/DQ/VL + FMA +
//      F16C; avx2 needs AVX2 + FMA + F16C; anything else runs the scalar references.
// Tests and benchmarks switch at run time with setIsa (not thread-safe against running kernels).
//
//===----------------------------------------------------------------------------===//
#ifndef INFERNO_RUNTIME_KERNELS_DISPATCH_H
#define INFERNO_RUNTIME_KERNELS_DISPATCH_H

#include <vector>

namespace inferno::kernels {

enum class Isa { Scalar, Avx2, Avx512 };

const char *isaName(Isa isa);
bool cpuSupports(Isa isa);
// Every ISA this CPU can run, scalar first.
std::vector<Isa> supportedIsas();
// The ISA the kernels use now (selecting it first if no kernel ran yet).
Isa currentIsa();
// Selects `isa` for every later call; false (and no change) if the CPU lacks it.
bool setIsa(Isa isa);

}  // namespace inferno::kernels

#endif
