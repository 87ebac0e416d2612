//===- PreTokenizer.h - pre-tokenizers of tokenizer.json --------*- C++ -*-===//
//
// A pre-tokenizer cuts normalized text into pieces ("words") that the model tokenizes one by
// one. Implemented: Split (regex or literal, every delimiter behavior, invert), ByteLevel,
// Metaspace and Sequence. Pieces are views; a stage that changes text keeps the new strings in
// the arena it is given.
//
//===----------------------------------------------------------------------===//

#ifndef INFERNO_RUNTIME_TOKENIZER_PRETOKENIZER_H
#define INFERNO_RUNTIME_TOKENIZER_PRETOKENIZER_H

#include "runtime/tokenizer/Regex.h"

#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace inferno::rt::tok {

struct Piece {
  std::string_view text;
  /// The piece starts at offset 0 of the original input (Metaspace's "first" scheme needs it).
  bool atOrigin = false;
};

/// Owns the strings that stages create; views into it stay valid while it lives.
class PieceArena {
public:
  std::string_view keep(std::string s) {
    strings_.push_back(std::move(s));
    return strings_.back();
  }
  void clear() { strings_.clear(); }

private:
  std::deque<std::string> strings_;
};

class PreTokenizer {
public:
  virtual ~PreTokenizer() = default;
  /// Replaces `pieces` with their pre-tokenized parts; empty parts are dropped.
  virtual void apply(std::vector<Piece> &pieces, PieceArena &arena) const = 0;
};

/// What happens to the delimiters (matches) of a Split.
enum class SplitBehavior { Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous };

class SplitPreTokenizer : public PreTokenizer {
public:
  SplitPreTokenizer(Regex regex, SplitBehavior behavior, bool invert)
      : regex_(std::move(regex)), behavior_(behavior), invert_(invert) {}
  void apply(std::vector<Piece> &pieces, PieceArena &arena) const override;

private:
  Regex regex_;
  SplitBehavior behavior_;
  bool invert_;
};

/// The ByteLevel pre-tokenizer, which must come last: the byte-to-character mapping itself is
/// left to the model, which then works on raw bytes (see BpeConfig::byteLevelInput).
class ByteLevelPreTokenizer : public PreTokenizer {
public:
  ByteLevelPreTokenizer(bool addPrefixSpace, std::unique_ptr<Regex> gpt2Regex)
      : addPrefixSpace_(addPrefixSpace), regex_(std::move(gpt2Regex)) {}
  void apply(std::vector<Piece> &pieces, PieceArena &arena) const override;

  /// The regex GPT-2 splits with when `use_regex` is set.
  static constexpr std::string_view kGpt2Pattern =
      "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

private:
  bool addPrefixSpace_;
  std::unique_ptr<Regex> regex_; // null: use_regex false
};

enum class PrependScheme { Always, First, Never };

class MetaspacePreTokenizer : public PreTokenizer {
public:
  MetaspacePreTokenizer(std::string replacement, PrependScheme scheme, bool split)
      : replacement_(std::move(replacement)), scheme_(scheme), split_(split) {}
  void apply(std::vector<Piece> &pieces, PieceArena &arena) const override;

private:
  std::string replacement_; // one character
  PrependScheme scheme_;
  bool split_;
};

class SequencePreTokenizer : public PreTokenizer {
public:
  explicit SequencePreTokenizer(std::vector<std::unique_ptr<PreTokenizer>> steps)
      : steps_(std::move(steps)) {}
  void apply(std::vector<Piece> &pieces, PieceArena &arena) const override;

private:
  std::vector<std::unique_ptr<PreTokenizer>> steps_;
};

/// Cuts `text` at the given (begin, end, isMatch) spans according to `behavior`, as Hugging
/// Face's NormalizedString::split does; exposed for the tests.
struct Span {
  size_t begin, end;
  bool isMatch;
};
void splitSpans(const Piece &piece, const std::vector<Span> &spans, SplitBehavior behavior,
                std::vector<Piece> &out);

} // namespace inferno::rt::tok

#endif // INFERNO_RUNTIME_TOKENIZER_PRETOKENIZER_H
