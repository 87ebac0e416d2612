//===- Evaluator.h - renders a parsed template -------------------*- C++ -*-===//
//
// Walks the syntax tree the way jinja2's compiled code runs: names live in frames (the
// template's top level, each loop body, loop else blocks and filters, set-block bodies) as
// Scoping.cpp decided at load time. Entering a frame gives its names their first values (a
// loop body does so at every iteration, so a `set` in a loop neither survives to the next
// iteration nor leaks out; that is why templates carry state in a namespace()).
//
//===----------------------------------------------------------------------===//

#ifndef INFERNO_RUNTIME_CHAT_EVALUATOR_H
#define INFERNO_RUNTIME_CHAT_EVALUATOR_H

#include "runtime/chat/Ast.h"
#include "runtime/chat/Value.h"

#include <string>

namespace inferno::rt::chat {

/// Renders `body`, whose top-level frame is `root` (from analyzeScopes), with `variables`
/// (render arguments and globals; a later entry wins over an earlier one of the same name).
/// Throws TemplateError with the line of the failing node.
std::string renderTemplate(const Body &body, const Frame &root, const DictEntries &variables);

} // namespace inferno::rt::chat

#endif // INFERNO_RUNTIME_CHAT_EVALUATOR_H
