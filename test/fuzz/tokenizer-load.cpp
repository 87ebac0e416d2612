//===- tokenizer-load.cpp - fuzz tokenizer.json loading -------------------===//
//
// The input is a tokenizer.json, optionally followed by the bytes FF FE and a
// tokenizer_config.json (FF FE cannot occur in JSON text). A loaded tokenizer must then encode
// and decode without failing, whatever its components hold.
//
//===----------------------------------------------------------------------===//

#include "FuzzUtil.h"

#include "runtime/tokenizer/Tokenizer.h"

#include <cstdlib>

using namespace inferno::rt;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string_view input = inferno::fuzz::asText(data, size);
  std::string_view tokenizerJson = input, configJson;
  if (size_t split = input.find("\xff\xfe"); split != std::string_view::npos) {
    tokenizerJson = input.substr(0, split);
    configJson = input.substr(split + 2);
  }
  Expected<Tokenizer> tokenizer = Tokenizer::fromJson(tokenizerJson, configJson, "tokenizer.json");
  if (!tokenizer) {
    if (tokenizer.error().message.rfind("tokenizer.json", 0) != 0)
      std::abort();
    return 0;
  }
  // Keep the work per input bounded: a fuzzed vocabulary can be large.
  if (tokenizer->vocabSize() > (1u << 16))
    return 0;
  for (std::string_view text : {"", "Hello world", " <s> a\tb\n\nc  ", "caf\xc3\xa9 \xe2\x82\xac 1234",
                                "\xff\xfe bad"}) {
    std::vector<int32_t> ids = tokenizer->encode(text, true);
    (void)tokenizer->encode(text, false);
    (void)tokenizer->decode(ids, false);
    (void)tokenizer->decode(ids, true);
  }
  std::vector<int32_t> all;
  for (int32_t id = -1; id <= static_cast<int32_t>(tokenizer->vocabSize()) && id < 512; ++id)
    all.push_back(id);
  std::string whole = tokenizer->decode(all, false);
  StreamDecoder stream = tokenizer->streamDecoder(false);
  std::string streamed;
  for (int32_t id : all)
    streamed += stream.push(id);
  streamed += stream.finish();
  if (streamed != whole)
    std::abort(); // Tokenizer.h: the stream's concatenation equals decode()
  (void)tokenizer->bosId();
  (void)tokenizer->eosIds();
  return 0;
}
