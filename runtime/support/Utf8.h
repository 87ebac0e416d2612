//===- Utf8.h - UTF-8 and hex digit primitives ------------------*- C++ -*-===//
//
// The few byte-level text helpers that both the tokenizer and the chat-template engine need;
// each keeps its own higher-level rules (lossy decoding, Python string semantics) on top.
//
//===----------------------------------------------------------------------===//

#ifndef INFERNO_RUNTIME_SUPPORT_UTF8_H
#define INFERNO_RUNTIME_SUPPORT_UTF8_H

#include <string>

namespace inferno::rt {

/// Appends the UTF-8 encoding of code point `cp` (assumed to be a Unicode scalar value).
inline void appendUtf8(std::string &out, char32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

/// The value of one hexadecimal digit, or -1.
inline int hexDigitValue(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

} // namespace inferno::rt

#endif // INFERNO_RUNTIME_SUPPORT_UTF8_H
