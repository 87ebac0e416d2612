//===- Safetensors.cpp - safetensors header reader -------------------------===//

#include "compiler/frontend/Safetensors.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <limits>

namespace inferno {
namespace {
using json = nlohmann::json;

absl::Status fileError(const std::string &path, absl::string_view problem) {
  return absl::InvalidArgumentError(absl::StrCat(path, ": ", problem));
}

std::string shapeText(const std::vector<int64_t> &shape) {
  return absl::StrCat("[", absl::StrJoin(shape, ", "), "]");
}

/// Reads one tensor entry; the JSON has already been parsed, so every check here is about
/// the values: types, ranges and consistency between dtype, shape and offsets.
absl::StatusOr<TensorInfo> parseEntry(const std::string &path, const std::string &name,
                                      const json &entry, uint64_t dataStart, uint64_t dataSize) {
  auto bad = [&](absl::string_view problem) {
    return fileError(path, absl::StrCat("tensor '", name, "': ", problem));
  };
  if (!entry.is_object())
    return bad("entry is not a JSON object");
  for (const char *key : {"dtype", "shape", "data_offsets"})
    if (!entry.contains(key))
      return bad(absl::StrCat("missing '", key, "'"));

  TensorInfo tensor;
  tensor.name = name;
  const json &dtype = entry["dtype"];
  if (!dtype.is_string())
    return bad("'dtype' is not a string");
  std::optional<Dtype> parsed = parseDtype(dtype.get<std::string>());
  if (!parsed)
    return bad(absl::StrCat("unknown dtype '", dtype.get<std::string>(), "'"));
  tensor.dtype = *parsed;

  const json &shape = entry["shape"];
  if (!shape.is_array())
    return bad("'shape' is not an array");
  uint64_t elements = 1;
  for (const json &d : shape) {
    if (!d.is_number_unsigned())
      return bad("'shape' holds something other than a non-negative integer");
    uint64_t extent = d.get<uint64_t>();
    if (extent > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) ||
        __builtin_mul_overflow(elements, extent, &elements))
      return bad("shape is too large");
    tensor.shape.push_back(static_cast<int64_t>(extent));
  }
  uint64_t expectedBytes = 0;
  if (__builtin_mul_overflow(elements, static_cast<uint64_t>(dtypeSize(tensor.dtype)),
                             &expectedBytes))
    return bad("shape is too large");

  const json &offsets = entry["data_offsets"];
  if (!offsets.is_array() || offsets.size() != 2 || !offsets[0].is_number_unsigned() ||
      !offsets[1].is_number_unsigned())
    return bad("'data_offsets' is not a pair of non-negative integers");
  uint64_t begin = offsets[0].get<uint64_t>(), end = offsets[1].get<uint64_t>();
  if (end < begin)
    return bad(absl::StrCat("data_offsets [", begin, ", ", end, "] end before they begin"));
  if (end > dataSize)
    return bad(absl::StrCat("data_offsets [", begin, ", ", end, "] run past the end of the data (",
                            dataSize, " bytes after the header)"));
  if (end - begin != expectedBytes)
    return bad(absl::StrCat("data_offsets [", begin, ", ", end, "] hold ", end - begin,
                            " bytes but shape ", shapeText(tensor.shape), " of ",
                            dtypeName(tensor.dtype), " needs ", expectedBytes));
  tensor.fileOffset = dataStart + begin;
  tensor.byteSize = end - begin;
  return tensor;
}
} // namespace

int64_t TensorInfo::numElements() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

absl::StatusOr<SafetensorsHeader> parseSafetensorsHeader(std::string_view headerText,
                                                         uint64_t fileSize,
                                                         const std::string &path) {
  SafetensorsHeader header;
  header.path = path;
  header.fileSize = fileSize;
  header.headerSize = headerText.size();
  if (fileSize < 8 + headerText.size())
    return fileError(path, "file is shorter than its header");
  uint64_t dataStart = 8 + headerText.size();
  uint64_t dataSize = fileSize - dataStart;

  json root = json::parse(headerText, /*cb=*/nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded())
    return fileError(path, "header is not valid JSON");
  if (!root.is_object())
    return fileError(path, "header is not a JSON object");

  for (auto it = root.begin(); it != root.end(); ++it) {
    if (it.key() == "__metadata__") {
      if (!it.value().is_object())
        return fileError(path, "'__metadata__' is not a JSON object");
      for (auto m = it.value().begin(); m != it.value().end(); ++m) {
        if (!m.value().is_string())
          return fileError(path, absl::StrCat("'__metadata__' value '", m.key(),
                                              "' is not a string"));
        header.metadata[m.key()] = m.value().get<std::string>();
      }
      continue;
    }
    absl::StatusOr<TensorInfo> tensor = parseEntry(path, it.key(), it.value(), dataStart, dataSize);
    if (!tensor.ok())
      return tensor.status();
    header.tensors.push_back(std::move(*tensor));
  }

  // Two tensors may not share bytes: a writer bug, or a file crafted to alias weights.
  std::sort(header.tensors.begin(), header.tensors.end(),
            [](const TensorInfo &a, const TensorInfo &b) {
              return a.fileOffset != b.fileOffset ? a.fileOffset < b.fileOffset
                                                  : a.byteSize < b.byteSize;
            });
  // Compare each tensor with the non-empty one that ends last before it, not merely its
  // neighbour: an empty tensor sorted in between must not hide an overlap.
  const TensorInfo *reach = nullptr;
  for (const TensorInfo &next : header.tensors) {
    if (next.byteSize == 0)
      continue;
    if (reach && next.fileOffset < reach->fileOffset + reach->byteSize)
      return fileError(path, absl::StrCat("tensors '", reach->name, "' and '", next.name,
                                          "' overlap in the file"));
    if (!reach || next.fileOffset + next.byteSize > reach->fileOffset + reach->byteSize)
      reach = &next;
  }
  return header;
}

absl::StatusOr<SafetensorsHeader> readSafetensorsHeader(const std::string &path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in)
    return absl::NotFoundError(absl::StrCat(path, ": cannot open file"));
  std::streamoff size = in.tellg();
  if (size < 0)
    return fileError(path, "cannot determine the file size");
  uint64_t fileSize = static_cast<uint64_t>(size);
  if (fileSize < 8)
    return fileError(path, absl::StrCat("file is ", fileSize,
                                        " bytes, too short for a safetensors header"));
  unsigned char lengthBytes[8];
  in.seekg(0);
  in.read(reinterpret_cast<char *>(lengthBytes), 8);
  uint64_t headerSize = 0;
  for (int i = 7; i >= 0; --i) // little-endian u64
    headerSize = (headerSize << 8) | lengthBytes[i];
  if (headerSize > fileSize - 8)
    return fileError(path, absl::StrCat("header length ", headerSize,
                                        " runs past the end of the file (", fileSize, " bytes)"));
  if (headerSize > kMaxSafetensorsHeaderSize)
    return fileError(path, absl::StrCat("header length ", headerSize, " exceeds the ",
                                        kMaxSafetensorsHeaderSize, "-byte limit"));
  std::string text(headerSize, '\0');
  if (!in.read(text.data(), static_cast<std::streamsize>(headerSize)))
    return fileError(path, "cannot read the header");
  return parseSafetensorsHeader(text, fileSize, path);
}

} // namespace inferno
