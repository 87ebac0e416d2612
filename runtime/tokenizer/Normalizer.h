//===- Normalizer.h - text normalizers of tokenizer.json --------*- C++ -*-===//
//
// Normalizers rewrite each stretch of input text between added tokens before pre-tokenization.
// Only those that keep the result equal to Hugging Face's without Unicode tables are
// implemented: Prepend, Replace with a literal pattern, and Sequence of them. Offsets are not
// tracked: Inferno needs ids, not alignments.
//
//===----------------------------------------------------------------------===//

#ifndef INFERNO_RUNTIME_TOKENIZER_NORMALIZER_H
#define INFERNO_RUNTIME_TOKENIZER_NORMALIZER_H

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace inferno::rt::tok {

class Normalizer {
public:
  virtual ~Normalizer() = default;
  virtual void normalize(std::string &text) const = 0;
};

/// Prepends a string to non-empty text.
class PrependNormalizer : public Normalizer {
public:
  explicit PrependNormalizer(std::string prefix) : prefix_(std::move(prefix)) {}
  void normalize(std::string &text) const override;

private:
  std::string prefix_;
};

/// Replaces every occurrence of a literal pattern, left to right, without overlaps.
class ReplaceNormalizer : public Normalizer {
public:
  ReplaceNormalizer(std::string pattern, std::string content)
      : pattern_(std::move(pattern)), content_(std::move(content)) {}
  void normalize(std::string &text) const override;

private:
  std::string pattern_, content_;
};

class SequenceNormalizer : public Normalizer {
public:
  explicit SequenceNormalizer(std::vector<std::unique_ptr<Normalizer>> steps)
      : steps_(std::move(steps)) {}
  void normalize(std::string &text) const override;

private:
  std::vector<std::unique_ptr<Normalizer>> steps_;
};

/// Replaces every non-overlapping occurrence of `pattern` (non-empty) in `text`.
std::string replaceAll(std::string_view text, std::string_view pattern, std::string_view content);

} // namespace inferno::rt::tok

#endif // INFERNO_RUNTIME_TOKENIZER_NORMALIZER_H
