//===- Tokenizer.h - Hugging Face compatible tokenizer ----------*- C++ -*-===//
//
// Loads a tokenizer.json (and the tokenizer_config.json next to it) and encodes/decodes exactly
// as Hugging Face's `tokenizers` library does, id for id. Supported: BPE models (byte-level as
// in Llama 3, SentencePiece-style with byte fallback as in Llama 2) and the normalizers,
// pre-tokenizers, post-processors and decoders those use; a file with anything else is refused
// with an Error rather than tokenized differently. docs/tokenizer.md lists what is supported.
//
//===----------------------------------------------------------------------===//

#ifndef INFERNO_RUNTIME_TOKENIZER_TOKENIZER_H
#define INFERNO_RUNTIME_TOKENIZER_TOKENIZER_H

#include "runtime/support/Expected.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace inferno::rt {

namespace tok {
struct TokenizerImpl;
class StreamStage;
} // namespace tok

class StreamDecoder;

class Tokenizer {
public:
  /// Loads `pathOrDir`: a tokenizer.json, or a directory holding one. A tokenizer_config.json
  /// in the same directory is read when present (see docs/tokenizer.md for what it changes).
  static Expected<Tokenizer> load(const std::string &pathOrDir);

  /// Builds a tokenizer from file contents; `name` prefixes error messages. An empty
  /// `configJson` means there is no tokenizer_config.json.
  static Expected<Tokenizer> fromJson(std::string_view tokenizerJson, std::string_view configJson,
                                      const std::string &name);

  /// The ids of `text`, as Hugging Face's `encode(text, add_special_tokens)`. `text` should be
  /// valid UTF-8 (HF takes a Rust &str, so it cannot see anything else); ill-formed sequences
  /// are replaced by U+FFFD first, as String::from_utf8_lossy would. Use encodeChecked() to be
  /// told instead.
  std::vector<int32_t> encode(std::string_view text, bool addSpecialTokens = true) const;

  /// Like encode(), but returns an Error naming the byte offset of the first ill-formed UTF-8
  /// sequence instead of repairing it.
  Expected<std::vector<int32_t>> encodeChecked(std::string_view text,
                                               bool addSpecialTokens = true) const;

  /// The text of `ids`, as Hugging Face's `decode(ids, skip_special_tokens)`. Ids without a
  /// token are skipped, as there.
  std::string decode(const std::vector<int32_t> &ids, bool skipSpecialTokens = false) const;

  /// An incremental decoder for generation (see StreamDecoder).
  StreamDecoder streamDecoder(bool skipSpecialTokens = false) const;

  /// Id of a token (added tokens first, then the model's vocabulary, spelled as in the file).
  std::optional<int32_t> tokenToId(std::string_view token) const;
  /// The token string of an id, spelled as in the file (e.g. "Ġhello" for byte-level BPE).
  std::optional<std::string> idToToken(int32_t id) const;
  /// Whether `id` is an added token marked special.
  bool isSpecial(int32_t id) const;

  /// The beginning-of-sequence id: the special token that starts the post-processor's
  /// template, else tokenizer_config.json's bos_token.
  std::optional<int32_t> bosId() const;
  /// End-of-sequence ids known to the tokenizer: tokenizer_config.json's eos_token and a special
  /// token that ends the template. Models may stop on more (config.json, generation_config.json).
  std::vector<int32_t> eosIds() const;
  /// One past the largest id of the model and the added tokens (the embedding rows needed).
  size_t vocabSize() const;

private:
  explicit Tokenizer(std::shared_ptr<const tok::TokenizerImpl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<const tok::TokenizerImpl> impl_;
  friend class StreamDecoder;
};

/// Decodes ids one at a time while they are generated. push() returns only text that no later
/// id can change, and never part of a character; finish() returns the rest. The concatenation
/// of everything returned equals Tokenizer::decode of all the ids pushed.
class StreamDecoder {
public:
  StreamDecoder(StreamDecoder &&) noexcept;
  StreamDecoder &operator=(StreamDecoder &&) noexcept;
  ~StreamDecoder();

  std::string push(int32_t id);
  /// Flushes what was held back; the decoder then starts over, as for a new sequence.
  std::string finish();

private:
  friend class Tokenizer;
  StreamDecoder(std::shared_ptr<const tok::TokenizerImpl> impl, bool skipSpecialTokens);
  void reset();

  std::shared_ptr<const tok::TokenizerImpl> impl_;
  bool skipSpecialTokens_;
  struct Chain;
  std::unique_ptr<Chain> chain_;
};

} // namespace inferno::rt

#endif // INFERNO_RUNTIME_TOKENIZER_TOKENIZER_H
