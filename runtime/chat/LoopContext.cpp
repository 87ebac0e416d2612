//===- LoopContext.cpp - a for loop's progress and the `loop` variable ----===//

#include "runtime/chat/LoopContext.h"

#include "runtime/chat/TemplateError.h"

namespace inferno::rt::chat {

std::optional<Value> LoopContext::pull() {
  if (!counted_.empty()) {
    Value item = std::move(counted_.front());
    counted_.pop_front();
    return item;
  }
  while (cursor_ < items_.size()) {
    const Value &item = items_[cursor_++];
    if (!keep_ || keep_(item))
      return item;
  }
  return std::nullopt;
}

const std::optional<Value> &LoopContext::peek() {
  // jinja2 caches a found item but asks again after reaching the end; asking again changes
  // nothing here, as the items are fixed.
  if (!peeked_ || !after_) {
    after_ = pull();
    peeked_ = true;
  }
  return after_;
}

std::optional<Value> LoopContext::next() {
  std::optional<Value> item;
  if (peeked_ && after_) {
    item = std::move(after_);
    after_.reset();
    peeked_ = false;
  } else {
    item = pull();
  }
  if (!item)
    return std::nullopt;
  ++index0_;
  before_ = std::move(current_);
  current_ = item;
  return item;
}

int64_t LoopContext::length() {
  if (length_)
    return *length_;
  if (!keep_) {
    length_ = static_cast<int64_t>(items_.size()); // len(iterable)
    return *length_;
  }
  // A filtered loop has no len(): jinja2 evaluates the filter over the rest now.
  while (cursor_ < items_.size()) {
    const Value &item = items_[cursor_++];
    if (keep_(item))
      counted_.push_back(item);
  }
  length_ = static_cast<int64_t>(counted_.size()) + index0_ + 1 + (peeked_ && after_ ? 1 : 0);
  return *length_;
}

std::optional<Value> LoopContext::attribute(const std::string &name) {
  if (name == "index0")
    return Value::integer(index0_);
  if (name == "index")
    return Value::integer(index0_ + 1);
  if (name == "first")
    return Value::boolean(index0_ == 0);
  if (name == "last")
    return Value::boolean(!peek());
  if (name == "length")
    return Value::integer(length());
  if (name == "revindex0")
    return Value::integer(length() - (index0_ + 1));
  if (name == "revindex")
    return Value::integer(length() - index0_);
  if (name == "depth")
    return Value::integer(1);
  if (name == "depth0")
    return Value::integer(0);
  if (name == "previtem") {
    if (index0_ == 0 || !before_)
      return Value::undefined("there is no previous item");
    return *before_;
  }
  if (name == "nextitem") {
    const std::optional<Value> &after = peek();
    return after ? *after : Value::undefined("there is no next item");
  }
  if (name == "cycle") {
    int64_t index0 = index0_;
    return Value::callable("loop.cycle", [index0](const CallArgs &args) {
      if (args.positional.empty())
        fail("no items for cycling given");
      return args.positional[index0 % static_cast<int64_t>(args.positional.size())];
    });
  }
  if (name == "changed") {
    return Value::callable("loop.changed", [self = shared_from_this()](const CallArgs &args) {
      Value values = Value::list(args.positional, Value::Flavor::Tuple);
      if (self->lastChanged_ && equals(*self->lastChanged_, values))
        return Value::boolean(false);
      self->lastChanged_ = values;
      return Value::boolean(true);
    });
  }
  return std::nullopt;
}

Value LoopContext::variable(const std::shared_ptr<LoopContext> &context) {
  auto data = std::make_shared<ObjectData>();
  data->typeName = "LoopContext";
  data->computedAttribute = [context](const std::string &name) { return context->attribute(name); };
  return Value::object(std::move(data));
}

} // namespace inferno::rt::chat
