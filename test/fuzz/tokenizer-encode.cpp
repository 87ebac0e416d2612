//===- tokenizer-encode.cpp - fuzz encoding and decoding ------------------===//
//
// Tokenizers come from INFERNO_FUZZ_TOKENIZERS (tokenizer.json files or directories, separated
// by ':'; real Llama 2 and Llama 3 tokenizers exercise the most code), else the small one in
// test/tokenizer/Inputs/tiny and tokenizer-load's byte-level seed. The input's first byte
// picks the tokenizer; the rest is text to encode
// and, read as little-endian 16-bit values, ids to decode. Checked: encodeChecked fails only on
// ill-formed UTF-8 and otherwise agrees with encode; every id is in the vocabulary; streaming
// decode equals decode.
//
//===----------------------------------------------------------------------===//

#include "FuzzUtil.h"

#include "runtime/tokenizer/Tokenizer.h"

#include <cstdio>
#include <cstdlib>
#include <vector>

using namespace inferno::rt;

#ifndef INFERNO_FUZZ_SOURCE_DIR
#define INFERNO_FUZZ_SOURCE_DIR "."
#endif

namespace {
std::vector<Tokenizer> loadTokenizers() {
  std::string list;
  if (const char *env = std::getenv("INFERNO_FUZZ_TOKENIZERS"); env && *env)
    list = env;
  else
    list = INFERNO_FUZZ_SOURCE_DIR "/test/tokenizer/Inputs/tiny:" INFERNO_FUZZ_SOURCE_DIR
                                   "/test/fuzz/corpus/tokenizer-load/byte-level";
  std::vector<Tokenizer> tokenizers;
  size_t start = 0;
  while (start <= list.size()) {
    size_t colon = list.find(':', start);
    std::string path = list.substr(start, colon == std::string::npos ? colon : colon - start);
    Expected<Tokenizer> t = Tokenizer::load(path);
    if (!t) {
      std::fprintf(stderr, "fuzz harness: %s\n", t.error().message.c_str());
      std::abort();
    }
    tokenizers.push_back(std::move(*t));
    if (colon == std::string::npos)
      break;
    start = colon + 1;
  }
  return tokenizers;
}

bool isValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > s.size())
      return false;
    uint32_t cp = n == 1 ? c : n == 2 ? c & 0x1f : n == 3 ? c & 0x0f : c & 0x07;
    for (size_t k = 1; k < n; ++k) {
      unsigned char d = static_cast<unsigned char>(s[i + k]);
      if ((d >> 6) != 2)
        return false;
      cp = (cp << 6) | (d & 0x3f);
    }
    if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
        cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
      return false;
    i += n;
  }
  return true;
}
} // namespace

const std::vector<Tokenizer> &tokenizers() {
  static const std::vector<Tokenizer> loaded = loadTokenizers();
  return loaded;
}

// Loading a 9 MB tokenizer.json takes seconds under ASan: do it before the per-input timeout
// starts counting.
extern "C" int LLVMFuzzerInitialize(int *, char ***) {
  (void)tokenizers();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const std::vector<Tokenizer> &loaded = tokenizers();
  if (size == 0)
    return 0;
  const Tokenizer &tokenizer = loaded[data[0] % loaded.size()];
  bool special = data[0] & 0x80;
  std::string_view text = inferno::fuzz::asText(data + 1, size - 1);

  std::vector<int32_t> ids = tokenizer.encode(text, special);
  for (int32_t id : ids)
    if (id < 0 || static_cast<size_t>(id) >= tokenizer.vocabSize())
      std::abort();
  Expected<std::vector<int32_t>> checked = tokenizer.encodeChecked(text, special);
  if (checked.ok() != isValidUtf8(text))
    std::abort();
  if (checked && *checked != ids)
    std::abort();
  (void)tokenizer.decode(ids, !special);

  std::vector<int32_t> raw;
  for (size_t i = 0; i + 1 < text.size(); i += 2)
    raw.push_back(static_cast<int32_t>(static_cast<uint8_t>(text[i]) |
                                       (static_cast<uint8_t>(text[i + 1]) << 8)) -
                  256); // some negative ids too
  std::string whole = tokenizer.decode(raw, special);
  StreamDecoder stream = tokenizer.streamDecoder(special);
  std::string streamed;
  for (int32_t id : raw)
    streamed += stream.push(id);
  streamed += stream.finish();
  if (streamed != whole)
    std::abort();
  return 0;
}
