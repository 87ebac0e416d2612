//===- RegexTest.cpp - Oniguruma patterns on PCRE2, Unicode tables --------===//

#include "runtime/tokenizer/Regex.h"
#include "runtime/tokenizer/UnicodeCategories.h"

#include <gtest/gtest.h>

using namespace inferno::rt;
using namespace inferno::rt::tok;

namespace {

std::vector<std::string> matches(const Regex &re, std::string_view text) {
  std::vector<std::string> out;
  re.forEachMatch(text, [&](size_t b, size_t e) { out.emplace_back(text.substr(b, e - b)); });
  return out;
}

Regex oniguruma(std::string_view pattern) {
  Expected<Regex> re = Regex::fromOniguruma(pattern);
  if (!re) {
    ADD_FAILURE() << re.error().message;
    std::abort();
  }
  return *re;
}

const char *kLlama3 = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| "
                      "?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

} // namespace

TEST(UnicodeTables, Version16Categories) {
  EXPECT_STREQ(unicodeTableVersion(), "16.0.0");
  EXPECT_EQ(generalCategory('A'), Lu);
  EXPECT_EQ(generalCategory('7'), Nd);
  EXPECT_EQ(generalCategory(0x10D4A), Lo);  // GARAY VOWEL SIGN A, new in 16.0
  EXPECT_EQ(generalCategory(0x10940), Cn);  // assigned only in 17.0
  EXPECT_EQ(generalCategory(0x180E), Cf);   // MONGOLIAN VOWEL SEPARATOR: not a space
  EXPECT_EQ(generalCategory(0xD800), Cs);
  EXPECT_EQ(generalCategory(0x10FFFF), Cn);
  CodePointRanges n;
  ASSERT_TRUE(generalCategoryRanges("N", n));
  EXPECT_EQ(n.front(), std::make_pair(0x30u, 0x39u));
  EXPECT_FALSE(generalCategoryRanges("Xx", n));
}

TEST(Regex, Llama3PatternSplits) {
  Regex re = oniguruma(kLlama3);
  EXPECT_EQ(matches(re, "Hello world's 12345 I'M"),
            (std::vector<std::string>{"Hello", " world", "'s", " ", "123", "45", " I", "'M"}));
  EXPECT_EQ(matches(re, "a  \n\n b"), (std::vector<std::string>{"a", "  \n\n", " b"}));
  EXPECT_EQ(matches(re, "x   y"), (std::vector<std::string>{"x", "  ", " y"}));
  // 'ſ folds to 's under (?i) in both engines.
  EXPECT_EQ(matches(re, "it'ſ"), (std::vector<std::string>{"it", "'ſ"}));
  // U+180E is not whitespace for Oniguruma (PCRE2's own \s would say it is).
  EXPECT_EQ(matches(re, "!\xE1\xA0\x8E!"), (std::vector<std::string>{"!\xE1\xA0\x8E!"}));
  // A Unicode 16 letter (Garay) is a letter.
  EXPECT_EQ(matches(re, "a\xF0\x90\xB5\x8A"), (std::vector<std::string>{"a\xF0\x90\xB5\x8A"}));
}

TEST(Regex, EmptyMatchesFollowOnigIteration) {
  // After an empty match the search moves one character; an empty match right where the
  // previous match ended is skipped (Rust onig crate, like the regex crate).
  Regex re = oniguruma("a*");
  EXPECT_EQ(matches(re, "baac"), (std::vector<std::string>{"", "aa", ""}));
  Regex any = oniguruma("x?");
  EXPECT_EQ(matches(any, "éx").size(), 2u); // "" before é, "x"; nothing after x
}

TEST(Regex, TranslationRewritesDifferingEscapes) {
  Expected<std::string> t = translateOnigurumaPattern("\\v\\u00e9[\\s]\\h");
  EXPECT_FALSE(t); // \h (a hex digit in Oniguruma) is refused
  t = translateOnigurumaPattern("\\v\\u00e9[\\d]");
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_EQ(t->substr(0, 16), "\\x{0B}\\x{00e9}[\\");
  Regex re = oniguruma("[\\s]+|\\S+");
  EXPECT_EQ(matches(re, "ab \t\xC2\xA0" "cd"), (std::vector<std::string>{"ab", " \t\xC2\xA0", "cd"}));
  Regex neg = oniguruma("\\P{L}+|\\p{^N}+");
  EXPECT_EQ(matches(neg, "ab12"), (std::vector<std::string>{"ab", "12"}));
}
