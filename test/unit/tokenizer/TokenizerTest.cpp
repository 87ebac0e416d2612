//===- TokenizerTest.cpp - added tokens, input checks, real files ---------===//

#include "TestTokenizers.h"

#include <atomic>
#include <thread>

using namespace inferno::rt;
using namespace inferno::rt::testing;
using Ids = std::vector<int32_t>;

namespace {

/// One token per printable ASCII character, id = code - 32, no merges.
json asciiTokenizer() {
  std::vector<std::pair<std::string, int>> vocab;
  for (int c = 32; c < 127; ++c)
    vocab.emplace_back(std::string(1, static_cast<char>(c)), c - 32);
  return bpeTokenizerJson(vocab, {});
}

int32_t id(char c) { return c - 32; }

json added(int id, const std::string &content, bool special, bool normalized, bool lstrip = false,
           bool rstrip = false, bool singleWord = false) {
  return {{"id", id},         {"content", content}, {"single_word", singleWord},
          {"lstrip", lstrip}, {"rstrip", rstrip},   {"normalized", normalized},
          {"special", special}};
}

Ids ids(std::initializer_list<int32_t> list) { return Ids(list); }

} // namespace

TEST(AddedTokens, FlagsFollowHuggingFace) {
  json j = asciiTokenizer();
  j["added_tokens"] = {added(95, "<x>", true, false), added(96, "[L]", true, false, true),
                       added(97, "[R]", true, false, false, true),
                       added(98, "wd", false, false, false, false, true),
                       added(99, "<x>>", false, false)};
  Tokenizer t = makeTokenizer(j);
  EXPECT_EQ(t.encode("a<x>b"), ids({id('a'), 95, id('b')}));
  // Leftmost-longest: "<x>>" wins over "<x>" at the same position.
  EXPECT_EQ(t.encode("<x>>"), ids({99}));
  // lstrip / rstrip swallow the whitespace next to the token.
  EXPECT_EQ(t.encode("a  [L]b"), ids({id('a'), 96, id('b')}));
  EXPECT_EQ(t.encode("a [R] \t b"), ids({id('a'), id(' '), 97, id('b')}));
  // single_word: only between non-word characters (or the ends).
  EXPECT_EQ(t.encode("x wd y"), ids({id('x'), id(' '), 98, id(' '), id('y')}));
  EXPECT_EQ(t.encode("xwd y"), ids({id('x'), id('w'), id('d'), id(' '), id('y')}));
  EXPECT_EQ(t.encode("wd"), ids({98}));
  // Decoding without a decoder joins token strings with spaces; specials can be skipped.
  EXPECT_EQ(t.decode({id('a'), 95, id('b')}), "a <x> b");
  EXPECT_EQ(t.decode({id('a'), 95, id('b')}, true), "a b");
  EXPECT_TRUE(t.isSpecial(95));
  EXPECT_FALSE(t.isSpecial(98));
  EXPECT_EQ(t.tokenToId("<x>"), 95);
  EXPECT_EQ(t.idToToken(96), "[L]");
  EXPECT_EQ(t.vocabSize(), 100u);
}

TEST(AddedTokens, NormalizedTokensMatchNormalizedText) {
  json j = asciiTokenizer();
  j["normalizer"] = {{"type", "Replace"}, {"pattern", {{"String", " "}}}, {"content", "_"}};
  j["added_tokens"] = {added(95, "a b", false, true), added(96, "c d", false, false)};
  Tokenizer t = makeTokenizer(j);
  // "a b" is normalized to "a_b" and matched in normalized text, so "a_b" matches too.
  EXPECT_EQ(t.encode("xa by"), ids({id('x'), 95, id('y')}));
  EXPECT_EQ(t.encode("xa_by"), ids({id('x'), 95, id('y')}));
  // "c d" is matched on the raw text only.
  EXPECT_EQ(t.encode("c d"), ids({96}));
  EXPECT_EQ(t.encode("c_d"), ids({id('c'), id('_'), id('d')}));
}

