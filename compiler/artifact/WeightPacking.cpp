//===- WeightPacking.cpp - converting and copying weights into an artifact ===//

#include "compiler/artifact/WeightPacking.h"

#include "absl/strings/str_cat.h"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <unistd.h>

namespace inferno {
namespace {

uint16_t toBf16(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, 4);
  if ((bits & 0x7fffffff) > 0x7f800000)
    return static_cast<uint16_t>((bits >> 16) | 0x40); // quiet NaN
  bits += 0x7fff + ((bits >> 16) & 1);                  // round to nearest even
  return static_cast<uint16_t>(bits >> 16);
}

uint16_t toF16(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, 4);
  uint16_t sign = static_cast<uint16_t>((bits >> 16) & 0x8000);
  float a = std::fabs(f);
  if (std::isnan(f))
    return sign | 0x7e00;
  if (a >= 65520.0f) // rounds to infinity
    return sign | 0x7c00;
  if (a < std::ldexp(1.0f, -14)) {
    // Subnormal: a multiple of 2^-24, rounded to nearest even by nearbyint.
    return sign | static_cast<uint16_t>(std::nearbyint(std::ldexp(a, 24)));
  }
  int e;
  float m = std::frexp(a, &e); // a = m * 2^e, m in [0.5, 1)
  uint32_t mantissa = static_cast<uint32_t>(std::nearbyint(std::ldexp(m, 11))); // 11 bits
  if (mantissa == 2048) {
    mantissa = 1024;
    ++e;
  }
  return sign | static_cast<uint16_t>(((e + 14) << 10) | (mantissa & 0x3ff));
}

/// Writes a tensor quantized row by row (WeightQuantizer.h): the values, zero padding up to
/// scaleOffset, then every row's scales.
absl::Status writeQuantized(std::ifstream &source, const PackedTensor &t, std::ofstream &out,
                            uint64_t &written) {
  const WeightQuantMode &mode = *t.quantize;
  const int64_t scalesPerRow = mode.kind == WeightQuantMode::Int8 ? 1 : t.cols / mode.groupSize;
  const int64_t rowBytes = mode.kind == WeightQuantMode::Int8 ? t.cols : t.cols / 2;
  std::vector<uint8_t> raw(static_cast<size_t>(t.cols * dtypeSize(t.sourceDtype)));
  std::vector<float> row(static_cast<size_t>(t.cols));
  std::vector<uint8_t> quantized(static_cast<size_t>(rowBytes));
  std::vector<float> scales(static_cast<size_t>(t.rows * scalesPerRow));
  for (int64_t r = 0; r < t.rows; ++r) {
    if (!source.read(reinterpret_cast<char *>(raw.data()), static_cast<std::streamsize>(raw.size())))
      return absl::DataLossError(absl::StrCat(t.sourcePath, ": ends inside a tensor"));
    for (int64_t i = 0; i < t.cols; ++i)
      row[i] = decodeFloat(raw.data() + i * dtypeSize(t.sourceDtype), t.sourceDtype);
    quantizeRow(mode, row.data(), t.cols, quantized.data(), scales.data() + r * scalesPerRow);
    out.write(reinterpret_cast<const char *>(quantized.data()),
              static_cast<std::streamsize>(quantized.size()));
    written += quantized.size();
  }
  if (t.scaleOffset < written)
    return absl::InternalError("quantization scales overlap their values");
  std::vector<char> pad(t.scaleOffset - written, 0);
  out.write(pad.data(), static_cast<std::streamsize>(pad.size()));
  out.write(reinterpret_cast<const char *>(scales.data()),
            static_cast<std::streamsize>(scales.size() * sizeof(float)));
  written = t.scaleOffset + scales.size() * sizeof(float);
  return absl::OkStatus();
}
} // namespace

void convertFloats(const uint8_t *source, Dtype from, uint8_t *destination, Dtype to,
                   int64_t elements) {
  if (from == to) {
    std::memcpy(destination, source, static_cast<size_t>(elements * dtypeSize(from)));
    return;
  }
  for (int64_t i = 0; i < elements; ++i) {
    float f = decodeFloat(source + i * dtypeSize(from), from);
    uint8_t *out = destination + i * dtypeSize(to);
    if (to == Dtype::F32) {
      std::memcpy(out, &f, 4);
    } else {
      uint16_t h = to == Dtype::BF16 ? toBf16(f) : toF16(f);
      out[0] = static_cast<uint8_t>(h & 0xff);
      out[1] = static_cast<uint8_t>(h >> 8);
    }
  }
}

absl::Status writePackedWeights(const std::string &path, uint64_t totalBytes,
                                const std::vector<PackedTensor> &tensors) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out)
    return absl::InternalError(absl::StrCat(path, ": cannot create"));
  const bool showProgress = isatty(STDERR_FILENO);
  uint64_t written = 0;
  int shown = -1;
  std::vector<uint8_t> in, converted;
  const int64_t chunkElements = 1 << 20; // convert in 1M-element pieces to bound memory
  for (const PackedTensor &t : tensors) {
    std::ifstream source(t.sourcePath, std::ios::binary);
    if (!source)
      return absl::NotFoundError(absl::StrCat(t.sourcePath, ": cannot open"));
    source.seekg(static_cast<std::streamoff>(t.sourceOffset));
    // Zero padding up to the tensor's aligned offset.
    if (t.destinationOffset < written)
      return absl::InternalError("packed tensors overlap");
    std::vector<char> pad(t.destinationOffset - written, 0);
    out.write(pad.data(), static_cast<std::streamsize>(pad.size()));
    written = t.destinationOffset;
    if (t.quantize) {
      if (absl::Status status = writeQuantized(source, t, out, written); !status.ok())
        return status;
      continue;
    }
    for (int64_t done = 0; done < t.elements; done += chunkElements) {
      int64_t n = std::min(chunkElements, t.elements - done);
      in.resize(static_cast<size_t>(n * dtypeSize(t.sourceDtype)));
      converted.resize(static_cast<size_t>(n * dtypeSize(t.destinationDtype)));
      if (!source.read(reinterpret_cast<char *>(in.data()), static_cast<std::streamsize>(in.size())))
        return absl::DataLossError(absl::StrCat(t.sourcePath, ": ends inside a tensor"));
      convertFloats(in.data(), t.sourceDtype, converted.data(), t.destinationDtype, n);
      out.write(reinterpret_cast<const char *>(converted.data()),
                static_cast<std::streamsize>(converted.size()));
      written += converted.size();
      int percent = totalBytes ? static_cast<int>(100 * written / totalBytes) : 100;
      if (showProgress && percent != shown) {
        shown = percent;
        int bars = percent / 4;
        std::fprintf(stderr, "\rpacking weights [%.*s%*s] %3d%%", bars,
                     "=========================", 25 - bars, "", percent);
      }
    }
  }
  std::vector<char> pad(totalBytes - written, 0);
  out.write(pad.data(), static_cast<std::streamsize>(pad.size()));
  if (showProgress)
    std::fprintf(stderr, "\n");
  out.close();
  if (!out)
    return absl::InternalError(absl::StrCat(path, ": write failed (disk full?)"));
  return absl::OkStatus();
}

} // namespace inferno
