//===- TemplateError.h - errors inside the template engine -------*- C++ -*-===//
//
// Inside the engine a failure unwinds as a TemplateError, because it can arise deep in an
// expression (a filter, a comparison) and always abandons the whole render. ChatTemplate's
// public functions catch it and return inferno::rt::Error. Code that does not know the
// template line throws with line 0; the evaluator fills in the line of the node it was
// evaluating as the error passes through.
//
//===----------------------------------------------------------------------===//

#ifndef INFERNO_RUNTIME_CHAT_TEMPLATEERROR_H
#define INFERNO_RUNTIME_CHAT_TEMPLATEERROR_H

#include <stdexcept>
#include <string>

namespace inferno::rt::chat {

class TemplateError : public std::runtime_error {
public:
  TemplateError(int line, const std::string &message)
      : std::runtime_error(message), line(line) {}
  /// 1-based template line, or 0 while not yet known.
  int line;
};

/// Throws a TemplateError whose line the evaluator fills in.
[[noreturn]] inline void fail(const std::string &message) { throw TemplateError(0, message); }

/// "chat template line N: MESSAGE", the one format every engine error is reported in.
inline std::string formatTemplateError(const TemplateError &error) {
  return "chat template line " + std::to_string(error.line) + ": " + error.what();
}

} // namespace inferno::rt::chat

#endif // INFERNO_RUNTIME_CHAT_TEMPLATEERROR_H