TEST(Tokenizer, InvalidUtf8) {
  Tokenizer t = makeTokenizer(asciiTokenizer());
  Expected<Ids> checked = t.encodeChecked("ab\xFF");
  ASSERT_FALSE(checked);
  EXPECT_NE(checked.error().message.find("byte offset 2"), std::string::npos)
      << checked.error().message;
  // encode() repairs the input as String::from_utf8_lossy would (U+FFFD is unknown here).
  EXPECT_EQ(t.encode("ab\xFF"), ids({id('a'), id('b')}));
  EXPECT_TRUE(t.encodeChecked("ab"));
}

TEST(Tokenizer, MetaspaceSplitsAndPrepends) {
  json j = bpeTokenizerJson({{"▁", 0}, {"a", 1}, {"b", 2}, {"▁a", 3}}, {"▁ a"});
  j["pre_tokenizer"] = {{"type", "Metaspace"}, {"replacement", "▁"}, {"prepend_scheme", "first"},
                        {"split", true}};
  j["decoder"] = {{"type", "Metaspace"}, {"replacement", "▁"}, {"prepend_scheme", "first"},
                  {"split", true}};
  Tokenizer t = makeTokenizer(j);
  EXPECT_EQ(t.encode("a ab"), ids({3, 3, 2}));
  EXPECT_EQ(t.decode({3, 3, 2}), "a ab");
}

TEST(RealTokenizers, KnownIds) {
  REQUIRE_SHARED_MODELS();
  std::string root = sharedModels();
  Expected<Tokenizer> llama3 = Tokenizer::load(root + "/tokenizers/llama3.1");
  ASSERT_TRUE(llama3) << llama3.error().message;
  EXPECT_EQ(llama3->encode("Hello world"), ids({128000, 9906, 1917}));
  EXPECT_EQ(llama3->encode("<|eot_id|>", false), ids({128009}));
  EXPECT_EQ(llama3->decode({128000, 9906, 1917}), "<|begin_of_text|>Hello world");
  EXPECT_EQ(llama3->decode({128000, 9906, 1917}, true), "Hello world");
  EXPECT_EQ(llama3->bosId(), 128000);
  EXPECT_EQ(llama3->eosIds(), ids({128009}));
  EXPECT_EQ(llama3->vocabSize(), 128256u);

  Expected<Tokenizer> llama2 = Tokenizer::load(root + "/tokenizers/llama2/tokenizer.json");
  ASSERT_TRUE(llama2) << llama2.error().message;
  EXPECT_EQ(llama2->encode("Hello world"), ids({1, 15043, 3186}));
  EXPECT_EQ(llama2->decode({1, 15043, 3186}), "<s> Hello world");
  EXPECT_EQ(llama2->bosId(), 1);
  EXPECT_EQ(llama2->eosIds(), ids({2}));
  EXPECT_EQ(llama2->vocabSize(), 32000u);

  Expected<Tokenizer> deepseek = Tokenizer::load(root + "/tokenizers/deepseek-r1-distill-llama");
  ASSERT_TRUE(deepseek) << deepseek.error().message;
  EXPECT_EQ(deepseek->tokenToId("<think>"), 128013);
  EXPECT_FALSE(deepseek->isSpecial(128013));
  EXPECT_EQ(deepseek->eosIds(), ids({128001}));
}

TEST(RealTokenizers, ConcurrentEncodesAgree) {
  REQUIRE_SHARED_MODELS();
  Expected<Tokenizer> t = Tokenizer::load(sharedModels() + "/tokenizers/llama3.1");
  ASSERT_TRUE(t) << t.error().message;
  std::vector<std::string> texts;
  for (int i = 0; i < 200; ++i)
    texts.push_back("Sample " + std::to_string(i * 7919) + " with words, words and more words " +
                    std::string(i % 13, ' ') + "end.");
  std::vector<Ids> expected;
  for (const std::string &s : texts)
    expected.push_back(t->encode(s));
  // The word cache belongs to one encode at a time; the others run uncached. Same answers.
  std::vector<std::thread> threads;
  std::atomic<int> mismatches{0};
  for (int k = 0; k < 4; ++k)
    threads.emplace_back([&, k] {
      for (int round = 0; round < 5; ++round)
        for (size_t i = 0; i < texts.size(); ++i) {
          size_t j = (i * (k + 1) + round) % texts.size();
          if (t->encode(texts[j]) != expected[j])
            ++mismatches;
        }
    });
  for (std::thread &th : threads)
    th.join();
  EXPECT_EQ(mismatches.load(), 0);
}
