//===- WeightPacking.h - converting and copying weights into an artifact -*- C++ -*-===//

#ifndef INFERNO_COMPILER_ARTIFACT_WEIGHTPACKING_H
#define INFERNO_COMPILER_ARTIFACT_WEIGHTPACKING_H

#include "compiler/frontend/Dtype.h"
#include "compiler/frontend/WeightQuantizer.h"

#include "absl/status/status.h"

#include <cstdint>
#include <string>
#include <vector>

namespace inferno {

/// One tensor to copy from a checkpoint file into the packed weights file.
struct PackedTensor {
  std::string sourcePath;
  uint64_t sourceOffset = 0;
  Dtype sourceDtype = Dtype::F32;
  int64_t elements = 0;
  uint64_t destinationOffset = 0;
  Dtype destinationDtype = Dtype::F32;
  /// Quantized while packing (--quantize): the [rows, cols] float tensor becomes its quantized
  /// values at destinationOffset and its f32 scales at scaleOffset (after the values).
  std::optional<WeightQuantMode> quantize;
  int64_t rows = 0, cols = 0;
  uint64_t scaleOffset = 0;
};

/// Converts one element span between float dtypes. f32 to bf16/f16 rounds to nearest even
/// (as torch's .to() does); widening is exact.
void convertFloats(const uint8_t *source, Dtype from, uint8_t *destination, Dtype to,
                   int64_t elements);

/// Writes `path` (totalBytes long) with every tensor converted into place, reporting progress
/// on stderr when it is a terminal.
absl::Status writePackedWeights(const std::string &path, uint64_t totalBytes,
                                const std::vector<PackedTensor> &tensors);

} // namespace inferno

#endif // INFERNO_COMPILER_ARTIFACT_WEIGHTPACKING_H
