//===- ChatTemplate.h - Hugging Face chat templates --------------*- C++ -*-===//
//
// Renders the Jinja2 `chat_template` of a tokenizer_config.json exactly as Hugging Face's
// `apply_chat_template` does (jinja2's ImmutableSandboxedEnvironment with trim_blocks and
// lstrip_blocks, HF's tojson/raise_exception/strftime_now). The template language is a subset
// of Jinja2 (docs/chat-templates.md lists it); anything outside it is refused with an error
// naming the construct and the template line, never rendered differently.
//
//===----------------------------------------------------------------------===//

#ifndef INFERNO_RUNTIME_CHAT_CHATTEMPLATE_H
#define INFERNO_RUNTIME_CHAT_CHATTEMPLATE_H

#include "runtime/chat/Builtins.h"
#include "runtime/support/Expected.h"

#include <nlohmann/json.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace inferno::rt::chat {

struct Message {
  std::string role;
  std::string content;
};

struct RenderOptions {
  /// `add_generation_prompt`: end with the header that starts the assistant's turn.
  bool addGenerationPrompt = false;
  /// `bos_token` / `eos_token`; left undefined in the template when absent.
  std::optional<std::string> bosToken;
  std::optional<std::string> eosToken;
  /// More template variables (a JSON object), e.g. `tools`, `date_string`, `unk_token`. HF
  /// always passes `tools` and `documents` (None when not given); so does render().
  nlohmann::ordered_json extraVariables = nlohmann::ordered_json::object();
  /// The clock strftime_now reads; the current local time when absent.
  std::optional<LocalTime> now;
};

struct Template; // the parsed template (Ast.h)

class ChatTemplate {
public:
  /// Parses template source; fails on syntax errors and unsupported constructs.
  static Expected<ChatTemplate> fromString(const std::string &source);
  /// Reads `chat_template` from a tokenizer_config.json: a string, or a list of
  /// {name, template} from which "default" is taken. Also records the special tokens.
  static Expected<ChatTemplate> fromTokenizerConfig(const std::string &path);
  /// A tokenizer folder as HF loads it: chat_template.jinja when present (it takes priority),
  /// else tokenizer_config.json's chat_template; special tokens from tokenizer_config.json
  /// and special_tokens_map.json.
  static Expected<ChatTemplate> fromTokenizerDir(const std::string &dir);

  Expected<std::string> render(const std::vector<Message> &messages,
                               const RenderOptions &options) const;
  /// Messages as JSON (a list of objects, OpenAI style), so that fields beyond role/content
  /// (tool_calls, null content) reach the template as they would in Python.
  Expected<std::string> render(const nlohmann::ordered_json &messages,
                               const RenderOptions &options) const;

  /// HF's `special_tokens_map` from the tokenizer files: bos/eos/unk/sep/pad/cls/mask_token and
  /// additional_special_tokens that are set (empty when made with fromString).
  const nlohmann::ordered_json &specialTokens() const { return specialTokens_; }
  /// Options carrying the special tokens as HF passes them (bos_token, eos_token, and the rest
  /// as extra variables).
  RenderOptions defaultOptions() const;
  const std::string &source() const;

private:
  std::shared_ptr<const Template> template_;
  nlohmann::ordered_json specialTokens_ = nlohmann::ordered_json::object();
};

} // namespace inferno::rt::chat

#endif // INFERNO_RUNTIME_CHAT_CHATTEMPLATE_H
