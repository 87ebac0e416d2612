//===- UnicodeCategories.cpp - General_Category of Unicode 16.0 -----------===//

#include "runtime/tokenizer/UnicodeCategories.h"

#include <algorithm>
#include <string>

namespace inferno::rt::tok {

namespace {

struct CategoryRange {
  uint32_t first, last;
  GeneralCategory category;
};

constexpr CategoryRange kRanges[] = {
#include "runtime/tokenizer/unicode/GeneralCategoryTable.inc"
};

constexpr const char *kNames[] = {"Cn", "Lu", "Ll", "Lt", "Lm", "Lo", "Mn", "Mc", "Me", "Nd",
                                  "Nl", "No", "Pc", "Pd", "Ps", "Pe", "Pi", "Pf", "Po", "Sm",
                                  "Sc", "Sk", "So", "Zs", "Zl", "Zp", "Cc", "Cf", "Cs", "Co"};

} // namespace

const char *unicodeTableVersion() { return INFERNO_UNICODE_VERSION; }

GeneralCategory generalCategory(uint32_t cp) {
  auto it = std::upper_bound(std::begin(kRanges), std::end(kRanges), cp,
                             [](uint32_t c, const CategoryRange &r) { return c < r.first; });
  if (it == std::begin(kRanges))
    return Cn;
  --it;
  return cp <= it->last ? it->category : Cn;
}

bool generalCategoryRanges(std::string_view name, CodePointRanges &out) {
  // A one-letter name is the group of every category starting with that letter.
  bool member[30] = {};
  bool any = false;
  for (int c = 0; c < 30; ++c) {
    std::string_view n = kNames[c];
    if (name == n || (name.size() == 1 && n[0] == name[0])) {
      member[c] = true;
      any = true;
    }
  }
  if (!any)
    return false;
  out.clear();
  auto add = [&](uint32_t first, uint32_t last) {
    if (!out.empty() && out.back().second + 1 == first)
      out.back().second = last;
    else
      out.emplace_back(first, last);
  };
  if (member[Cn]) {
    // Unassigned code points are the gaps of the table.
    uint32_t next = 0;
    for (const CategoryRange &r : kRanges) {
      if (r.first > next)
        add(next, r.first - 1);
      next = r.last + 1;
    }
    if (next <= 0x10FFFF)
      add(next, 0x10FFFF);
    CodePointRanges gaps = std::move(out);
    out.clear();
    // Merge the gaps with the listed categories in code point order.
    size_t g = 0;
    for (const CategoryRange &r : kRanges) {
      while (g < gaps.size() && gaps[g].first < r.first)
        add(gaps[g].first, gaps[g].second), ++g;
      if (member[r.category])
        add(r.first, r.last);
    }
    while (g < gaps.size())
      add(gaps[g].first, gaps[g].second), ++g;
    return true;
  }
  for (const CategoryRange &r : kRanges)
    if (member[r.category])
      add(r.first, r.last);
  return true;
}

} // namespace inferno::rt::tok
