//===- BpeModelTest.cpp - BPE merging, byte fallback, unknown tokens ------===//

#include "TestTokenizers.h"

#include <chrono>
#include <cstdio>

using namespace inferno::rt;
using namespace inferno::rt::testing;
using Ids = std::vector<int32_t>;

namespace {

json abcTokenizer(const std::vector<std::string> &merges) {
  return bpeTokenizerJson({{"a", 0}, {"b", 1}, {"c", 2}, {"ab", 3}, {"bc", 4}, {"abc", 5}, {"aa", 6},
                           {"aaaa", 7}},
                          merges);
}

} // namespace

TEST(BpeModel, MergesLowestRankFirst) {
  // "b c" outranks "a b", so "abc" becomes a + bc, then abc.
  EXPECT_EQ(makeTokenizer(abcTokenizer({"b c", "a b", "a bc"})).encode("abc"), (Ids{5}));
  EXPECT_EQ(makeTokenizer(abcTokenizer({"b c", "a b"})).encode("abc"), (Ids{0, 4}));
  EXPECT_EQ(makeTokenizer(abcTokenizer({"a b", "b c"})).encode("abc"), (Ids{3, 2}));
  EXPECT_EQ(makeTokenizer(abcTokenizer({"a b", "b c", "ab c"})).encode("abc"), (Ids{5}));
}

TEST(BpeModel, EqualRanksMergeLeftmostFirst) {
  Tokenizer t = makeTokenizer(abcTokenizer({"a a"}));
  EXPECT_EQ(t.encode("aaa"), (Ids{6, 0}));
  EXPECT_EQ(t.encode("aaaa"), (Ids{6, 6}));
  Tokenizer t2 = makeTokenizer(abcTokenizer({"a a", "aa aa"}));
  EXPECT_EQ(t2.encode("aaaaa"), (Ids{7, 0}));
  // The cache must not change answers.
  EXPECT_EQ(t2.encode("aaaaa"), (Ids{7, 0}));
}

TEST(BpeModel, LaterDuplicateMergeWins) {
  // Hugging Face collects merges into a map: a repeated pair keeps its last rank.
  Tokenizer t = makeTokenizer(abcTokenizer({"a b", "b c", "a b"}));
  EXPECT_EQ(t.encode("abc"), (Ids{0, 4}));
}

TEST(BpeModel, TupleMergesAndUnknownCharactersDropped) {
  json j = abcTokenizer({});
  j["model"]["merges"] = json::array({json::array({"a", "b"})});
  // Without unk token or byte fallback an unknown character is dropped, as in HF.
  EXPECT_EQ(makeTokenizer(j).encode("abxc"), (Ids{3, 2}));
}

TEST(BpeModel, ByteFallbackAndUnknown) {
  std::vector<std::pair<std::string, int>> vocab{{"<unk>", 0}, {"a", 1}};
  for (int b = 0; b < 256; ++b) {
    char name[8];
    std::snprintf(name, sizeof(name), "<0x%02X>", b);
    vocab.emplace_back(name, 2 + b);
  }
  json j = bpeTokenizerJson(vocab, {});
  j["model"]["unk_token"] = "<unk>";
  j["model"]["byte_fallback"] = true;
  // "é" is C3 A9: two byte tokens; "a" stays itself.
  EXPECT_EQ(makeTokenizer(j).encode("aé"), (Ids{1, 2 + 0xC3, 2 + 0xA9}));

  // Without byte fallback: one <unk> per unknown character, or one per run with fuse_unk.
  j["model"]["byte_fallback"] = false;
  EXPECT_EQ(makeTokenizer(j).encode("aéüa"), (Ids{1, 0, 0, 1}));
  j["model"]["fuse_unk"] = true;
  EXPECT_EQ(makeTokenizer(j).encode("aéüa"), (Ids{1, 0, 1}));
}

TEST(BpeModel, IgnoreMergesEmitsVocabularyWordsWhole) {
  // "abc" is in the vocabulary but no merge sequence reaches it.
  json j = abcTokenizer({"a b"});
  EXPECT_EQ(makeTokenizer(j).encode("abc"), (Ids{3, 2}));
  j["model"]["ignore_merges"] = true;
  EXPECT_EQ(makeTokenizer(j).encode("abc"), (Ids{5}));
  EXPECT_EQ(makeTokenizer(j).encode("abcc"), (Ids{3, 2, 2}));
}

TEST(BpeModel, SubwordPrefixAndSuffix) {
  json j = bpeTokenizerJson({{"a", 0}, {"##b", 1}, {"##c", 2}, {"a##b", 3}, {"ab", 4}}, {"a ##b"});
  j["model"]["continuing_subword_prefix"] = "##";
  EXPECT_EQ(makeTokenizer(j).encode("abc"), (Ids{4, 2}));
  json k = bpeTokenizerJson({{"a", 0}, {"b</w>", 1}, {"ab</w>", 2}}, {"a b</w>"});
  k["model"]["end_of_word_suffix"] = "</w>";
  EXPECT_EQ(makeTokenizer(k).encode("ab"), (Ids{2}));
}

TEST(BpeModel, LongWordsAreNotQuadratic) {
  // A single 400 kB word (no pre-tokenizer): merging must stay O(n log n).
  std::vector<std::pair<std::string, int>> vocab{{"a", 0}, {"b", 1}};
  std::vector<std::string> merges;
  std::string left = "a", right = "b";
  int id = 2;
  for (int level = 0; level < 12; ++level) {
    vocab.emplace_back(left + right, id++);
    merges.push_back(left + " " + right);
    left = left + right;
    right = left;
  }
  Tokenizer t = makeTokenizer(bpeTokenizerJson(vocab, merges));
  std::string text;
  for (int i = 0; i < 200000; ++i)
    text += "ab";
  auto start = std::chrono::steady_clock::now();
  Ids ids = t.encode(text);
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_FALSE(ids.empty());
  EXPECT_LT(ids.size(), text.size() / 100);
  EXPECT_LT(seconds, 2.0);
}

TEST(BpeModel, MergeErrorsNameFileAndToken) {
  std::string e = loadError(abcTokenizer({"a q"}).dump());
  EXPECT_NE(e.find("test.json"), std::string::npos) << e;
  EXPECT_NE(e.find("unknown token 'q'"), std::string::npos) << e;
  e = loadError(bpeTokenizerJson({{"x", 0}, {"y", 1}}, {"x y"}).dump());
  EXPECT_NE(e.find("merged token 'xy' is not in the vocabulary"), std::string::npos) << e;
  e = loadError(abcTokenizer({"a b c"}).dump());
  EXPECT_NE(e.find("model.merges[0]"), std::string::npos) << e;
  json j = abcTokenizer({});
  j["model"]["unk_token"] = "<unk>";
  e = loadError(j.dump());
  EXPECT_NE(e.find("unk_token '<unk>' is not in the vocabulary"), std::string::npos) << e;
}
