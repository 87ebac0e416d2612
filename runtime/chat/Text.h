//===- Text.h - Python's string semantics over UTF-8 -------------*- C++ -*-===//
//
// Templates run on Python strings: indexes, lengths and slices count code points, `strip`
// and `split` use Python's notion of whitespace (which includes NBSP and U+3000), and
// numbers print the way `str()` prints them. Strings here are UTF-8 std::string; these
// helpers give them those semantics.
//
//===----------------------------------------------------------------------===//

#ifndef INFERNO_RUNTIME_CHAT_TEXT_H
#define INFERNO_RUNTIME_CHAT_TEXT_H

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "runtime/support/Utf8.h"

namespace inferno::rt::chat {

/// Code points of valid UTF-8 (the lexer and JSON reader only admit valid UTF-8).
std::u32string decodeUtf8(const std::string &text);
std::string encodeUtf8(const std::u32string &text);
using inferno::rt::appendUtf8;
/// Whether `text` is well-formed UTF-8 without surrogates.
bool isValidUtf8(const std::string &text);
/// len() of a Python str.
size_t codePointCount(const std::string &text);

/// Python's str.isspace() for one code point (also what `\s` matches in Python's re).
bool isPySpace(char32_t cp);

/// str.strip / lstrip / rstrip: `chars` absent strips whitespace, present strips those code points.
std::string pyStrip(const std::string &text, const std::optional<std::string> &chars, bool left,
                    bool right);
/// str.split(sep, maxsplit): whitespace splitting when `sep` is absent. Throws on an empty sep.
std::vector<std::string> pySplit(const std::string &text, const std::optional<std::string> &sep,
                                 int64_t maxsplit);
/// str.replace(old, new, count) with count < 0 meaning all.
std::string pyReplace(const std::string &text, const std::string &from, const std::string &to,
                      int64_t count);

/// repr() of a float, which is also str(): the shortest digits that round-trip, exponent form
/// outside 1e-4 <= |x| < 1e16, and a ".0" on integral values.
std::string pyFloatRepr(double value);
/// repr() of a str (single quotes unless the text holds ' and no "). Non-ASCII text is refused by
/// the caller: Python's repr escapes non-printable code points using the Unicode database.
std::string pyStrReprAscii(const std::string &text);
bool isAscii(const std::string &text);

/// Python's `unicode_escape` decoding of a Jinja string literal's body, as Jinja's lexer does it
/// (after backslash-replacing non-ASCII text). Returns nullopt with `error` set on a bad escape.
std::optional<std::string> decodeStringLiteral(const std::string &body, std::string &error);

} // namespace inferno::rt::chat

#endif // INFERNO_RUNTIME_CHAT_TEXT_H
