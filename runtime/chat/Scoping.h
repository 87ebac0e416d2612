//===- Scoping.h - jinja2's compile-time name resolution ---------*- C++ -*-===//
//
// jinja2 compiles a template to Python and decides statically which scope ("frame") each
// name belongs to and how each frame initializes its names (jinja2/idtracking.py). The rules
// leak into output: a name assigned at some level reads as undefined from nested loops that
// run before the assignment, even when a render variable has that name; a name assigned in
// every branch of an if/elif/else behaves differently from one assigned in some branches.
// This pass reproduces those decisions on the syntax tree: it records each frame's loads
// (Ast.h's Frame) and the frame each name is read from; the evaluator then only follows them.
//
//===----------------------------------------------------------------------===//

#ifndef INFERNO_RUNTIME_CHAT_SCOPING_H
#define INFERNO_RUNTIME_CHAT_SCOPING_H

#include "runtime/chat/Ast.h"

namespace inferno::rt::chat {

/// Annotates `body` (a whole template) and returns its top-level frame.
Frame analyzeScopes(Body &body);

} // namespace inferno::rt::chat

#endif // INFERNO_RUNTIME_CHAT_SCOPING_H
