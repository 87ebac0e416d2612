//===- Fingerprint.h - a cheap identity for a set of weights ----*- C++ -*-===//
//
// An artifact records the fingerprint of the weights it was compiled for; the runtime
// recomputes it before running and refuses weights that differ. Hashing every byte of a
// 16 GB checkpoint would cost seconds at each start, so the fingerprint covers every tensor's
// name, dtype, shape and place, each file's size, and sampled bytes from the start, middle and
// end of every tensor: enough to catch another checkpoint, a re-quantized one, or a file
// swapped or truncated after compilation.
//
//===----------------------------------------------------------------------===//

#ifndef INFERNO_RUNTIME_SUPPORT_FINGERPRINT_H
#define INFERNO_RUNTIME_SUPPORT_FINGERPRINT_H

#include <cstdint>
#include <string>
#include <vector>

namespace inferno::rt {

struct FingerprintTensor {
  std::string name;
  std::string dtype; // safetensors spelling, e.g. "BF16"
  std::vector<int64_t> shape;
  uint32_t file = 0;
  uint64_t offset = 0; // absolute, in bytes
  uint64_t bytes = 0;
};

/// 64-bit FNV-1a over the tensor descriptions, file sizes and sampled bytes. `files[i]` is
/// the base of file i (mapped in full), `fileSizes[i]` its size; every tensor lies inside.
uint64_t fingerprintWeights(const std::vector<FingerprintTensor> &tensors,
                            const std::vector<const uint8_t *> &files,
                            const std::vector<uint64_t> &fileSizes);

/// As 16 lowercase hex digits.
std::string fingerprintText(uint64_t fingerprint);

} // namespace inferno::rt

#endif // INFERNO_RUNTIME_SUPPORT_FINGERPRINT_H
