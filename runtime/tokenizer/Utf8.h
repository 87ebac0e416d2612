//===- Utf8.h - UTF-8 scanning for the tokenizer ----------------*- C++ -*-===//
//
// Hugging Face's tokenizers works on Rust strings: input is valid UTF-8 by construction and
// decoded bytes are turned back into text with `String::from_utf8_lossy`, which replaces each
// "maximal subpart" of an ill-formed sequence (Unicode 15, section 3.9) with one U+FFFD. These
// helpers reproduce exactly that, so decode() and the stream decoder agree with it byte for byte.
//
//===----------------------------------------------------------------------===//

#ifndef INFERNO_RUNTIME_TOKENIZER_UTF8_H
#define INFERNO_RUNTIME_TOKENIZER_UTF8_H

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "runtime/support/Utf8.h"

namespace inferno::rt::tok {

/// What starts at a position of a byte string.
enum class Utf8Scan {
  Valid,     ///< a well-formed character of `length` bytes
  Invalid,   ///< an ill-formed maximal subpart of `length` bytes (1 to 3)
  Truncated, ///< the string ends inside a character that could still be completed
};

struct Utf8Step {
  Utf8Scan kind;
  size_t length;
};

/// Classifies the bytes at `s[pos]` (pos < s.size()) following Table 3-7 of the Unicode
/// standard: the longest prefix of a well-formed sequence is one maximal subpart.
Utf8Step scanUtf8(std::string_view s, size_t pos);

/// True when `s` is entirely well-formed UTF-8.
bool isValidUtf8(std::string_view s);

/// Byte offset of the first ill-formed sequence, or s.size() when there is none.
size_t firstInvalidUtf8(std::string_view s);

/// Appends `s` to `out` as `String::from_utf8_lossy` would render it. A truncated character at
/// the end counts as one ill-formed subpart.
void appendLossyUtf8(std::string &out, std::string_view s);

/// Number of bytes at the end of `s` that form the start of a character that more bytes could
/// still complete (0 to 3). A streaming decoder must hold those back.
size_t incompleteUtf8Suffix(std::string_view s);

using inferno::rt::appendUtf8;

/// Length in bytes of the (valid) character that starts with lead byte `lead`.
inline size_t utf8CharLength(unsigned char lead) {
  if (lead < 0x80)
    return 1;
  if (lead < 0xE0)
    return 2;
  if (lead < 0xF0)
    return 3;
  return 4;
}

/// Decodes the valid character at `s[pos]`.
uint32_t decodeUtf8At(std::string_view s, size_t pos);

/// Number of characters (code points) in valid UTF-8 `s`.
size_t utf8Length(std::string_view s);

inline constexpr std::string_view kReplacementCharacter = "\xEF\xBF\xBD";

} // namespace inferno::rt::tok

#endif // INFERNO_RUNTIME_TOKENIZER_UTF8_H
