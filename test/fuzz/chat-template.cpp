//===- chat-template.cpp - fuzz chat-template parsing and rendering -------===//
//
// The input is template source, optionally followed by the bytes FF FE and a JSON list of
// messages (else a fixed system/user/assistant/user conversation). Parsing either fails with
// a message or yields a template that renders or fails with a message; nothing else.
//
//===----------------------------------------------------------------------===//

#include "FuzzUtil.h"

#include "runtime/chat/ChatTemplate.h"

#include <cstdlib>

using namespace inferno::rt;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string_view input = inferno::fuzz::asText(data, size);
  std::string_view source = input, messagesText;
  if (size_t split = input.find("\xff\xfe"); split != std::string_view::npos) {
    source = input.substr(0, split);
    messagesText = input.substr(split + 2);
  }
  Expected<chat::ChatTemplate> tmpl = chat::ChatTemplate::fromString(std::string(source));
  if (!tmpl) {
    if (tmpl.error().message.empty())
      std::abort();
    return 0;
  }
  nlohmann::ordered_json messages =
      messagesText.empty()
          ? nlohmann::ordered_json::parse(
                R"([{"role":"system","content":"Be brief."},{"role":"user","content":"Hi"},)"
                R"({"role":"assistant","content":"Hello!"},{"role":"user","content":"2+2?"}])")
          : nlohmann::ordered_json::parse(messagesText, nullptr, /*allow_exceptions=*/false);
  if (messages.is_discarded())
    return 0;
  for (bool generationPrompt : {false, true}) {
    chat::RenderOptions options;
    options.addGenerationPrompt = generationPrompt;
    options.bosToken = "<s>";
    options.eosToken = "</s>";
    options.now = chat::LocalTime{2024, 7, 26, 12, 30, 0, 0};
    Expected<std::string> text = tmpl->render(messages, options);
    if (!text && text.error().message.empty())
      std::abort();
  }
  return 0;
}
