//===- Regex.h - Oniguruma-compatible regex on top of PCRE2 -----*- C++ -*-===//
//
// Hugging Face's tokenizers compiles the patterns of tokenizer.json with Oniguruma. We run them
// with PCRE2 (UTF mode, JIT-compiled) after translating them:
//  - \p{..} classes (and \d) are spelled out as code point ranges from our Unicode 16.0
//    General_Category table, the version of the oracle's Oniguruma (Debian's PCRE2 has 14.0);
//  - \s becomes Oniguruma's exact set (PCRE2's also matches U+180E), \v a vertical tab,
//    \uHHHH becomes \x{HHHH};
//  - constructs whose meaning differs and that we cannot translate faithfully (\w, \b, \h,
//    ^ and $, POSIX brackets, nested classes, scripts, multi-character case folds) are
//    refused when the tokenizer loads, never guessed.
//
//===----------------------------------------------------------------------===//

#ifndef INFERNO_RUNTIME_TOKENIZER_REGEX_H
#define INFERNO_RUNTIME_TOKENIZER_REGEX_H

#include "runtime/support/Expected.h"

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace inferno::rt::tok {

/// Rewrites an Oniguruma pattern into an equivalent PCRE2 pattern, or says which construct
/// is not supported.
Expected<std::string> translateOnigurumaPattern(std::string_view pattern);

class Regex {
  struct Compiled;

public:
  /// Compiles a pattern written for Oniguruma (as in tokenizer.json).
  static Expected<Regex> fromOniguruma(std::string_view pattern);
  /// Compiles a PCRE2 pattern as is (UTF + UCP).
  static Expected<Regex> fromPcre2(std::string_view pattern);

  /// Calls `onMatch(begin, end)` for every match in `text`, left to right and non-overlapping,
  /// with the iteration rules of the Rust `onig` crate: after an empty match the search moves
  /// one character on, and an empty match right where the previous match ended is skipped.
  /// `text` must be valid UTF-8 (it is not re-checked).
  template <typename F>
  void forEachMatch(std::string_view text, F &&onMatch) const {
    Matcher m(*this, text);
    size_t begin, end;
    while (m.next(begin, end))
      onMatch(begin, end);
  }

  /// The iteration behind forEachMatch; holds PCRE2 match data for one subject.
  class Matcher {
  public:
    Matcher(const Regex &regex, std::string_view text);
    ~Matcher();
    Matcher(const Matcher &) = delete;
    Matcher &operator=(const Matcher &) = delete;
    bool next(size_t &begin, size_t &end);

  private:
    const Compiled &compiled_;
    std::string_view text_;
    void *matchData_;
    size_t pos_ = 0;
    size_t lastMatchEnd_ = static_cast<size_t>(-1);
    bool done_ = false;
  };

  /// True when the whole of `text` (valid UTF-8) matches.
  bool fullMatch(std::string_view text) const;

  const std::string &pattern() const { return pattern_; }

private:
  Regex(std::shared_ptr<const Compiled> compiled, std::string pattern)
      : compiled_(std::move(compiled)), pattern_(std::move(pattern)) {}

  std::shared_ptr<const Compiled> compiled_;
  std::string pattern_;
};

} // namespace inferno::rt::tok

#endif // INFERNO_RUNTIME_TOKENIZER_REGEX_H
