//===- Dtype.cpp - storage dtypes of checkpoint tensors ------------------===//

#include "compiler/frontend/Dtype.h"

#include <array>

namespace inferno {
namespace {
struct DtypeInfo {
  Dtype dtype;
  const char *name;
  int64_t size;
};

constexpr std::array<DtypeInfo, 15> kDtypes = {{
    {Dtype::Bool, "BOOL", 1},    {Dtype::U8, "U8", 1},         {Dtype::I8, "I8", 1},
    {Dtype::I16, "I16", 2},      {Dtype::U16, "U16", 2},       {Dtype::F16, "F16", 2},
    {Dtype::BF16, "BF16", 2},    {Dtype::I32, "I32", 4},       {Dtype::U32, "U32", 4},
    {Dtype::F32, "F32", 4},      {Dtype::F64, "F64", 8},       {Dtype::I64, "I64", 8},
    {Dtype::U64, "U64", 8},      {Dtype::F8_E4M3, "F8_E4M3", 1}, {Dtype::F8_E5M2, "F8_E5M2", 1},
}};

const DtypeInfo &info(Dtype dtype) { return kDtypes[static_cast<size_t>(dtype)]; }
} // namespace

const char *dtypeName(Dtype dtype) { return info(dtype).name; }

int64_t dtypeSize(Dtype dtype) { return info(dtype).size; }

std::optional<Dtype> parseDtype(std::string_view name) {
  for (const DtypeInfo &entry : kDtypes)
    if (name == entry.name)
      return entry.dtype;
  return std::nullopt;
}

} // namespace inferno
