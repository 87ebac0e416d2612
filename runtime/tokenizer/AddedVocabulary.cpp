//===- AddedVocabulary.cpp - added and special tokens ---------------------===//

#include "runtime/tokenizer/AddedVocabulary.h"

#include "runtime/tokenizer/BpeModel.h"
#include "runtime/tokenizer/Normalizer.h"
#include "runtime/tokenizer/Regex.h"
#include "runtime/tokenizer/UnicodeCategories.h"
#include "runtime/tokenizer/Utf8.h"

#include <algorithm>

namespace inferno::rt::tok {

//===----------------------------------------------------------------------===//
// TokenTrie
//===----------------------------------------------------------------------===//

void TokenTrie::add(std::string_view pattern, int32_t value) {
  if (pattern.empty())
    return;
  first_[static_cast<unsigned char>(pattern[0])] = true;
  int32_t node = 0;
  for (unsigned char byte : pattern) {
    auto &children = nodes_[node].children;
    auto it = std::lower_bound(children.begin(), children.end(), byte,
                               [](const auto &edge, unsigned char b) { return edge.first < b; });
    if (it != children.end() && it->first == byte) {
      node = it->second;
      continue;
    }
    int32_t child = static_cast<int32_t>(nodes_.size());
    children.insert(it, {byte, child});
    nodes_.emplace_back(); // invalidates `children`; not used after this point
    node = child;
  }
  if (nodes_[node].value < 0) // a repeated pattern keeps its first value
    nodes_[node].value = value;
}

bool TokenTrie::longestAt(std::string_view text, size_t pos, size_t &length,
                          int32_t &value) const {
  int32_t node = 0;
  bool found = false;
  for (size_t i = pos; i < text.size(); ++i) {
    const auto &children = nodes_[node].children;
    unsigned char byte = static_cast<unsigned char>(text[i]);
    auto it = std::lower_bound(children.begin(), children.end(), byte,
                               [](const auto &edge, unsigned char b) { return edge.first < b; });
    if (it == children.end() || it->first != byte)
      break;
    node = it->second;
    if (nodes_[node].value >= 0) {
      found = true;
      length = i + 1 - pos;
      value = nodes_[node].value;
    }
  }
  return found;
}

//===----------------------------------------------------------------------===//
// Character classes of the Rust `regex` crate, which Hugging Face uses for the token flags
//===----------------------------------------------------------------------===//

namespace {

/// Unicode \s of the regex crate: the White_Space property (stable since Unicode 6.3).
bool isRustSpace(uint32_t cp) {
  return (cp >= 0x9 && cp <= 0xD) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680 ||
         (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F ||
         cp == 0x205F || cp == 0x3000;
}

/// Unicode \w of the regex crate (UTS #18 "word": Alphabetic, marks, decimal digits,
/// connector punctuation, Join_Control). Categories come from our Unicode 16 table, like the
/// regex crate's; Other_Alphabetic symbols (circled letters and the like) from PCRE2's
/// Alphabetic property.
bool isRustWordChar(std::string_view ch) {
  uint32_t cp = decodeUtf8At(ch, 0);
  switch (generalCategory(cp)) {
  case Lu: case Ll: case Lt: case Lm: case Lo: case Nl:
  case Mn: case Mc: case Me: case Nd: case Pc:
    return true;
  default:
    break;
  }
  if (cp == 0x200C || cp == 0x200D)
    return true;
  static const Regex alphabetic = *Regex::fromPcre2("\\p{Alphabetic}");
  return alphabetic.fullMatch(ch);
}

size_t previousCharStart(std::string_view s, size_t end) {
  size_t i = end - 1;
  while (i > 0 && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80)
    --i;
  return i;
}

bool lastCharIsWord(std::string_view s) {
  if (s.empty())
    return false;
  return isRustWordChar(s.substr(previousCharStart(s, s.size())));
}

bool firstCharIsWord(std::string_view s) {
  if (s.empty())
    return false;
  return isRustWordChar(s.substr(0, utf8CharLength(static_cast<unsigned char>(s[0]))));
}

/// Start of the run of whitespace that ends `s` (s.size() when there is none).
size_t trailingSpaceStart(std::string_view s) {
  size_t end = s.size();
  while (end > 0) {
    size_t start = previousCharStart(s, end);
    if (!isRustSpace(decodeUtf8At(s, start)))
      break;
    end = start;
  }
  return end;
}

/// Length of the run of whitespace that starts `s`.
size_t leadingSpaceLength(std::string_view s) {
  size_t pos = 0;
  while (pos < s.size()) {
    if (!isRustSpace(decodeUtf8At(s, pos)))
      break;
    pos += utf8CharLength(static_cast<unsigned char>(s[pos]));
  }
  return pos;
}

} // namespace

//===----------------------------------------------------------------------===//
// AddedVocabulary
//===----------------------------------------------------------------------===//

void AddedVocabulary::add(const std::vector<AddedToken> &tokens, const BpeModel &model,
                          const Normalizer *normalizer) {
  for (const AddedToken &t : tokens)
    if (t.special && !t.content.empty() && specialContents_.insert(t.content).second)
      specialTokens_.push_back(t);

  // Tokens equal in every field to one registered before are ignored.
  std::unordered_map<std::string, std::vector<AddedToken>> existing;
  int32_t maxId = -1;
  for (const auto &[id, t] : byId_) {
    existing[t.content].push_back(t);
    maxId = std::max(maxId, id);
  }
  auto isExisting = [&](const AddedToken &t) {
    auto it = existing.find(t.content);
    return it != existing.end() &&
           std::find(it->second.begin(), it->second.end(), t) != it->second.end();
  };
  const int32_t modelSize = static_cast<int32_t>(model.size());
  int32_t nextId = byId_.empty() ? modelSize
                   : (maxId >= modelSize || modelSize == 0) ? maxId + 1
                                                            : modelSize;

  for (const AddedToken &t : tokens) {
    if (t.content.empty() || isExisting(t))
      continue;
    int32_t id = ids_.find(t.content);
    if (id < 0)
      id = model.tokenToId(t.content);
    if (id < 0)
      id = nextId++;
    ids_.insert(t.content, id);
    byId_[id] = t;
    if (!specialContents_.count(t.content))
      plainTokens_.push_back(t);
    existing[t.content].push_back(t);
  }
  refresh(normalizer);
}

void AddedVocabulary::refresh(const Normalizer *normalizer) {
  rawTrie_ = TokenTrie();
  normalizedTrie_ = TokenTrie();
  auto addToTrie = [&](const AddedToken &t) {
    int32_t id = ids_.find(t.content);
    if (id < 0)
      return;
    if (!t.normalized) {
      rawTrie_.add(t.content, id);
      return;
    }
    std::string pattern = t.content;
    if (normalizer)
      normalizer->normalize(pattern);
    normalizedTrie_.add(pattern, id);
  };
  for (const AddedToken &t : specialTokens_)
    addToTrie(t);
  for (const AddedToken &t : plainTokens_)
    addToTrie(t);
}

const AddedToken *AddedVocabulary::tokenOf(int32_t id) const {
  auto it = byId_.find(id);
  return it == byId_.end() ? nullptr : &it->second;
}

std::vector<int32_t> AddedVocabulary::ids() const {
  std::vector<int32_t> out;
  for (const auto &entry : byId_)
    out.push_back(entry.first);
  std::sort(out.begin(), out.end());
  return out;
}

void AddedVocabulary::split(std::string_view text, bool normalizedTokens,
                            std::vector<Segment> &out) const {
  const TokenTrie &trie = normalizedTokens ? normalizedTrie_ : rawTrie_;
  size_t startOffset = 0;
  size_t pos = 0;
  const size_t n = text.size();
  while (pos < n) {
    size_t length;
    int32_t id;
    if (!trie.mayStartWith(static_cast<unsigned char>(text[pos])) ||
        !trie.longestAt(text, pos, length, id)) {
      ++pos;
      continue;
    }
    size_t start = pos, stop = pos + length;
    pos = stop; // the next search starts after this match, even when it is discarded below
    const AddedToken &token = byId_.at(id);
    if (token.singleWord) {
      bool startSpace = start == 0 || !lastCharIsWord(text.substr(0, start));
      bool stopSpace = stop == n || !firstCharIsWord(text.substr(stop));
      if (!startSpace || !stopSpace)
        continue;
    }
    if (token.lstrip)
      start = std::max(trailingSpaceStart(text.substr(0, start)), startOffset);
    if (token.rstrip)
      stop += leadingSpaceLength(text.substr(stop));
    if (startOffset < start)
      out.push_back({startOffset, start, -1});
    out.push_back({start, stop, id});
    startOffset = stop;
  }
  if (startOffset != n)
    out.push_back({startOffset, n, -1});
}

} // namespace inferno::rt::tok
