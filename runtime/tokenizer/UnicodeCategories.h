//===- UnicodeCategories.h - General_Category of Unicode 16.0 ---*- C++ -*-===//
//
// The General_Category of every code point, from the Unicode version Hugging Face's tokenizers
// uses (its Oniguruma has Unicode 16.0 tables; the system PCRE2 may be older). Generated data:
// unicode/GeneralCategoryTable.inc, made by unicode/gen_unicode_tables.py.
//
//===----------------------------------------------------------------------===//

#ifndef INFERNO_RUNTIME_TOKENIZER_UNICODECATEGORIES_H
#define INFERNO_RUNTIME_TOKENIZER_UNICODECATEGORIES_H

#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

namespace inferno::rt::tok {

// clang-format off
enum GeneralCategory : uint8_t {
  Cn, Lu, Ll, Lt, Lm, Lo, Mn, Mc, Me, Nd, Nl, No, Pc, Pd, Ps, Pe, Pi, Pf, Po,
  Sm, Sc, Sk, So, Zs, Zl, Zp, Cc, Cf, Cs, Co,
};
// clang-format on

/// The Unicode version of the table ("16.0.0").
const char *unicodeTableVersion();

GeneralCategory generalCategory(uint32_t cp);

using CodePointRanges = std::vector<std::pair<uint32_t, uint32_t>>;

/// The sorted, merged ranges of code points in a category ("Lu") or a group of them ("L", "N",
/// "Z", "C", ...). Returns false for an unknown name.
bool generalCategoryRanges(std::string_view name, CodePointRanges &out);

} // namespace inferno::rt::tok

#endif // INFERNO_RUNTIME_TOKENIZER_UNICODECATEGORIES_H
