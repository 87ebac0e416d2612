//===- Dtype.h - storage dtypes of checkpoint tensors -----------*- C++ -*-===//

#ifndef INFERNO_COMPILER_FRONTEND_DTYPE_H
#define INFERNO_COMPILER_FRONTEND_DTYPE_H

#include <cstdint>
#include <optional>
#include <string_view>

namespace inferno {

/// Every dtype the safetensors format defines. Which of them a model may use is the
/// manifest validator's decision, not the reader's.
enum class Dtype {
  Bool, U8, I8, I16, U16, F16, BF16, I32, U32, F32, F64, I64, U64, F8_E4M3, F8_E5M2,
};

/// The safetensors spelling ("BF16") of a dtype.
const char *dtypeName(Dtype dtype);

/// Parses a safetensors dtype string; nullopt for one the format does not define.
std::optional<Dtype> parseDtype(std::string_view name);

/// Bytes per element.
int64_t dtypeSize(Dtype dtype);

/// Whether a dense (unquantized) weight may be stored in this dtype.
inline bool isFloatWeightDtype(Dtype d) {
  return d == Dtype::F32 || d == Dtype::F16 || d == Dtype::BF16;
}

} // namespace inferno

#endif // INFERNO_COMPILER_FRONTEND_DTYPE_H
