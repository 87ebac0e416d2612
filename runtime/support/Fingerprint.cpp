//===- Fingerprint.cpp - a cheap identity for a set of weights ------------===//

#include "runtime/support/Fingerprint.h"

#include <algorithm>
#include <cstdio>

namespace inferno::rt {
namespace {
class Fnv1a {
public:
  void bytes(const void *data, size_t n) {
    const auto *p = static_cast<const uint8_t *>(data);
    for (size_t i = 0; i < n; ++i) {
      state_ ^= p[i];
      state_ *= 0x100000001b3ull;
    }
  }
  void u64(uint64_t v) {
    uint8_t le[8];
    for (int i = 0; i < 8; ++i)
      le[i] = static_cast<uint8_t>(v >> (8 * i));
    bytes(le, 8);
  }
  void text(const std::string &s) {
    u64(s.size());
    bytes(s.data(), s.size());
  }
  uint64_t value() const { return state_; }

private:
  uint64_t state_ = 0xcbf29ce484222325ull;
};

constexpr uint64_t kSample = 64; // bytes read at each of three places per tensor
} // namespace

uint64_t fingerprintWeights(const std::vector<FingerprintTensor> &tensors,
                            const std::vector<const uint8_t *> &files,
                            const std::vector<uint64_t> &fileSizes) {
  Fnv1a h;
  h.u64(files.size());
  for (uint64_t size : fileSizes)
    h.u64(size);
  h.u64(tensors.size());
  for (const FingerprintTensor &t : tensors) {
    h.text(t.name);
    h.text(t.dtype);
    h.u64(t.shape.size());
    for (int64_t d : t.shape)
      h.u64(static_cast<uint64_t>(d));
    h.u64(t.file);
    h.u64(t.offset);
    h.u64(t.bytes);
    const uint8_t *base = files[t.file] + t.offset;
    uint64_t n = std::min(kSample, t.bytes);
    for (uint64_t at : {uint64_t{0}, (t.bytes - n) / 2, t.bytes - n})
      h.bytes(base + at, n);
  }
  return h.value();
}

std::string fingerprintText(uint64_t fingerprint) {
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(fingerprint));
  return text;
}

} // namespace inferno::rt
