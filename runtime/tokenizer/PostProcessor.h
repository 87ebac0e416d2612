//===- PostProcessor.h - special tokens around an encoding ------*- C++ -*-===//
//
// What the post_processor of tokenizer.json does to the ids of one sequence. TemplateProcessing
// places special tokens around "$A"; ByteLevel (which only trims offsets) and Sequence of the
// two reduce to the same. Only the single-sequence template matters for encode(text).
//
//===----------------------------------------------------------------------===//

#ifndef INFERNO_RUNTIME_TOKENIZER_POSTPROCESSOR_H
#define INFERNO_RUNTIME_TOKENIZER_POSTPROCESSOR_H

#include <cstdint>
#include <vector>

namespace inferno::rt::tok {

struct SingleTemplate {
  struct Item {
    bool isSequence = false;    ///< $A (the sequence itself); $B never occurs for one sequence
    std::vector<int32_t> ids;   ///< the special token's ids otherwise
  };
  std::vector<Item> items{Item{true, {}}}; ///< default: just $A

  /// Appends the template applied to `ids` to `out`; special tokens only when asked for.
  void apply(const std::vector<int32_t> &ids, bool addSpecialTokens,
             std::vector<int32_t> &out) const {
    for (const Item &item : items) {
      if (item.isSequence)
        out.insert(out.end(), ids.begin(), ids.end());
      else if (addSpecialTokens)
        out.insert(out.end(), item.ids.begin(), item.ids.end());
    }
  }

  /// The ids placed before the first $A, and after the last one.
  std::vector<int32_t> leadingIds() const;
  std::vector<int32_t> trailingIds() const;
};

inline std::vector<int32_t> SingleTemplate::leadingIds() const {
  std::vector<int32_t> out;
  for (const Item &item : items) {
    if (item.isSequence)
      break;
    out.insert(out.end(), item.ids.begin(), item.ids.end());
  }
  return out;
}

inline std::vector<int32_t> SingleTemplate::trailingIds() const {
  std::vector<int32_t> out;
  for (auto it = items.rbegin(); it != items.rend(); ++it) {
    if (it->isSequence)
      break;
    out.insert(out.begin(), it->ids.begin(), it->ids.end());
  }
  return out;
}

} // namespace inferno::rt::tok

#endif // INFERNO_RUNTIME_TOKENIZER_POSTPROCESSOR_H
