//===- BpeModel.h - byte-pair-encoding model --------------------*- C++ -*-===//
//
// The `model` of tokenizer.json when its type is BPE: a vocabulary, ranked merges, and the
// options of Hugging Face's BPE (unk token with fusing, byte fallback, ignore_merges,
// continuing-subword prefix and end-of-word suffix). A word is split into characters, and
// adjacent pairs are merged lowest rank first (leftmost on ties) with a binary heap over a
// linked list of symbols, so a long word costs O(n log n), never O(n^2).
//
//===----------------------------------------------------------------------===//

#ifndef INFERNO_RUNTIME_TOKENIZER_BPEMODEL_H
#define INFERNO_RUNTIME_TOKENIZER_BPEMODEL_H

#include "runtime/support/Expected.h"
#include "runtime/tokenizer/HashMaps.h"

#include <array>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace inferno::rt::tok {

struct BpeConfig {
  std::optional<std::string> unkToken;
  bool fuseUnk = false;
  bool byteFallback = false;
  bool ignoreMerges = false;
  std::string continuingSubwordPrefix; ///< empty: none
  std::string endOfWordSuffix;         ///< empty: none
  /// Words arrive as raw bytes that the ByteLevel pre-tokenizer would have spelled with its
  /// alphabet; the model looks them up in that spelling without building the spelled string.
  bool byteLevelInput = false;
};

class BpeModel {
public:
  /// `vocab` in file order; `merges` in rank order. Errors name the offending token.
  static Expected<BpeModel> build(const std::vector<std::pair<std::string, int32_t>> &vocab,
                                  const std::vector<std::pair<std::string, std::string>> &merges,
                                  BpeConfig config);

  /// A tokenization context. It owns the word cache while it lives when no other session
  /// does (sessions on other threads then simply run uncached), so concurrent encodes are safe
  /// without a lock per word.
  class Session {
  public:
    explicit Session(const BpeModel &model);
    /// Appends the ids of `word` (valid UTF-8, or raw bytes in byte-level mode).
    void tokenize(std::string_view word, std::vector<int32_t> &out);

  private:
    void mergeCached(std::string_view word, std::vector<int32_t> &out);
    const BpeModel &model_;
    std::unique_lock<std::mutex> cacheLock_;
  };

  /// Id of a vocabulary token as spelled in tokenizer.json, or -1.
  int32_t tokenToId(std::string_view token) const { return vocab_.find(token); }
  /// The token of `id` as spelled in tokenizer.json, or nullptr.
  const std::string *idToToken(int32_t id) const;
  /// Number of distinct tokens (what Hugging Face calls the model's vocab size).
  size_t size() const { return vocab_.size(); }
  /// One past the largest id.
  int32_t idLimit() const { return static_cast<int32_t>(tokens_.size()); }
  const BpeConfig &config() const { return config_; }

private:
  struct Merge {
    uint32_t rank = 0;
    int32_t result = -1;
  };
  /// A direct-mapped cache of tokenized words (bounded: one entry per slot, newest wins).
  struct Cache {
    static constexpr size_t kSlots = 1 << 14;
    static constexpr size_t kMaxWordBytes = 256; // longer words are not cached, as in HF
    struct Entry {
      std::string word;
      std::vector<int32_t> ids;
      bool used = false;
    };
    std::mutex mutex;
    std::vector<Entry> entries{kSlots};
  };

  BpeModel() = default;
  void tokenizeUncached(std::string_view word, std::vector<int32_t> &out) const;
  void initialSymbols(std::string_view word, std::vector<int32_t> &symbols) const;
  void addUnknown(std::string_view spelled, std::vector<int32_t> &symbols,
                  std::optional<int32_t> &pendingUnk) const;
  void mergeSymbols(std::vector<int32_t> &symbols) const;
  void buildJoinablePairs();
  /// Calls f(segment) for the pieces of `word` between "hard" boundaries: two adjacent
  /// characters that are each a token and that no token contains side by side. No merge can
  /// cross such a boundary, so merging the pieces separately gives the same ids as merging the
  /// whole word, in far less time for the huge words of tokenizers without a pre-tokenizer.
  template <typename F>
  void forEachSegment(std::string_view word, F &&f) const;

  BpeConfig config_;
  StringIdMap vocab_;         ///< spelled token -> id
  StringIdMap rawVocab_;      ///< byte-level mode: raw bytes of a token -> id
  std::vector<std::string> tokens_;
  std::vector<uint8_t> hasToken_;
  PairMap<Merge> merges_;
  std::array<int32_t, 256> byteSymbol_{};   ///< byte-level mode: id of each byte's character
  std::array<int32_t, 256> fallbackByte_{}; ///< id of "<0xHH>" or -1
  int32_t unkId_ = -1;
  bool segmentable_ = false;             ///< no affixes: words may be cut at hard boundaries
  std::vector<uint64_t> joinableBytes_;  ///< byte-level mode: bit (a << 8 | b) if "ab" occurs
  PairMap<uint8_t> joinableChars_;       ///< otherwise: code point pairs inside some token
  std::unique_ptr<Cache> cache_ = std::make_unique<Cache>();
};

} // namespace inferno::rt::tok

#endif // INFERNO_RUNTIME_TOKENIZER_BPEMODEL_H
