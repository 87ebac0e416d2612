//===- Safetensors.h - safetensors header reader ----------------*- C++ -*-===//
//
// Reads only the header of a .safetensors file: tensor names, dtypes, shapes and where their
// data lies. No tensor data is touched, so a 140 GB checkpoint is described in milliseconds.
//
//===----------------------------------------------------------------------===//

#ifndef INFERNO_COMPILER_FRONTEND_SAFETENSORS_H
#define INFERNO_COMPILER_FRONTEND_SAFETENSORS_H

#include "compiler/frontend/Dtype.h"

#include "absl/status/statusor.h"

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace inferno {

struct TensorInfo {
  std::string name;
  Dtype dtype;
  std::vector<int64_t> shape;
  /// Absolute byte offset of the data in the file (8 + header length + data_offsets[0]).
  uint64_t fileOffset = 0;
  /// Bytes of data (data_offsets[1] - data_offsets[0]).
  uint64_t byteSize = 0;

  int64_t numElements() const;
};

struct SafetensorsHeader {
  std::string path;
  uint64_t fileSize = 0;
  /// Length of the JSON header; data starts at 8 + headerSize.
  uint64_t headerSize = 0;
  /// Tensors in order of their data offsets.
  std::vector<TensorInfo> tensors;
  std::map<std::string, std::string> metadata;
};

/// The format's own cap on header length: larger headers are refused, not read.
constexpr uint64_t kMaxSafetensorsHeaderSize = 100 * 1000 * 1000;

/// Reads and checks the header of the file at `path`. Errors name the file and the problem:
/// a header that runs past the end, is not JSON, names an unknown dtype, or has data offsets
/// that disagree with the shape, run past the file, or overlap another tensor's.
absl::StatusOr<SafetensorsHeader> readSafetensorsHeader(const std::string &path);

/// The same checks on a header already in memory (`header` is the JSON text, `fileSize` the
/// size of the whole file); `path` is used only in messages.
absl::StatusOr<SafetensorsHeader> parseSafetensorsHeader(std::string_view header, uint64_t fileSize,
                                                         const std::string &path);

} // namespace inferno

#endif // INFERNO_COMPILER_FRONTEND_SAFETENSORS_H
