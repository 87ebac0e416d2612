//===- Lexer.h - Jinja2 template source to tokens ----------------*- C++ -*-===//
//
// Splits a template into text and the tokens inside {{ }} and {% %} tags, applying the
// whitespace rules of the Environment Hugging Face renders with: trim_blocks (drop the first
// newline after a block or comment tag), lstrip_blocks (drop the whitespace before a block or
// comment tag that starts a line), `-` / `+` modifiers on tags, and no keep_trailing_newline
// (one trailing newline of the template is dropped). Comments vanish here.
//
//===----------------------------------------------------------------------===//

#ifndef INFERNO_RUNTIME_CHAT_LEXER_H
#define INFERNO_RUNTIME_CHAT_LEXER_H

#include <cstdint>
#include <string>
#include <vector>

namespace inferno::rt::chat {

enum class TokenKind {
  Data,          // literal template text
  VariableBegin, // {{
  VariableEnd,   // }}
  BlockBegin,    // {%
  BlockEnd,      // %}
  Name,
  String,  // text holds the decoded value
  Integer, // intValue
  Float,   // floatValue
  Operator,
  End, // end of the template
};

struct Token {
  TokenKind kind;
  std::string text;
  int line = 1;
  int64_t intValue = 0;
  double floatValue = 0;
};

/// Tokenizes a whole template; throws TemplateError (with its line) on malformed input.
std::vector<Token> tokenize(const std::string &source);

} // namespace inferno::rt::chat

#endif // INFERNO_RUNTIME_CHAT_LEXER_H
