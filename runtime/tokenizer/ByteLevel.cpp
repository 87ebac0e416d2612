//===- ByteLevel.cpp - GPT-2's byte-to-character alphabet -----------------===//

#include "runtime/tokenizer/ByteLevel.h"

#include "runtime/tokenizer/Utf8.h"

namespace inferno::rt::tok {

namespace {

struct Alphabet {
  std::array<uint32_t, 256> codepoint{};
  std::array<std::string, 256> spelling;
  std::array<int16_t, 512> byteOf{}; // every code point of the alphabet is below 512

  Alphabet() {
    byteOf.fill(-1);
    auto printable = [](int b) {
      return (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
    };
    uint32_t next = 256;
    for (int b = 0; b < 256; ++b)
      codepoint[b] = printable(b) ? static_cast<uint32_t>(b) : next++;
    for (int b = 0; b < 256; ++b) {
      appendUtf8(spelling[b], codepoint[b]);
      byteOf[codepoint[b]] = static_cast<int16_t>(b);
    }
  }
};

const Alphabet &alphabet() {
  static const Alphabet a;
  return a;
}

} // namespace

const std::array<std::string, 256> &byteLevelSpellings() { return alphabet().spelling; }

int byteLevelByte(uint32_t cp) { return cp < 512 ? alphabet().byteOf[cp] : -1; }

bool byteLevelToBytes(std::string_view token, std::string &out) {
  size_t mark = out.size();
  for (size_t i = 0; i < token.size();) {
    int b = byteLevelByte(decodeUtf8At(token, i));
    if (b < 0) {
      out.resize(mark);
      return false;
    }
    out.push_back(static_cast<char>(b));
    i += utf8CharLength(static_cast<unsigned char>(token[i]));
  }
  return true;
}

} // namespace inferno::rt::tok
