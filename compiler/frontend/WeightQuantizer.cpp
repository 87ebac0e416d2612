//===- WeightQuantizer.cpp - weight-only quantization done at compile time ===//

#include "compiler/frontend/WeightQuantizer.h"

#include <cmath>
#include <cstring>
#include <vector>

namespace inferno {

std::string WeightQuantMode::name() const {
  return kind == Int8 ? "int8" : "int4-g" + std::to_string(groupSize);
}

int64_t WeightQuantMode::bytes(int64_t out, int64_t in) const {
  if (kind == Int8)
    return out * in + out * 4;
  return out * in / 2 + out * (in / groupSize) * 4;
}

std::optional<WeightQuantMode> parseWeightQuantMode(std::string_view name, std::string &error) {
  if (name == "int8")
    return WeightQuantMode{WeightQuantMode::Int8, 0};
  if (name.substr(0, 4) != "int4")
    return std::nullopt;
  std::string_view rest = name.substr(4);
  int64_t group = 0;
  bool valid = rest.size() > 2 && rest.substr(0, 2) == "-g";
  for (char c : valid ? rest.substr(2) : std::string_view())
    if (c < '0' || c > '9' || group > 1000000)
      valid = false;
    else
      group = group * 10 + (c - '0');
  if (!valid || group <= 0 || group % 16 != 0) {
    error = std::string(name) + ": int4 needs a group size, a positive multiple of 16 "
                                "(int4-g128, int4-g64, int4-g32)";
    return std::nullopt;
  }
  return WeightQuantMode{WeightQuantMode::Int4, group};
}

float decodeFloat(const uint8_t *p, Dtype dtype) {
  switch (dtype) {
  case Dtype::F32: {
    float f;
    std::memcpy(&f, p, 4);
    return f;
  }
  case Dtype::BF16: {
    uint32_t bits = static_cast<uint32_t>(p[0] | (p[1] << 8)) << 16;
    float f;
    std::memcpy(&f, &bits, 4);
    return f;
  }
  case Dtype::F16: {
    uint16_t h = static_cast<uint16_t>(p[0] | (p[1] << 8));
    uint32_t sign = (h >> 15) & 1, exponent = (h >> 10) & 0x1f, mantissa = h & 0x3ff;
    float magnitude;
    if (exponent == 0)
      magnitude = std::ldexp(static_cast<float>(mantissa), -24); // subnormal
    else if (exponent == 31)
      magnitude = mantissa ? NAN : INFINITY;
    else
      magnitude = std::ldexp(static_cast<float>(mantissa | 0x400), static_cast<int>(exponent) - 25);
    return sign ? -magnitude : magnitude;
  }
  default:
    return 0.0f;
  }
}

namespace {
/// Symmetric quantization of `count` values to [-limit, limit] with scale absmax/limit. Every
/// step is one float32 operation, as numpy's float32 arithmetic does it.
float quantizeSpan(const float *w, int64_t count, float limit, int8_t *q) {
  float absmax = 0.0f;
  for (int64_t i = 0; i < count; ++i)
    absmax = std::fmax(absmax, std::fabs(w[i]));
  const float scale = absmax / limit;
  for (int64_t i = 0; i < count; ++i) {
    // nearbyint rounds half to even in the default rounding mode.
    float r = scale == 0.0f ? 0.0f : std::nearbyint(w[i] / scale);
    q[i] = static_cast<int8_t>(std::fmin(std::fmax(r, -limit), limit));
  }
  return scale;
}
} // namespace

void quantizeRow(const WeightQuantMode &mode, const float *w, int64_t in, uint8_t *quantized,
                 float *scales) {
  if (mode.kind == WeightQuantMode::Int8) {
    scales[0] = quantizeSpan(w, in, 127.0f, reinterpret_cast<int8_t *>(quantized));
    return;
  }
  std::vector<int8_t> values(static_cast<size_t>(mode.groupSize));
  for (int64_t g = 0; g < in / mode.groupSize; ++g) {
    scales[g] = quantizeSpan(w + g * mode.groupSize, mode.groupSize, 7.0f, values.data());
    for (int64_t i = 0; i < mode.groupSize; i += 2)
      quantized[(g * mode.groupSize + i) / 2] =
          static_cast<uint8_t>((values[i] + 8) | ((values[i + 1] + 8) << 4));
  }
}

void dequantizeRow(const WeightQuantMode &mode, const uint8_t *quantized, const float *scales,
                   int64_t in, float *w) {
  if (mode.kind == WeightQuantMode::Int8) {
    const int8_t *q = reinterpret_cast<const int8_t *>(quantized);
    for (int64_t i = 0; i < in; ++i)
      w[i] = static_cast<float>(q[i]) * scales[0];
    return;
  }
  for (int64_t i = 0; i < in; ++i) {
    int nibble = (quantized[i / 2] >> (4 * (i % 2))) & 0xf;
    w[i] = static_cast<float>(nibble - 8) * scales[i / mode.groupSize];
  }
}

} // namespace inferno
