//===- Operators.h - Python operators and Jinja's attribute access -*- C++ -*-===//
//
// What `a + b`, `x.name`, `x['key']`, `x[1:]` and `a in b` do, as Python and Jinja's sandboxed
// environment define them: int/float arithmetic with Python's floor division and modulo,
// str/list concatenation and repetition, dict attribute fallback to keys (`message.role`),
// missing keys and out-of-range indexes giving Undefined, code-point string indexing.
// Failures throw TemplateError (line filled in by the evaluator).
//
//===----------------------------------------------------------------------===//

#ifndef INFERNO_RUNTIME_CHAT_OPERATORS_H
#define INFERNO_RUNTIME_CHAT_OPERATORS_H

#include "runtime/chat/Value.h"

#include <string>

namespace inferno::rt::chat {

/// + - * / // % ** and ~ (string concatenation of str() of both sides).
Value binaryOp(const std::string &op, const Value &a, const Value &b);
/// Unary - and +.
Value unaryOp(const std::string &op, const Value &a);
/// Python's `needle in container`.
bool contains(const Value &container, const Value &needle);
/// One link of a comparison chain: == != < <= > >= in notin.
bool compareOp(const std::string &op, const Value &left, const Value &right);
/// Jinja's environment.getattr: `obj.name`.
Value getAttr(const Value &obj, const std::string &name);
/// Jinja's environment.getitem: `obj[key]` (falls back to attributes for string keys).
Value getItem(const Value &obj, const Value &key);
/// `obj[start:stop:step]`; a part left out is passed as None.
Value sliceValue(const Value &obj, const Value &start, const Value &stop, const Value &step);

} // namespace inferno::rt::chat

#endif // INFERNO_RUNTIME_CHAT_OPERATORS_H
