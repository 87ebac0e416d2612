//===- TestTokenizers.h - small tokenizer.json files for the tests -*- C++ -*-===//

#ifndef INFERNO_TEST_UNIT_TOKENIZER_TESTTOKENIZERS_H
#define INFERNO_TEST_UNIT_TOKENIZER_TESTTOKENIZERS_H

#include "runtime/tokenizer/Tokenizer.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace inferno::rt::testing {

using json = nlohmann::json;

/// A tokenizer.json with a BPE model over `vocab` (token -> id) and `merges` ("a b"), and no
/// other component; tests add what they need.
inline json bpeTokenizerJson(const std::vector<std::pair<std::string, int>> &vocab,
                             const std::vector<std::string> &merges) {
  json v = json::object();
  for (const auto &[token, id] : vocab)
    v[token] = id;
  return json{{"version", "1.0"},
              {"truncation", nullptr},
              {"padding", nullptr},
              {"added_tokens", json::array()},
              {"normalizer", nullptr},
              {"pre_tokenizer", nullptr},
              {"post_processor", nullptr},
              {"decoder", nullptr},
              {"model",
               {{"type", "BPE"},
                {"dropout", nullptr},
                {"unk_token", nullptr},
                {"continuing_subword_prefix", nullptr},
                {"end_of_word_suffix", nullptr},
                {"fuse_unk", false},
                {"byte_fallback", false},
                {"ignore_merges", false},
                {"vocab", v},
                {"merges", merges}}}};
}

/// Builds a tokenizer or fails the test with the loader's message.
inline Tokenizer makeTokenizer(const json &tokenizer, const json &config = json()) {
  Expected<Tokenizer> t =
      Tokenizer::fromJson(tokenizer.dump(), config.is_null() ? "" : config.dump(), "test.json");
  if (!t) {
    ADD_FAILURE() << t.error().message;
    std::abort();
  }
  return *t;
}

/// The loader's error for `tokenizer` ("" when it loads).
inline std::string loadError(const std::string &tokenizerText) {
  Expected<Tokenizer> t = Tokenizer::fromJson(tokenizerText, "", "test.json");
  return t ? std::string() : t.error().message;
}

/// ../shared/models next to the source tree, or "" when it is not there.
inline std::string sharedModels() {
  std::filesystem::path p = std::filesystem::path(INFERNO_SOURCE_DIR) / ".." / "shared" / "models";
  return std::filesystem::is_directory(p) ? p.string() : std::string();
}

#define REQUIRE_SHARED_MODELS()                                                                    \
  if (::inferno::rt::testing::sharedModels().empty())                                              \
  GTEST_SKIP() << "../shared/models is not present"

} // namespace inferno::rt::testing

#endif // INFERNO_TEST_UNIT_TOKENIZER_TESTTOKENIZERS_H
