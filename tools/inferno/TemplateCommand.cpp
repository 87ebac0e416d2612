//===- TemplateCommand.cpp - `inferno template` ---------------------------===//
//
// Renders a tokenizer's chat template for a conversation, printing exactly the text the model
// would be given (no trailing newline added):
//
//   inferno template TOKENIZER_DIR --messages chat.json [--generation-prompt] [--date 2024-07-26]
//
// chat.json is an OpenAI-style list of {"role": ..., "content": ...}. --date fixes the day
// strftime_now reports (Llama 3.2 prints today's date) so output is reproducible.
// --batch reads JSON Lines instead, one case per line:
//   {"messages": [...], "add_generation_prompt": true, "variables": {"tools": [...]}}
// and prints one JSON line per case, {"text": "..."} or {"error": "..."}; tests use it to
// compare hundreds of conversations against Python's jinja2 in one process.
//
//===----------------------------------------------------------------------===//

#include "tools/inferno/Command.h"

#include "runtime/chat/ChatTemplate.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/raw_ostream.h"

#include <fstream>
#include <sstream>

using namespace inferno::rt::chat;

namespace {

llvm::cl::SubCommand templateCommand("template",
                                     "Render a tokenizer's chat template for a conversation");

llvm::cl::opt<std::string> tokenizerDir(llvm::cl::Positional, llvm::cl::Required,
                                        llvm::cl::desc("<tokenizer dir>"),
                                        llvm::cl::sub(templateCommand));
llvm::cl::opt<std::string>
    messagesPath("messages", llvm::cl::Required,
                 llvm::cl::desc("JSON file with the conversation: a list of {role, content}"),
                 llvm::cl::value_desc("file"), llvm::cl::sub(templateCommand));
llvm::cl::opt<bool>
    generationPrompt("generation-prompt",
                     llvm::cl::desc("Render add_generation_prompt=true (open an assistant turn)"),
                     llvm::cl::sub(templateCommand));
llvm::cl::opt<std::string>
    dateOption("date", llvm::cl::desc("Day strftime_now reports, instead of today"),
               llvm::cl::value_desc("YYYY-MM-DD"), llvm::cl::sub(templateCommand));
llvm::cl::opt<bool> batchMode(
    "batch",
    llvm::cl::desc("--messages is JSON Lines of {messages, add_generation_prompt, variables}; "
                   "print one JSON result per line"),
    llvm::cl::sub(templateCommand));

bool parseDate(const std::string &text, LocalTime &out) {
  int y, m, d;
  char tail;
  if (text.size() != 10 || std::sscanf(text.c_str(), "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3)
    return false;
  static const int days[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (y < 1 || m < 1 || m > 12 || d < 1 || d > days[m - 1])
    return false;
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (m == 2 && d == 29 && !leap)
    return false;
  out = LocalTime{y, m, d};
  return true;
}

int runBatch(const ChatTemplate &chat, const RenderOptions &base, std::istream &in) {
  std::string line;
  int lineNumber = 0;
  while (std::getline(in, line)) {
    ++lineNumber;
    if (line.find_first_not_of(" \t\r") == std::string::npos)
      continue;
    nlohmann::ordered_json result;
    try {
      auto item = nlohmann::ordered_json::parse(line);
      RenderOptions options = base;
      options.addGenerationPrompt =
          item.value("add_generation_prompt", static_cast<bool>(generationPrompt));
      if (item.contains("variables")) {
        if (!item["variables"].is_object())
          return inferno::driver::fail(messagesPath + ":" + std::to_string(lineNumber) +
                                       ": \"variables\" must be a JSON object");
        for (const auto &[key, value] : item["variables"].items())
          options.extraVariables[key] = value;
      }
      auto text = chat.render(item.at("messages"), options);
      if (text)
        result["text"] = *text;
      else
        result["error"] = text.error().message;
    } catch (const nlohmann::json::exception &e) {
      return inferno::driver::fail(messagesPath + ":" + std::to_string(lineNumber) +
                                   ": invalid case: " + e.what());
    }
    llvm::outs() << result.dump() << "\n";
  }
  return 0;
}

int runTemplate() {
  LocalTime day;
  if (!dateOption.empty() && !parseDate(dateOption, day))
    return inferno::driver::fail("--date: expected a day as YYYY-MM-DD, got '" + dateOption +
                                 "'");
  auto chat = ChatTemplate::fromTokenizerDir(tokenizerDir);
  if (!chat)
    return inferno::driver::fail(chat.error().message);
  RenderOptions options = chat->defaultOptions();
  options.addGenerationPrompt = generationPrompt;
  if (!dateOption.empty())
    options.now = day;

  std::ifstream in(messagesPath, std::ios::binary);
  if (!in)
    return inferno::driver::fail(messagesPath + ": cannot read the file");
  if (batchMode)
    return runBatch(*chat, options, in);

  nlohmann::ordered_json messages;
  try {
    std::ostringstream text;
    text << in.rdbuf();
    messages = nlohmann::ordered_json::parse(text.str());
  } catch (const nlohmann::json::exception &e) {
    return inferno::driver::fail(messagesPath + ": invalid JSON: " + e.what());
  }
  if (!messages.is_array())
    return inferno::driver::fail(messagesPath + ": expected a JSON list of messages");
  auto rendered = chat->render(messages, options);
  if (!rendered)
    return inferno::driver::fail(rendered.error().message);
  llvm::outs() << *rendered;
  llvm::outs().flush();
  return 0;
}

inferno::driver::RegisterCommand registerTemplate(templateCommand, runTemplate);

} // namespace
