//===- Builtins.h - filters, tests, methods and global functions -*- C++ -*-===//
//
// The callable vocabulary of the supported subset: Jinja's filters and tests that chat
// templates use (with HF's own `tojson`), the str and dict methods they call, and the globals
// HF's environment provides (raise_exception, strftime_now, namespace, range).
//
//===----------------------------------------------------------------------===//

#ifndef INFERNO_RUNTIME_CHAT_BUILTINS_H
#define INFERNO_RUNTIME_CHAT_BUILTINS_H

#include "runtime/chat/Value.h"

#include <optional>
#include <string>

namespace inferno::rt::chat {

/// A wall-clock reading for strftime_now (local time, no time zone, like datetime.now()).
struct LocalTime {
  int year = 1970, month = 1, day = 1;
  int hour = 0, minute = 0, second = 0, microsecond = 0;
};

bool isSupportedFilter(const std::string &name);
bool isSupportedTest(const std::string &name);
/// `input | name(args)`; the name must be supported.
Value applyFilter(const std::string &name, const Value &input, const CallArgs &args);
/// `input is name(args)`; the name must be supported.
bool applyTest(const std::string &name, const Value &input, const CallArgs &args);
/// A supported str or dict method bound to `self` (`content.split`); nullopt otherwise.
std::optional<Value> boundMethod(const Value &self, const std::string &name);

/// The global functions every render sees. `now` fixes strftime_now's clock; without it
/// strftime_now reads the current local time. Every namespace() the render creates is added to
/// `namespaces`, so that the caller can break reference cycles (`ns.self = ns`) afterwards.
DictEntries makeGlobals(const std::optional<LocalTime> &now,
                        std::vector<std::shared_ptr<ObjectData>> &namespaces);
/// Jinja globals this engine does not provide (dict, lipsum, cycler, joiner): looking one up
/// is an error rather than an Undefined.
bool isUnsupportedGlobal(const std::string &name);
/// datetime.strftime for a naive local time (%f, %z and %Z handled as Python does).
std::string formatTime(const std::string &format, const LocalTime &time);

} // namespace inferno::rt::chat

#endif // INFERNO_RUNTIME_CHAT_BUILTINS_H
