//===- DecoderTest.cpp - decoders, lossy UTF-8, the stream decoder --------===//

#include "TestTokenizers.h"

#include "runtime/tokenizer/Utf8.h"

#include <cstdio>
#include <random>

using namespace inferno::rt;
using namespace inferno::rt::testing;
using Ids = std::vector<int32_t>;

namespace {

/// A SentencePiece-style vocabulary: <unk> <s> </s>, the 256 byte tokens, a few pieces.
std::vector<std::pair<std::string, int>> pieceVocab() {
  std::vector<std::pair<std::string, int>> vocab{{"<unk>", 0}, {"<s>", 1}, {"</s>", 2}};
  for (int b = 0; b < 256; ++b) {
    char name[8];
    std::snprintf(name, sizeof(name), "<0x%02X>", b);
    vocab.emplace_back(name, 3 + b);
  }
  int id = 259;
  for (const char *piece : {"▁", "▁Hello", "▁world", "▁▁", "a", "é", "▁é", "x▁", "▁▁▁", " ", "▁a"})
    vocab.emplace_back(piece, id++);
  return vocab;
}

json llama2StyleDecoder() {
  return json::parse(R"({"type": "Sequence", "decoders": [
      {"type": "Replace", "pattern": {"String": "▁"}, "content": " "},
      {"type": "ByteFallback"}, {"type": "Fuse"},
      {"type": "Strip", "content": " ", "start": 1, "stop": 0}]})");
}

json withSpecials(json j) {
  j["added_tokens"] = json::parse(R"([
      {"id": 0, "content": "<unk>", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true},
      {"id": 1, "content": "<s>", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true},
      {"id": 2, "content": "</s>", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true}])");
  return j;
}

/// The decoder chains the tests exercise, on the piece vocabulary.
std::vector<std::pair<std::string, json>> decoderVariants() {
  return {
      {"llama2", llama2StyleDecoder()},
      {"none", nullptr},
      {"metaspace-always", json::parse(R"({"type": "Metaspace", "replacement": "▁", "prepend_scheme": "always", "split": true})")},
      {"metaspace-never", json::parse(R"({"type": "Metaspace", "replacement": "▁", "prepend_scheme": "never", "split": false})")},
      {"strip-both", json::parse(R"({"type": "Sequence", "decoders": [
          {"type": "Replace", "pattern": {"String": "▁"}, "content": " "}, {"type": "ByteFallback"},
          {"type": "Strip", "content": " ", "start": 2, "stop": 2}, {"type": "Fuse"},
          {"type": "Strip", "content": " ", "start": 1, "stop": 3}]})")},
      {"replace-long", json::parse(R"({"type": "Sequence", "decoders": [
          {"type": "Fuse"}, {"type": "Replace", "pattern": {"String": "▁▁"}, "content": "_"},
          {"type": "ByteFallback"}]})")},
      {"bytelevel", json::parse(R"({"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": true, "use_regex": true})")},
      {"fallback-then-bytelevel", json::parse(R"({"type": "Sequence", "decoders": [
          {"type": "ByteFallback"}, {"type": "ByteLevel"}]})")},
  };
}

/// Checks that pushing `ids` one by one yields decode(ids), in whole characters.
void expectStreamMatches(const Tokenizer &t, const Ids &ids, bool skipSpecial,
                         const std::string &label) {
  StreamDecoder stream = t.streamDecoder(skipSpecial);
  std::string streamed;
  for (int32_t id : ids) {
    std::string piece = stream.push(id);
    ASSERT_TRUE(inferno::rt::tok::isValidUtf8(piece)) << label << ": a cut character";
    streamed += piece;
  }
  streamed += stream.finish();
  std::string batch = t.decode(ids, skipSpecial);
  ASSERT_EQ(streamed, batch) << label << ": ids " << json(ids).dump();
}

Ids randomIds(std::mt19937 &rng, int32_t vocab, const Ids &favourites) {
  std::uniform_int_distribution<int> length(0, 24);
  std::uniform_real_distribution<double> coin(0, 1);
  Ids ids(length(rng));
  for (int32_t &id : ids) {
    double r = coin(rng);
    if (r < 0.15 && !favourites.empty())
      id = favourites[std::uniform_int_distribution<size_t>(0, favourites.size() - 1)(rng)];
    else if (r < 0.5)
      id = std::uniform_int_distribution<int32_t>(0, std::min(vocab, 300) - 1)(rng);
    else
      id = std::uniform_int_distribution<int32_t>(0, vocab + 2)(rng); // a few unknown ids
  }
  return ids;
}

} // namespace

TEST(Utf8, LossyReplacesMaximalSubparts) {
  using inferno::rt::tok::appendLossyUtf8;
  auto lossy = [](std::string_view s) {
    std::string out;
    appendLossyUtf8(out, s);
    return out;
  };
  const std::string r = "\xEF\xBF\xBD";
  EXPECT_EQ(lossy("a\xE2\x82" "b"), "a" + r + "b");   // truncated 3-byte: one U+FFFD
  EXPECT_EQ(lossy("\xF0\x80"), r + r);               // F0 80 is not a valid prefix
  EXPECT_EQ(lossy("\xED\xA0\x80"), r + r + r);       // surrogates are ill-formed
  EXPECT_EQ(lossy("\xC0\xAF"), r + r);
  EXPECT_EQ(lossy("\xE2\x82\xAC"), "\xE2\x82\xAC");
  EXPECT_EQ(lossy("\xF4\x90\x80\x80"), r + r + r + r); // beyond U+10FFFF
  EXPECT_EQ(lossy("x\xF0\x9F\x98"), "x" + r);
}

