//===- KernelTestUtil.h - helpers shared by the kernel tests -------------*- C++ -*-===//
#ifndef INFERNO_TEST_UNIT_KERNELS_KERNELTESTUTIL_H
#define INFERNO_TEST_UNIT_KERNELS_KERNELTESTUTIL_H

#include "runtime/kernels/Dispatch.h"

#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <vector>

namespace inferno::kernels::test {

// float32 unit roundoff, 2^-24.
constexpr double kU = 1.0 / 16777216.0;

// Runs body once per ISA this CPU supports (scalar, avx2, avx512), with that ISA selected and a
// SCOPED_TRACE naming it; restores the previous selection afterwards.
void forEachIsa(const std::function<void(Isa)> &body);

// Uniform floats in [lo, hi), from a fixed seed per call site (pass distinct seeds).
std::vector<float> randomFloats(size_t count, uint32_t seed, float lo = -1.0f, float hi = 1.0f);
std::vector<uint16_t> toBf16(const std::vector<float> &v);
std::vector<uint16_t> toF16(const std::vector<float> &v);
std::vector<float> bf16ToF32(const std::vector<uint16_t> &v);
std::vector<float> f16ToF32(const std::vector<uint16_t> &v);

}  // namespace inferno::kernels::test

#endif
