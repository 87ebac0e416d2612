//===- ChatTemplate.cpp - Hugging Face chat templates ---------------------===//

#include "runtime/chat/ChatTemplate.h"

#include "runtime/chat/Evaluator.h"
#include "runtime/chat/Folding.h"
#include "runtime/chat/Parser.h"
#include "runtime/chat/Scoping.h"
#include "runtime/chat/TemplateError.h"
#include "runtime/chat/Text.h"

#include <fstream>
#include <sstream>

namespace inferno::rt::chat {

struct Template {
  std::string source;
  Body body;
  Frame root; // the top-level frame, from analyzeScopes
};

namespace {

std::optional<std::string> readFile(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

Expected<nlohmann::ordered_json> readJson(const std::string &path) {
  auto text = readFile(path);
  if (!text)
    return makeError(path + ": cannot read the file");
  try {
    return nlohmann::ordered_json::parse(*text);
  } catch (const nlohmann::json::exception &e) {
    return makeError(path + ": invalid JSON: " + e.what());
  }
}

/// A special token as stored in tokenizer files: a string or an AddedToken {"content": ...}.
std::optional<std::string> tokenText(const nlohmann::ordered_json &value) {
  if (value.is_string())
    return value.get<std::string>();
  if (value.is_object() && value.contains("content") && value["content"].is_string())
    return value["content"].get<std::string>();
  return std::nullopt;
}

/// Adds the special tokens `config` sets to `tokens`, as HF's special_tokens_map lists them
/// (only non-empty values).
void collectSpecialTokens(const nlohmann::ordered_json &config, nlohmann::ordered_json &tokens) {
  if (!config.is_object())
    return;
  for (const char *key : {"bos_token", "eos_token", "unk_token", "sep_token", "pad_token",
                          "cls_token", "mask_token"}) {
    if (!config.contains(key))
      continue;
    auto text = tokenText(config[key]);
    if (text && !text->empty())
      tokens[key] = *text;
    else
      tokens.erase(key);
  }
  if (config.contains("additional_special_tokens") &&
      config["additional_special_tokens"].is_array()) {
    nlohmann::ordered_json list = nlohmann::ordered_json::array();
    for (const auto &item : config["additional_special_tokens"])
      if (auto text = tokenText(item))
        list.push_back(*text);
    if (!list.empty())
      tokens["additional_special_tokens"] = list;
  }
}

/// The `chat_template` entry of a tokenizer config: a string, or named templates.
Expected<std::string> templateFromConfig(const nlohmann::ordered_json &config,
                                         const std::string &path) {
  if (!config.is_object() || !config.contains("chat_template") || config["chat_template"].is_null())
    return makeError(path + ": no chat_template");
  const auto &entry = config["chat_template"];
  if (entry.is_string())
    return entry.get<std::string>();
  if (entry.is_array()) {
    std::string names;
    for (const auto &item : entry) {
      if (!item.is_object() || !item.contains("name") || !item.contains("template"))
        continue;
      if (item["name"] == "default" && item["template"].is_string())
        return item["template"].get<std::string>();
      names += (names.empty() ? "" : ", ") + item["name"].dump();
    }
    return makeError(path + ": chat_template has no template named \"default\" (has " + names +
                     ")");
  }
  return makeError(path + ": chat_template is neither a string nor a list of templates");
}

} // namespace

Expected<ChatTemplate> ChatTemplate::fromString(const std::string &source) {
  try {
    auto parsed = std::make_shared<Template>();
    parsed->source = source;
    parsed->body = parseTemplate(source);
    foldConstants(parsed->body); // before scoping: folded-away names are not reads
    parsed->root = analyzeScopes(parsed->body);
    ChatTemplate result;
    result.template_ = std::move(parsed);
    return result;
  } catch (const TemplateError &error) {
    return makeError(formatTemplateError(error));
  } catch (const std::exception &e) {
    return makeError(std::string("chat template: internal error while loading: ") + e.what());
  }
}

Expected<ChatTemplate> ChatTemplate::fromTokenizerConfig(const std::string &path) {
  auto config = readJson(path);
  if (!config)
    return config.error();
  auto source = templateFromConfig(*config, path);
  if (!source)
    return source.error();
  auto result = fromString(*source);
  if (!result)
    return makeError(path + ": " + result.error().message);
  collectSpecialTokens(*config, result->specialTokens_);
  return result;
}

Expected<ChatTemplate> ChatTemplate::fromTokenizerDir(const std::string &dir) {
  const std::string configPath = dir + "/tokenizer_config.json";
  const std::string jinjaPath = dir + "/chat_template.jinja";
  nlohmann::ordered_json config = nlohmann::ordered_json::object();
  if (readFile(configPath)) {
    auto parsed = readJson(configPath);
    if (!parsed)
      return parsed.error();
    config = std::move(*parsed);
  }
  std::string source, sourcePath;
  if (auto jinja = readFile(jinjaPath)) {
    source = std::move(*jinja);
    sourcePath = jinjaPath;
  } else {
    auto fromConfig = templateFromConfig(config, configPath);
    if (!fromConfig)
      return makeError(dir + ": no chat template (neither chat_template.jinja nor a "
                             "chat_template in tokenizer_config.json)");
    source = std::move(*fromConfig);
    sourcePath = configPath;
  }
  auto result = fromString(source);
  if (!result)
    return makeError(sourcePath + ": " + result.error().message);
  collectSpecialTokens(config, result->specialTokens_);
  if (readFile(dir + "/special_tokens_map.json")) {
    auto map = readJson(dir + "/special_tokens_map.json");
    if (!map)
      return map.error();
    collectSpecialTokens(*map, result->specialTokens_);
  }
  return result;
}

RenderOptions ChatTemplate::defaultOptions() const {
  RenderOptions options;
  for (const auto &[key, value] : specialTokens_.items()) {
    if (key == "bos_token")
      options.bosToken = value.get<std::string>();
    else if (key == "eos_token")
      options.eosToken = value.get<std::string>();
    else
      options.extraVariables[key] = value;
  }
  return options;
}

const std::string &ChatTemplate::source() const { return template_->source; }

Expected<std::string> ChatTemplate::render(const std::vector<Message> &messages,
                                           const RenderOptions &options) const {
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const Message &m : messages)
    list.push_back({{"role", m.role}, {"content", m.content}});
  return render(list, options);
}

Expected<std::string> ChatTemplate::render(const nlohmann::ordered_json &messages,
                                           const RenderOptions &options) const {
  if (!messages.is_array())
    return makeError("chat messages must be a JSON list");
  if (!options.extraVariables.is_object())
    return makeError("extra template variables must be a JSON object");
  // Namespaces are the only mutable values, so only they can form reference cycles
  // (`{% set ns.me = ns %}`); emptying them after the render frees such cycles.
  std::vector<std::shared_ptr<ObjectData>> namespaces;
  struct ReleaseNamespaces {
    std::vector<std::shared_ptr<ObjectData>> &list;
    ~ReleaseNamespaces() {
      for (auto &ns : list)
        ns->attributes.clear();
    }
  } release{namespaces};
  try {
    // Later entries win: globals, then what HF passes (messages, tools=None, documents=None,
    // add_generation_prompt, the special tokens), then the caller's extra variables.
    DictEntries variables = makeGlobals(options.now, namespaces);
    auto set = [&](const std::string &name, Value value) {
      variables.emplace_back(name, std::move(value));
    };
    set("messages", Value::fromJson(messages));
    set("tools", Value::none());
    set("documents", Value::none());
    set("add_generation_prompt", Value::boolean(options.addGenerationPrompt));
    if (options.bosToken)
      set("bos_token", Value::string(*options.bosToken));
    if (options.eosToken)
      set("eos_token", Value::string(*options.eosToken));
    for (const auto &[key, value] : options.extraVariables.items())
      set(key, Value::fromJson(value));
    return renderTemplate(template_->body, template_->root, variables);
  } catch (const TemplateError &error) {
    return makeError(formatTemplateError(error));
  } catch (const std::bad_alloc &) {
    return makeError("chat template: out of memory while rendering");
  } catch (const std::exception &e) { // a bug here must not take the process down
    return makeError(std::string("chat template: internal error while rendering: ") + e.what());
  }
}

} // namespace inferno::rt::chat
