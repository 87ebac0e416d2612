//===- LoopContext.h - a for loop's progress and the `loop` variable -*- C++ -*-===//
//
// jinja2 iterates lazily: with a loop filter (`for x in xs if cond`) the condition of the next
// item is evaluated only when that item is needed, which is after the previous iteration's
// body, or earlier when the body asks for loop.last, loop.nextitem or loop.length (which look
// ahead). Bodies that change a namespace the condition reads see the difference, so this
// follows jinja2.runtime.LoopContext step by step.
//
//===----------------------------------------------------------------------===//

#ifndef INFERNO_RUNTIME_CHAT_LOOPCONTEXT_H
#define INFERNO_RUNTIME_CHAT_LOOPCONTEXT_H

#include "runtime/chat/Value.h"

#include <deque>
#include <functional>
#include <memory>
#include <optional>

namespace inferno::rt::chat {

class LoopContext : public std::enable_shared_from_this<LoopContext> {
public:
  /// `keep` is the loop filter (null for none); it may throw TemplateError.
  LoopContext(ValueList items, std::function<bool(const Value &)> keep)
      : items_(std::move(items)), keep_(std::move(keep)) {}

  /// Advances to the next item; nullopt when the loop is done.
  std::optional<Value> next();

  /// The `loop` variable for this loop: its attributes are read from `context` on access.
  static Value variable(const std::shared_ptr<LoopContext> &context);

private:
  std::optional<Value> pull();               // the next item that passes the filter
  const std::optional<Value> &peek();        // the item after the current one
  int64_t length();
  std::optional<Value> attribute(const std::string &name);

  ValueList items_;
  size_t cursor_ = 0;         // items_ consumed by pull()
  std::deque<Value> counted_; // items pulled early to compute length()
  std::function<bool(const Value &)> keep_;

  int64_t index0_ = -1;
  std::optional<Value> before_, current_;
  bool peeked_ = false; // after_ holds the look-ahead (nullopt: the loop is at its end)
  std::optional<Value> after_;
  std::optional<int64_t> length_;
  std::optional<Value> lastChanged_; // loop.changed()'s memory
};

} // namespace inferno::rt::chat

#endif // INFERNO_RUNTIME_CHAT_LOOPCONTEXT_H
