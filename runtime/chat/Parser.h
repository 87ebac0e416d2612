//===- Parser.h - tokens to a template syntax tree ---------------*- C++ -*-===//
//
// A recursive-descent parser with jinja2.parser's grammar and precedence. Constructs outside
// the supported subset (an unknown statement, filter or test) are rejected here, at load time,
// with the line they are on, so a template either renders exactly or fails to load.
//
//===----------------------------------------------------------------------===//

#ifndef INFERNO_RUNTIME_CHAT_PARSER_H
#define INFERNO_RUNTIME_CHAT_PARSER_H

#include "runtime/chat/Ast.h"

#include <string>

namespace inferno::rt::chat {

/// Parses a whole template; throws TemplateError on syntax errors and unsupported constructs.
Body parseTemplate(const std::string &source);

} // namespace inferno::rt::chat

#endif // INFERNO_RUNTIME_CHAT_PARSER_H
