//===- safetensors.cpp - fuzz the safetensors header reader ---------------===//
//
// The input is a whole .safetensors file. Whatever it holds, the reader either refuses it with
// a message naming the file, or returns tensors that all lie inside the file, do not overlap,
// and whose byte sizes match their shapes.
//
//===----------------------------------------------------------------------===//

#include "FuzzUtil.h"

#include "compiler/frontend/Safetensors.h"

#include <cstdlib>

using namespace inferno;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const std::string path = fuzz::scratchDirectory() + "/model.safetensors";
  fuzz::writeFile(path, fuzz::asText(data, size));
  absl::StatusOr<SafetensorsHeader> header = readSafetensorsHeader(path);
  if (!header.ok()) {
    if (header.status().message().rfind(path + ": ", 0) != 0)
      std::abort(); // every message starts with the file
    return 0;
  }
  uint64_t dataStart = 8 + header->headerSize, previousEnd = dataStart;
  for (const TensorInfo &t : header->tensors) {
    uint64_t elements = 1;
    for (int64_t d : t.shape)
      elements *= static_cast<uint64_t>(d);
    if (t.fileOffset < dataStart || t.fileOffset + t.byteSize > size ||
        elements * dtypeSize(t.dtype) != t.byteSize)
      std::abort();
    if (t.byteSize > 0) {
      if (t.fileOffset < previousEnd)
        std::abort(); // sorted by offset and not overlapping
      previousEnd = t.fileOffset + t.byteSize;
    }
    (void)t.numElements();
  }
  return 0;
}
