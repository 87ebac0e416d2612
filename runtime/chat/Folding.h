//===- Folding.h - jinja2's compile-time constant folding --------*- C++ -*-===//
//
// jinja2 evaluates constant parts of a template while compiling it, and two of its rules
// change what renders:
//  * its optimizer replaces every expression that evaluates without variables or calls, to a
//    value with a safe repr (None, bool, numbers, str, and lists/tuples/dicts of those), by
//    that value;
//  * each `{{ }}` whose expression evaluates that way (any value) is printed at compile time.
// Compile-time evaluation follows the short-circuits of and/or/comparisons/if-else, and reads
// slices through environment.getitem, so `(false)[1:]` is Undefined there while a slice of a
// variable that fails raises at render time. Failures during folding leave the expression to
// render time, as jinja2 does.
//
//===----------------------------------------------------------------------===//

#ifndef INFERNO_RUNTIME_CHAT_FOLDING_H
#define INFERNO_RUNTIME_CHAT_FOLDING_H

#include "runtime/chat/Ast.h"

namespace inferno::rt::chat {

/// Folds constants in a whole template, in place. Run it before analyzeScopes: names that
/// folding removes do not count as reads, in jinja2 either.
void foldConstants(Body &body);

} // namespace inferno::rt::chat

#endif // INFERNO_RUNTIME_CHAT_FOLDING_H