TEST(Utf8, IncompleteSuffix) {
  using inferno::rt::tok::incompleteUtf8Suffix;
  EXPECT_EQ(incompleteUtf8Suffix("ab"), 0u);
  EXPECT_EQ(incompleteUtf8Suffix("a\xE2"), 1u);
  EXPECT_EQ(incompleteUtf8Suffix("a\xE2\x82"), 2u);
  EXPECT_EQ(incompleteUtf8Suffix("a\xE2\x82\xAC"), 0u);
  EXPECT_EQ(incompleteUtf8Suffix("\xF0\x9F\x98"), 3u);
  EXPECT_EQ(incompleteUtf8Suffix("\x80"), 0u);     // a stray continuation byte is final
  EXPECT_EQ(incompleteUtf8Suffix("a\xE0\x80"), 0u); // E0 80 can never complete
}

TEST(Decoder, ByteFallbackRunsAreAllOrNothing) {
  json j = withSpecials(bpeTokenizerJson(pieceVocab(), {}));
  j["decoder"] = llama2StyleDecoder();
  Tokenizer t = makeTokenizer(j);
  const int32_t byteBase = 3;
  const std::string r = "\xEF\xBF\xBD";
  // E2 82 AC is "€"; with one more E2 the whole run is invalid: one U+FFFD per byte.
  EXPECT_EQ(t.decode({byteBase + 0xE2, byteBase + 0x82, byteBase + 0xAC}), "€");
  EXPECT_EQ(t.decode({byteBase + 0xE2, byteBase + 0x82, byteBase + 0xAC, byteBase + 0xE2}),
            r + r + r + r);
  // The leading space of the first piece is stripped once; specials stay literal.
  EXPECT_EQ(t.decode({260, 261}), "Hello world");
  EXPECT_EQ(t.decode({1, 260, 261}), "<s> Hello world");
  EXPECT_EQ(t.decode({1, 260, 2}, /*skipSpecialTokens=*/true), "Hello");
  EXPECT_EQ(t.decode({999999, 260}), "Hello"); // unknown ids are skipped
}

TEST(Decoder, StreamMatchesBatchOnRandomIds) {
  std::mt19937 rng(1234);
  for (const auto &[name, decoder] : decoderVariants()) {
    json j = withSpecials(bpeTokenizerJson(pieceVocab(), {}));
    j["decoder"] = decoder;
    Tokenizer t = makeTokenizer(j);
    for (int i = 0; i < 3000; ++i) {
      Ids ids = randomIds(rng, 270, {0, 1, 2, 259, 262, 266, 3 + 0xE2, 3 + 0x82, 3 + 0xAC, 3 + 0xF0});
      expectStreamMatches(t, ids, i % 3 == 0, name);
      if (HasFatalFailure())
        return;
    }
  }
}

TEST(Decoder, StreamHoldsBackOnlyWhatCanChange) {
  json j = withSpecials(bpeTokenizerJson(pieceVocab(), {}));
  j["decoder"] = llama2StyleDecoder();
  Tokenizer t = makeTokenizer(j);
  StreamDecoder s = t.streamDecoder();
  EXPECT_EQ(s.push(260), "Hello");       // the first leading space is stripped at once
  EXPECT_EQ(s.push(261), " world");
  EXPECT_EQ(s.push(3 + 0xE2), "");        // a byte run waits for its end
  EXPECT_EQ(s.push(3 + 0x82), "");
  EXPECT_EQ(s.push(3 + 0xAC), "");
  EXPECT_EQ(s.push(2), "€</s>");
  EXPECT_EQ(s.finish(), "");
  // After finish() the decoder starts a new sequence.
  EXPECT_EQ(s.push(260), "Hello");
  EXPECT_EQ(s.finish(), "");
}

TEST(Decoder, StreamMatchesBatchOnRealTokenizers) {
  REQUIRE_SHARED_MODELS();
  std::string root = sharedModels();
  std::mt19937 rng(99);
  for (const char *dir : {"/tokenizers/llama3.1", "/tokenizers/llama2",
                          "/tokenizers/deepseek-r1-distill-llama", "/aidreams260K"}) {
    Expected<Tokenizer> t = Tokenizer::load(root + dir);
    ASSERT_TRUE(t) << t.error().message;
    int32_t vocab = static_cast<int32_t>(t->vocabSize());
    Ids favourites;
    for (int32_t id = 0; id < 3; ++id)
      favourites.push_back(id);
    if (auto bos = t->bosId())
      favourites.push_back(*bos);
    for (int32_t eos : t->eosIds())
      favourites.push_back(eos);
    // Round trips of real text, then random ids.
    for (const char *text : {"Hello world", "  leading spaces", "héllo wörld 😀 👨‍👩‍👧‍👦 日本語",
                             "<s> literal </s>", "tabs\tand\nnewlines\r\n", ""}) {
      expectStreamMatches(*t, t->encode(text), false, dir);
      expectStreamMatches(*t, t->encode(text, false), true, dir);
    }
    for (int i = 0; i < 2000; ++i) {
      expectStreamMatches(*t, randomIds(rng, vocab, favourites), i % 4 == 0, dir);
      if (HasFatalFailure())
        return;
    }
  }
}
