// Shared helpers of the kernel generators. Build time only: these link libHalide and run during
// the build; nothing here reaches an artifact except the code they emit.
#ifndef INFERNO_KERNELS_GENERATORS_COMMON_H
#define INFERNO_KERNELS_GENERATORS_COMMON_H

#include "Halide.h"

#include <stdexcept>
#include <string>

namespace inferno_gen {

// IEEE binary16 bits (uint16) to float32, exactly, in a few integer/float vector ops. Halide 14
// does not use F16C's vcvtph2ps; its own float16 cast is a long branch-free sequence. Here:
// the exponent and mantissa bits shifted into float32 position read as a float32 of exponent
// bias 127 instead of 15, so one exact multiplication by 2^112 rescales every finite value —
// normal halves to normal floats and subnormal halves (read as float32 subnormals, which needs
// only that denormals are not flushed: the default MXCSR) to normal floats alike. An all-ones
// exponent (inf/NaN) maps to 2^16·1.m, whose exponent bits are then set to all ones. Finally the
// sign. (F. Giesen, "half to float done quick".)
inline Halide::Expr f16_bits_to_f32(Halide::Expr h) {
  using namespace Halide;
  using Halide::Internal::make_const;
  Expr u = cast<uint32_t>(h);
  Expr em = (u & make_const(UInt(32), 0x7fff)) << 13;
  Expr mag = reinterpret<uint32_t>(reinterpret<float>(em) * 5.192296858534828e33f);  // 2^112
  mag = select(em >= make_const(UInt(32), 0x7c00u << 13), mag | make_const(UInt(32), 0x7f800000u),
               mag);
  return reinterpret<float>(mag | ((u & make_const(UInt(32), 0x8000)) << 16));
}

// A stored weight element as float32: f32 as is; bf16 bits shifted into the high half (exact);
// f16 as above (exact, subnormals included).
inline Halide::Expr weight_to_f32(Halide::Expr w, const std::string &format) {
  using namespace Halide;
  if (format == "f32") return w;
  if (format == "bf16") return reinterpret<float>(cast<uint32_t>(w) << 16);
  if (format == "f16") return f16_bits_to_f32(w);
  throw std::runtime_error("unknown weight format " + format);
}

// expf for float32 without libm calls, so it vectorizes: Cody-Waite range reduction
// x = n·ln2 + r, |r| ≤ ln2/2, a degree-6 polynomial for e^r (Cephes expf coefficients,
// about 1 ulp), then scaling by 2^n through the exponent bits. Inputs are clamped to
// [-87.3, 88.7], so the result is finite and normal (exp(-87.3) ≈ 1.2e-38); callers only need
// that tiny results are tiny and huge ones huge.
inline Halide::Expr exp_f32(Halide::Expr x) {
  using namespace Halide;
  x = clamp(x, -87.3f, 88.7f);
  Expr n = floor(x * 1.44269504088896341f + 0.5f);
  // strict_float keeps Halide's simplifier from folding the two halves of ln2 back together.
  Expr r = strict_float(x - n * 0.693359375f + n * 2.12194440e-4f);
  Expr r2 = r * r;
  Expr p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r2 + r + 1.0f;
  Expr scale = reinterpret<float>((cast<int32_t>(n) + 127) << 23);
  return p * scale;
}

}  // namespace inferno_gen

#endif
