//===- Normalizer.cpp - text normalizers of tokenizer.json ----------------===//

#include "runtime/tokenizer/Normalizer.h"

namespace inferno::rt::tok {

std::string replaceAll(std::string_view text, std::string_view pattern, std::string_view content) {
  std::string out;
  out.reserve(text.size() + text.size() / 4);
  size_t pos = 0;
  while (true) {
    size_t hit = text.find(pattern, pos);
    if (hit == std::string_view::npos)
      break;
    out.append(text.substr(pos, hit - pos)).append(content);
    pos = hit + pattern.size();
  }
  out.append(text.substr(pos));
  return out;
}

void PrependNormalizer::normalize(std::string &text) const {
  if (!text.empty())
    text.insert(0, prefix_);
}

void ReplaceNormalizer::normalize(std::string &text) const {
  if (text.find(pattern_) != std::string::npos)
    text = replaceAll(text, pattern_, content_);
}

void SequenceNormalizer::normalize(std::string &text) const {
  for (const auto &step : steps_)
    step->normalize(text);
}

} // namespace inferno::rt::tok
