//===- TokenizerImpl.h - the parts of a loaded tokenizer --------*- C++ -*-===//
//
// Internal: what Tokenizer and StreamDecoder share. Built by the loader (Loader.cpp) from
// tokenizer.json and tokenizer_config.json; immutable afterwards except for the model's word
// cache, which is internally synchronized.
//
//===----------------------------------------------------------------------===//

#ifndef INFERNO_RUNTIME_TOKENIZER_TOKENIZERIMPL_H
#define INFERNO_RUNTIME_TOKENIZER_TOKENIZERIMPL_H

#include "runtime/support/Expected.h"
#include "runtime/tokenizer/AddedVocabulary.h"
#include "runtime/tokenizer/BpeModel.h"
#include "runtime/tokenizer/Decoder.h"
#include "runtime/tokenizer/Normalizer.h"
#include "runtime/tokenizer/PostProcessor.h"
#include "runtime/tokenizer/PreTokenizer.h"

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace inferno::rt::tok {

struct TokenizerImpl {
  std::unique_ptr<Normalizer> normalizer;     // null: none
  std::unique_ptr<PreTokenizer> preTokenizer; // null: the whole text is one word
  std::unique_ptr<BpeModel> model;
  AddedVocabulary added;
  SingleTemplate postTemplate;
  std::unique_ptr<Decoder> decoder; // null: tokens joined with spaces
  std::optional<int32_t> bosId;
  std::vector<int32_t> eosIds;
  size_t vocabSize = 0;

  /// The token string of `id` (added tokens first), or nullptr.
  const std::string *tokenString(int32_t id) const {
    if (const AddedToken *t = added.tokenOf(id))
      return &t->content;
    return model->idToToken(id);
  }
  /// Whether decode(skip_special_tokens) drops `id`'s token string.
  bool skipped(const std::string &token) const { return added.isSpecialContent(token); }
};

/// Builds a tokenizer from the text of tokenizer.json and (when non-empty) tokenizer_config.json.
/// Messages of the Error start with the name of the file at fault.
Expected<std::shared_ptr<TokenizerImpl>> buildTokenizer(std::string_view tokenizerJson,
                                                        const std::string &tokenizerName,
                                                        std::string_view configJson,
                                                        const std::string &configName);

} // namespace inferno::rt::tok

#endif // INFERNO_RUNTIME_TOKENIZER_TOKENIZERIMPL_H
