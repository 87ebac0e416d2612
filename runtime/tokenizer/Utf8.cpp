//===- Utf8.cpp - UTF-8 scanning for the tokenizer ------------------------===//

#include "runtime/tokenizer/Utf8.h"

namespace inferno::rt::tok {

namespace {

/// Allowed range of the second byte for each lead byte (Table 3-7); the third and fourth
/// bytes are always 0x80..0xBF.
struct SecondByteRange {
  unsigned char lo, hi;
  size_t length;
};

bool leadInfo(unsigned char lead, SecondByteRange &r) {
  if (lead >= 0xC2 && lead <= 0xDF)
    r = {0x80, 0xBF, 2};
  else if (lead == 0xE0)
    r = {0xA0, 0xBF, 3};
  else if ((lead >= 0xE1 && lead <= 0xEC) || lead == 0xEE || lead == 0xEF)
    r = {0x80, 0xBF, 3};
  else if (lead == 0xED)
    r = {0x80, 0x9F, 3};
  else if (lead == 0xF0)
    r = {0x90, 0xBF, 4};
  else if (lead >= 0xF1 && lead <= 0xF3)
    r = {0x80, 0xBF, 4};
  else if (lead == 0xF4)
    r = {0x80, 0x8F, 4};
  else
    return false;
  return true;
}

} // namespace

Utf8Step scanUtf8(std::string_view s, size_t pos) {
  auto byte = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  unsigned char lead = byte(pos);
  if (lead < 0x80)
    return {Utf8Scan::Valid, 1};
  SecondByteRange r;
  if (!leadInfo(lead, r))
    return {Utf8Scan::Invalid, 1};
  size_t avail = s.size() - pos;
  for (size_t i = 1; i < r.length; ++i) {
    if (i >= avail)
      return {Utf8Scan::Truncated, avail};
    unsigned char b = byte(pos + i);
    bool ok = i == 1 ? (b >= r.lo && b <= r.hi) : (b >= 0x80 && b <= 0xBF);
    if (!ok)
      return {Utf8Scan::Invalid, i};
  }
  return {Utf8Scan::Valid, r.length};
}

size_t firstInvalidUtf8(std::string_view s) {
  size_t pos = 0;
  while (pos < s.size()) {
    // ASCII runs dominate real text; skip them eight bytes at a time.
    while (pos + 8 <= s.size()) {
      uint64_t word;
      __builtin_memcpy(&word, s.data() + pos, 8);
      if (word & 0x8080808080808080ull)
        break;
      pos += 8;
    }
    if (pos >= s.size())
      break;
    Utf8Step step = scanUtf8(s, pos);
    if (step.kind != Utf8Scan::Valid)
      return pos;
    pos += step.length;
  }
  return s.size();
}

bool isValidUtf8(std::string_view s) { return firstInvalidUtf8(s) == s.size(); }

void appendLossyUtf8(std::string &out, std::string_view s) {
  size_t pos = 0;
  while (pos < s.size()) {
    size_t bad = pos + firstInvalidUtf8(s.substr(pos));
    out.append(s.data() + pos, bad - pos);
    if (bad >= s.size())
      return;
    Utf8Step step = scanUtf8(s, bad);
    out.append(kReplacementCharacter);
    pos = bad + step.length;
  }
}

size_t incompleteUtf8Suffix(std::string_view s) {
  // A character is at most four bytes, so only the last three can start an unfinished one.
  size_t n = s.size();
  for (size_t back = 1; back <= 3 && back <= n; ++back) {
    unsigned char b = static_cast<unsigned char>(s[n - back]);
    if (b < 0x80)
      return 0;
    if (b >= 0xC0) { // a lead byte (or an invalid one): decide from here
      Utf8Step step = scanUtf8(s, n - back);
      return step.kind == Utf8Scan::Truncated ? back : 0;
    }
  }
  return 0;
}

uint32_t decodeUtf8At(std::string_view s, size_t pos) {
  auto byte = [&](size_t i) { return static_cast<uint32_t>(static_cast<unsigned char>(s[pos + i])); };
  uint32_t lead = byte(0);
  switch (utf8CharLength(static_cast<unsigned char>(lead))) {
  case 1:
    return lead;
  case 2:
    return ((lead & 0x1F) << 6) | (byte(1) & 0x3F);
  case 3:
    return ((lead & 0x0F) << 12) | ((byte(1) & 0x3F) << 6) | (byte(2) & 0x3F);
  default:
    return ((lead & 0x07) << 18) | ((byte(1) & 0x3F) << 12) | ((byte(2) & 0x3F) << 6) |
           (byte(3) & 0x3F);
  }
}

size_t utf8Length(std::string_view s) {
  size_t n = 0;
  for (char c : s)
    n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

} // namespace inferno::rt::tok
