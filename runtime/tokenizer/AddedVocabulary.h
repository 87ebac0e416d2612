//===- AddedVocabulary.h - added and special tokens -------------*- C++ -*-===//
//
// Tokens listed in tokenizer.json's `added_tokens` are found in the text before anything else
// runs, with Hugging Face's rules: the longest token at the leftmost position wins; tokens with
// `normalized: false` are matched on the raw text, the others on normalized text; `single_word`
// requires non-word characters (or the text's ends) around the match; `lstrip`/`rstrip` swallow
// the whitespace before/after it. Special-token strings typed in the text are recognised too
// (HF's default, encode_special_tokens = false).
//
//===----------------------------------------------------------------------===//

#ifndef INFERNO_RUNTIME_TOKENIZER_ADDEDVOCABULARY_H
#define INFERNO_RUNTIME_TOKENIZER_ADDEDVOCABULARY_H

#include "runtime/tokenizer/HashMaps.h"

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace inferno::rt::tok {

class BpeModel;
class Normalizer;

struct AddedToken {
  std::string content;
  bool singleWord = false;
  bool lstrip = false;
  bool rstrip = false;
  bool normalized = true;
  bool special = false;

  bool operator==(const AddedToken &o) const {
    return content == o.content && singleWord == o.singleWord && lstrip == o.lstrip &&
           rstrip == o.rstrip && normalized == o.normalized && special == o.special;
  }
};

/// A set of strings matched leftmost-longest (what Aho-Corasick with MatchKind::LeftmostLongest
/// reports): a byte trie walked from each position whose first byte can start a pattern.
class TokenTrie {
public:
  void add(std::string_view pattern, int32_t value);
  bool empty() const { return nodes_.size() <= 1; }
  /// The longest pattern starting at `pos`; false when none does.
  bool longestAt(std::string_view text, size_t pos, size_t &length, int32_t &value) const;
  bool mayStartWith(unsigned char byte) const { return first_[byte]; }

private:
  struct Node {
    std::vector<std::pair<unsigned char, int32_t>> children; // sorted by byte
    int32_t value = -1;
  };
  std::vector<Node> nodes_{1};
  std::array<bool, 256> first_{};
};

class AddedVocabulary {
public:
  /// Registers `tokens` in order as Hugging Face's AddedVocabulary::add_tokens does: a token
  /// keeps the id its content already has (added before, or in the model's vocabulary), else
  /// takes the next id after the model's. `normalizer` (may be null) normalizes the patterns of
  /// tokens with `normalized: true`.
  void add(const std::vector<AddedToken> &tokens, const BpeModel &model,
           const Normalizer *normalizer);

  /// A stretch of text, or an added token when id >= 0.
  struct Segment {
    size_t begin, end;
    int32_t id;
  };
  /// Finds the tokens of one kind (`normalizedTokens` false: matched on raw text) in `text` and
  /// appends the segments covering it. Segments may be empty (callers skip those).
  void split(std::string_view text, bool normalizedTokens, std::vector<Segment> &out) const;

  bool hasRawTokens() const { return !rawTrie_.empty(); }
  bool hasNormalizedTokens() const { return !normalizedTrie_.empty(); }

  int32_t idOf(std::string_view content) const { return ids_.find(content); }
  const AddedToken *tokenOf(int32_t id) const;
  bool isSpecialContent(std::string_view content) const {
    return specialContents_.count(std::string(content)) != 0;
  }
  /// Every registered id (sorted).
  std::vector<int32_t> ids() const;

private:
  void refresh(const Normalizer *normalizer);

  StringIdMap ids_;                                 // content -> id
  std::unordered_map<int32_t, AddedToken> byId_;    // id -> latest token registered with it
  std::vector<AddedToken> specialTokens_, plainTokens_;
  std::unordered_set<std::string> specialContents_;
  TokenTrie rawTrie_, normalizedTrie_;
};

} // namespace inferno::rt::tok

#endif // INFERNO_RUNTIME_TOKENIZER_ADDEDVOCABULARY_H
