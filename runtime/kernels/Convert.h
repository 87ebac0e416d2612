//===- Convert.h - scalar bf16/f16 <-> float32 conversions ---------------*- C++ -*-===//
//
// Exact widening conversions used by the references and the C++ kernels' scalar tails, and
// round-to-nearest-even narrowing ones (tests build weights with them).
//
//===----------------------------------------------------------------------------===//
#ifndef INFERNO_RUNTIME_KERNELS_CONVERT_H
#define INFERNO_RUNTIME_KERNELS_CONVERT_H

#include <cstdint>
#include <cstring>

namespace inferno::kernels {

inline float bitsToFloat(uint32_t u) {
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}

inline uint32_t floatToBits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return u;
}

// bf16 is the high half of a float32: widening is a shift, exact for every input.
inline float bf16ToFloat(uint16_t h) { return bitsToFloat(uint32_t(h) << 16); }

// IEEE binary16 to float32, exact for every input (subnormals, infinities, NaN payloads).
inline float f16ToFloat(uint16_t h) {
  uint32_t sign = uint32_t(h & 0x8000) << 16;
  uint32_t exp = (h >> 10) & 0x1f;
  uint32_t mant = h & 0x3ff;
  if (exp == 0x1f) return bitsToFloat(sign | 0x7f800000u | (mant << 13));  // inf / NaN
  if (exp != 0) return bitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
  if (mant == 0) return bitsToFloat(sign);  // ±0
  // Subnormal: mant · 2^-24, exactly representable in float32.
  float v = float(mant) * (1.0f / 16777216.0f);
  return bitsToFloat(sign | floatToBits(v));
}

// float32 to bf16, round to nearest even; NaN stays a (quiet) NaN.
inline uint16_t floatToBf16(float f) {
  uint32_t u = floatToBits(f);
  if ((u & 0x7fffffffu) > 0x7f800000u) return uint16_t((u >> 16) | 0x40);
  u += 0x7fffu + ((u >> 16) & 1);
  return uint16_t(u >> 16);
}

// float32 to IEEE binary16, round to nearest even (overflow to infinity, subnormals kept).
inline uint16_t floatToF16(float f) {
  uint32_t u = floatToBits(f);
  uint16_t sign = uint16_t((u >> 16) & 0x8000);
  uint32_t a = u & 0x7fffffffu;
  if (a > 0x7f800000u) return uint16_t(sign | 0x7e00);  // NaN
  if (a >= 0x477ff000u) return uint16_t(sign | 0x7c00); // rounds to ≥ 65520: infinity
  if (a < 0x38800000u) {                                  // below 2^-14: subnormal or zero
    // value · 2^24 rounded to an integer (nearest even) is the subnormal mantissa.
    float v = bitsToFloat(a) * 16777216.0f;
    float r = __builtin_nearbyintf(v);  // default rounding mode: nearest even
    return uint16_t(sign | uint16_t(r));
  }
  uint32_t exp = (a >> 23) - 112;
  uint32_t mant = a & 0x7fffff;
  uint32_t h = (exp << 10) | (mant >> 13);
  uint32_t rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest == 0x1000 && (h & 1))) ++h;  // may carry into the exponent: fine
  return uint16_t(sign | h);
}

}  // namespace inferno::kernels

#endif
