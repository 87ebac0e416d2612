//===- LoaderTest.cpp - refusing what is not implemented, bad files ------===//

#include "TestTokenizers.h"

#include <cstdlib>
#include <fstream>

#include <unistd.h>

using namespace inferno::rt;
using namespace inferno::rt::testing;
using Ids = std::vector<int32_t>;

namespace {

json smallTokenizer() { return bpeTokenizerJson({{"a", 0}, {"b", 1}, {"ab", 2}}, {"a b"}); }

std::string errorWith(const std::string &key, const json &value) {
  json j = smallTokenizer();
  j[key] = value;
  return loadError(j.dump());
}

void expectContains(const std::string &haystack, const std::string &needle) {
  EXPECT_NE(haystack.find(needle), std::string::npos) << "message: " << haystack;
}

/// A fresh directory of this test's own: mkdtemp never reuses a name, whereas a name made
/// from the pid can meet a directory left by an earlier process with the same pid.
std::filesystem::path tempDir(const std::string &name) {
  std::string pattern =
      (std::filesystem::temp_directory_path() / ("inferno-tokenizer-test-" + name + "-XXXXXX"))
          .string();
  if (!mkdtemp(pattern.data()))
    ADD_FAILURE() << "cannot create " << pattern;
  return pattern;
}

void writeFile(const std::filesystem::path &path, const std::string &text) {
  std::ofstream(path, std::ios::binary) << text;
}

} // namespace

TEST(Loader, RejectsUnsupportedComponents) {
  expectContains(errorWith("pre_tokenizer", {{"type", "Whitespace"}}),
                 "test.json: unsupported pre_tokenizer type 'Whitespace'");
  expectContains(errorWith("pre_tokenizer", {{"type", "Sequence"},
                                             {"pretokenizers", {{{"type", "Digits"}, {"individual_digits", true}}}}}),
                 "unsupported pre_tokenizer type 'Digits'");
  expectContains(errorWith("normalizer", {{"type", "NFC"}}), "unsupported normalizer type 'NFC'");
  expectContains(errorWith("normalizer", {{"type", "Lowercase"}}),
                 "unsupported normalizer type 'Lowercase'");
  expectContains(errorWith("decoder", {{"type", "WordPiece"}, {"prefix", "##"}, {"cleanup", true}}),
                 "unsupported decoder type 'WordPiece'");
  expectContains(errorWith("post_processor", {{"type", "BertProcessing"}}),
                 "unsupported post_processor type 'BertProcessing'");
  expectContains(errorWith("truncation", {{"max_length", 8}}), "unsupported truncation");
  expectContains(errorWith("padding", {{"strategy", "BatchLongest"}}), "unsupported padding");
  expectContains(errorWith("normalizer", {{"type", "Replace"}, {"pattern", {{"Regex", " +"}}}, {"content", " "}}),
                 "Replace with a Regex pattern");

  json j = smallTokenizer();
  j["model"]["type"] = "Unigram";
  expectContains(loadError(j.dump()), "unsupported model type 'Unigram'");
  j["model"]["type"] = "WordPiece";
  expectContains(loadError(j.dump()), "unsupported model type 'WordPiece'");
  j = smallTokenizer();
  j["model"]["dropout"] = 0.1;
  expectContains(loadError(j.dump()), "dropout");
}

TEST(Loader, RejectsUnknownKeysAndBadRegexes) {
  // A key our version does not know may change behavior in a newer library: refuse it.
  json j = smallTokenizer();
  j["model"]["new_flag"] = true;
  expectContains(loadError(j.dump()), "unsupported key 'new_flag' in model BPE");
  expectContains(errorWith("pre_tokenizer", {{"type", "ByteLevel"}, {"add_prefix_space", false},
                                             {"use_regex", false}, {"future", 1}}),
                 "unsupported key 'future' in pre_tokenizer ByteLevel");
  // Regex constructs whose meaning differs between Oniguruma and PCRE2 are refused.
  auto split = [](const std::string &regex) {
    return json{{"type", "Split"}, {"pattern", {{"Regex", regex}}}, {"behavior", "Isolated"},
                {"invert", false}};
  };
  expectContains(errorWith("pre_tokenizer", split("\\w+")), "unsupported regex construct \\w");
  expectContains(errorWith("pre_tokenizer", split("^a")), "anchor");
  expectContains(errorWith("pre_tokenizer", split("\\p{Han}")), "\\p{Han}");
  expectContains(errorWith("pre_tokenizer", split("(?i:ss)")), "multi-character folding");
  expectContains(errorWith("pre_tokenizer", split("[a-z&&[^aeiou]]")), "character class intersection");
  expectContains(errorWith("pre_tokenizer", split("(")), "cannot compile regex");
  // ByteLevel must be the last pre-tokenizer (its mapping is fused into the model).
  expectContains(errorWith("pre_tokenizer",
                           {{"type", "Sequence"},
                            {"pretokenizers", {{{"type", "ByteLevel"}, {"add_prefix_space", false},
                                                {"use_regex", false}},
                                               split("a")}}}),
                 "after ByteLevel");
}

