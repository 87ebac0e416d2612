//===- WeightQuantizer.h - weight-only quantization done at compile time -*- C++ -*-===//
//
// The one definition of the int8 and int4 formats `inferno compile --quantize` writes
// (docs/quantization.md), shared by the precision planner (which measures their error) and
// weight packing (which writes them). test/reference/llama_ref.py repeats it independently.
//
//===----------------------------------------------------------------------===//

#ifndef INFERNO_COMPILER_FRONTEND_WEIGHTQUANTIZER_H
#define INFERNO_COMPILER_FRONTEND_WEIGHTQUANTIZER_H

#include "compiler/frontend/Dtype.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace inferno {

/// A weight-only quantization mode: int8 with one scale per output row, or int4 with one scale
/// per `groupSize` consecutive input features of a row.
struct WeightQuantMode {
  enum Kind { Int8, Int4 } kind = Int8;
  int64_t groupSize = 0; // int4 only

  /// "int8", "int4-g128".
  std::string name() const;
  /// Bytes of the quantized values and their f32 scales for an [out, in] weight.
  int64_t bytes(int64_t out, int64_t in) const;
  /// Whether an [out, in] weight can be stored this way (int4: `in` a multiple of the group).
  bool fits(int64_t in) const { return kind == Int8 || in % groupSize == 0; }
};

/// Parses "int8" or "int4-gN" (N a positive multiple of 16); nullopt for anything else,
/// including "int4" without a group (`error` then says why when the name looks like one).
std::optional<WeightQuantMode> parseWeightQuantMode(std::string_view name, std::string &error);

/// The value of one stored float (F32, BF16 or F16, little-endian) as float32 (exact).
float decodeFloat(const uint8_t *p, Dtype dtype);

/// Quantizes one weight row of `in` floats.
///   int8: scale = absmax/127 (f32), q = round_half_to_even(w / scale) in [-127, 127], one
///         int8 per value; `scales` gets 1 value.
///   int4: per group of groupSize, scale = absmax/7, q = round_half_to_even(w / scale) in
///         [-7, 7], stored as q + 8 in a nibble, two per byte, the even feature in the low
///         nibble; `scales` gets in/groupSize values.
/// An all-zero row or group has scale 0 and q = 0.
void quantizeRow(const WeightQuantMode &mode, const float *w, int64_t in, uint8_t *quantized,
                 float *scales);

/// The row as the kernels see it: quantized values times their scale, in f32.
void dequantizeRow(const WeightQuantMode &mode, const uint8_t *quantized, const float *scales,
                   int64_t in, float *w);

} // namespace inferno

#endif // INFERNO_COMPILER_FRONTEND_WEIGHTQUANTIZER_H
