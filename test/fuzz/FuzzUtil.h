//===- FuzzUtil.h - utilities shared by the fuzz targets ----------*- C++ -*-===//

#ifndef INFERNO_TEST_FUZZ_FUZZUTIL_H
#define INFERNO_TEST_FUZZ_FUZZUTIL_H

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace inferno::fuzz {

/// A directory of this process's own (under $TMPDIR), made once and removed at exit; parsers
/// that read files by path get their input written there.
const std::string &scratchDirectory();

/// Replaces `path` with `bytes`; aborts when it cannot (that is the harness failing, not the
/// code under test).
void writeFile(const std::string &path, std::string_view bytes);

inline std::string_view asText(const uint8_t *data, size_t size) {
  return {reinterpret_cast<const char *>(data), size};
}

} // namespace inferno::fuzz

#endif // INFERNO_TEST_FUZZ_FUZZUTIL_H