TEST(Loader, MalformedFilesNameTheFile) {
  expectContains(loadError("{ not json"), "test.json: not valid JSON");
  expectContains(loadError("[]"), "test.json:");
  json j = smallTokenizer();
  j.erase("model");
  expectContains(loadError(j.dump()), "test.json: missing \"model\"");
  j = smallTokenizer();
  j["model"]["vocab"] = json::array();
  expectContains(loadError(j.dump()), "model.vocab must be an object");
  j = smallTokenizer();
  j["model"]["vocab"]["c"] = "three";
  expectContains(loadError(j.dump()), "model.vocab['c'] must be an integer id");
  j = smallTokenizer();
  j["model"]["merges"] = json::array({"a zz"});
  expectContains(loadError(j.dump()), "test.json: model.merges[0] references unknown token 'zz'");
  j = smallTokenizer();
  j["version"] = "2.0";
  expectContains(loadError(j.dump()), "unknown tokenizer version");
  j = smallTokenizer();
  j["added_tokens"] = json::parse(R"([{"id": 7, "content": "<x>", "special": true}])");
  expectContains(loadError(j.dump()), "has id 7 but the tokenizer assigns it 3");
}

TEST(Loader, LoadsDirectoriesAndReportsPaths) {
  auto dir = tempDir("load");
  json j = smallTokenizer();
  j["added_tokens"] = json::parse(R"([
      {"id": 3, "content": "<s>", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true},
      {"id": 4, "content": "</s>", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true}])");
  writeFile(dir / "tokenizer.json", j.dump());

  Expected<Tokenizer> t = Tokenizer::load(dir.string());
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_EQ(t->encode("ab<s>"), (Ids{2, 3}));
  EXPECT_FALSE(t->bosId().has_value());
  EXPECT_EQ(t->vocabSize(), 5u);

  // tokenizer_config.json: add_bos_token/add_eos_token decide, bos/eos name the ids.
  writeFile(dir / "tokenizer_config.json",
            R"({"add_bos_token": true, "add_eos_token": true, "bos_token": "<s>",
                "eos_token": {"content": "</s>", "__type": "AddedToken"}})");
  t = Tokenizer::load((dir / "tokenizer.json").string());
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_EQ(t->encode("ab"), (Ids{3, 2, 4}));
  EXPECT_EQ(t->encode("ab", false), (Ids{2}));
  EXPECT_EQ(t->bosId(), 3);
  EXPECT_EQ(t->eosIds(), (Ids{4}));

  writeFile(dir / "tokenizer_config.json", "{ broken");
  t = Tokenizer::load(dir.string());
  ASSERT_FALSE(t);
  expectContains(t.error().message, "tokenizer_config.json: not valid JSON");

  std::filesystem::remove_all(dir);
  t = Tokenizer::load(dir.string());
  ASSERT_FALSE(t);
  expectContains(t.error().message, dir.string() + ": cannot open file");
}

TEST(Loader, TemplateProcessingForms) {
  json j = smallTokenizer();
  j["added_tokens"] = json::parse(R"([{"id": 3, "content": "<s>", "special": true, "normalized": false}])");
  j["post_processor"] = json::parse(R"({"type": "TemplateProcessing", "single": "<s> $A <s>:1",
      "pair": "<s> $A <s> $B:1", "special_tokens": {"<s>": {"id": "<s>", "ids": [3], "tokens": ["<s>"]}}})");
  Tokenizer t = makeTokenizer(j);
  EXPECT_EQ(t.encode("ab"), (Ids{3, 2, 3}));
  EXPECT_EQ(t.bosId(), 3);
  j["post_processor"]["single"] = "<s> $B";
  expectContains(loadError(j.dump()), "may only use sequence A");
  j["post_processor"]["single"] = "<t> $A";
  expectContains(loadError(j.dump()), "'<t>' missing from special_tokens");
}
