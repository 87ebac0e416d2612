//===- PreTokenizer.cpp - pre-tokenizers of tokenizer.json ----------------===//

#include "runtime/tokenizer/PreTokenizer.h"

#include "runtime/tokenizer/Normalizer.h"

#include <algorithm>

namespace inferno::rt::tok {

void splitSpans(const Piece &piece, const std::vector<Span> &spans, SplitBehavior behavior,
                std::vector<Piece> &out) {
  // First decide which ranges survive (and which are removed), then slice and drop empties.
  struct Range {
    size_t begin, end;
    bool remove;
  };
  std::vector<Range> ranges;
  ranges.reserve(spans.size());
  switch (behavior) {
  case SplitBehavior::Isolated:
    for (const Span &s : spans)
      ranges.push_back({s.begin, s.end, false});
    break;
  case SplitBehavior::Removed:
    for (const Span &s : spans)
      ranges.push_back({s.begin, s.end, s.isMatch});
    break;
  case SplitBehavior::Contiguous: {
    bool previousMatch = false;
    for (const Span &s : spans) {
      if (s.isMatch == previousMatch && !ranges.empty())
        ranges.back().end = s.end;
      else
        ranges.push_back({s.begin, s.end, false});
      previousMatch = s.isMatch;
    }
    break;
  }
  case SplitBehavior::MergedWithPrevious: {
    bool previousMatch = false;
    for (const Span &s : spans) {
      if (s.isMatch && !previousMatch && !ranges.empty())
        ranges.back().end = s.end;
      else
        ranges.push_back({s.begin, s.end, false});
      previousMatch = s.isMatch;
    }
    break;
  }
  case SplitBehavior::MergedWithNext: {
    // Walk backwards: a delimiter joins the piece that follows it.
    bool previousMatch = false;
    for (auto it = spans.rbegin(); it != spans.rend(); ++it) {
      if (it->isMatch && !previousMatch && !ranges.empty())
        ranges.back().begin = it->begin;
      else
        ranges.push_back({it->begin, it->end, false});
      previousMatch = it->isMatch;
    }
    std::reverse(ranges.begin(), ranges.end());
    break;
  }
  }
  for (const Range &r : ranges)
    if (!r.remove && r.end > r.begin)
      out.push_back({piece.text.substr(r.begin, r.end - r.begin), piece.atOrigin && r.begin == 0});
}

namespace {

/// The (begin, end, isMatch) spans of `regex` over `text`, covering all of it.
void regexSpans(const Regex &regex, std::string_view text, bool invert, std::vector<Span> &spans) {
  spans.clear();
  size_t previous = 0;
  regex.forEachMatch(text, [&](size_t begin, size_t end) {
    if (previous != begin)
      spans.push_back({previous, begin, invert});
    spans.push_back({begin, end, !invert});
    previous = end;
  });
  if (previous != text.size())
    spans.push_back({previous, text.size(), invert});
}

} // namespace

void SplitPreTokenizer::apply(std::vector<Piece> &pieces, PieceArena &) const {
  std::vector<Piece> out;
  out.reserve(pieces.size() * 4);
  std::vector<Span> spans;
  for (const Piece &piece : pieces) {
    regexSpans(regex_, piece.text, invert_, spans);
    splitSpans(piece, spans, behavior_, out);
  }
  pieces.swap(out);
}

void ByteLevelPreTokenizer::apply(std::vector<Piece> &pieces, PieceArena &arena) const {
  if (addPrefixSpace_)
    for (Piece &piece : pieces)
      if (piece.text.empty() || piece.text[0] != ' ')
        piece.text = arena.keep(" " + std::string(piece.text));
  if (!regex_)
    return;
  std::vector<Piece> out;
  out.reserve(pieces.size() * 4);
  std::vector<Span> spans;
  for (const Piece &piece : pieces) {
    regexSpans(*regex_, piece.text, false, spans);
    splitSpans(piece, spans, SplitBehavior::Isolated, out);
  }
  pieces.swap(out);
}

void MetaspacePreTokenizer::apply(std::vector<Piece> &pieces, PieceArena &arena) const {
  std::vector<Piece> out;
  out.reserve(pieces.size() * 4);
  std::vector<Span> spans;
  for (const Piece &original : pieces) {
    std::string text = replaceAll(original.text, " ", replacement_);
    bool startsWithReplacement = text.compare(0, replacement_.size(), replacement_) == 0;
    if (!startsWithReplacement &&
        (scheme_ == PrependScheme::Always || (scheme_ == PrependScheme::First && original.atOrigin)))
      text.insert(0, replacement_);
    Piece piece{arena.keep(std::move(text)), original.atOrigin};
    if (!split_) {
      out.push_back(piece);
      continue;
    }
    // Every replacement character is a delimiter that starts the next piece.
    spans.clear();
    size_t previous = 0, pos = 0;
    std::string_view t = piece.text;
    while ((pos = t.find(replacement_, pos)) != std::string_view::npos) {
      if (previous < pos)
        spans.push_back({previous, pos, false});
      spans.push_back({pos, pos + replacement_.size(), true});
      pos += replacement_.size();
      previous = pos;
    }
    if (previous < t.size())
      spans.push_back({previous, t.size(), false});
    splitSpans(piece, spans, SplitBehavior::MergedWithNext, out);
  }
  pieces.swap(out);
}

void SequencePreTokenizer::apply(std::vector<Piece> &pieces, PieceArena &arena) const {
  for (const auto &step : steps_)
    step->apply(pieces, arena);
}

} // namespace inferno::rt::tok
