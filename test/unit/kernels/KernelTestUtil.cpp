#include "KernelTestUtil.h"

#include "runtime/kernels/Convert.h"

#include <gtest/gtest.h>

namespace inferno::kernels::test {

void forEachIsa(const std::function<void(Isa)> &body) {
  const Isa saved = currentIsa();
  for (Isa isa : supportedIsas()) {
    ASSERT_TRUE(setIsa(isa));
    SCOPED_TRACE(std::string("isa=") + isaName(isa));
    body(isa);
  }
  setIsa(saved);
}

std::vector<float> randomFloats(size_t count, uint32_t seed, float lo, float hi) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> out(count);
  for (auto &v : out) v = dist(rng);
  return out;
}

std::vector<uint16_t> toBf16(const std::vector<float> &v) {
  std::vector<uint16_t> out(v.size());
  for (size_t i = 0; i < v.size(); ++i) out[i] = floatToBf16(v[i]);
  return out;
}

std::vector<uint16_t> toF16(const std::vector<float> &v) {
  std::vector<uint16_t> out(v.size());
  for (size_t i = 0; i < v.size(); ++i) out[i] = floatToF16(v[i]);
  return out;
}

std::vector<float> bf16ToF32(const std::vector<uint16_t> &v) {
  std::vector<float> out(v.size());
  for (size_t i = 0; i < v.size(); ++i) out[i] = bf16ToFloat(v[i]);
  return out;
}

std::vector<float> f16ToF32(const std::vector<uint16_t> &v) {
  std::vector<float> out(v.size());
  for (size_t i = 0; i < v.size(); ++i) out[i] = f16ToFloat(v[i]);
  return out;
}

}  // namespace inferno::kernels::test
