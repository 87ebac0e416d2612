//===- Value.h - the values templates compute with ---------------*- C++ -*-===//
//
// A small model of the Python objects a chat template sees: None, bool, int, float, str, list
// (and tuple, and the lazy sequences some filters return), dict (insertion-ordered, string
// keys, as JSON gives them), Jinja's Undefined, namespace/loop objects and callables.
// Lists and dicts are immutable and shared (the sandbox HF renders in forbids mutating them);
// a namespace is the one mutable object and is shared by reference, as in Python.
//
//===----------------------------------------------------------------------===//

#ifndef INFERNO_RUNTIME_CHAT_VALUE_H
#define INFERNO_RUNTIME_CHAT_VALUE_H

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace inferno::rt::chat {

class Value;
using ValueList = std::vector<Value>;
/// A dict's entries in insertion order (Python dicts keep it, and tojson/items show it).
using DictEntries = std::vector<std::pair<std::string, Value>>;

/// Arguments of a call: `f(a, b, key=c)`.
struct CallArgs {
  ValueList positional;
  DictEntries keyword;
};

/// An attribute bag: Jinja's namespace() (assignable attributes) and the loop variable
/// (attributes computed on access, because reading some of them advances the loop).
struct ObjectData {
  std::string typeName;
  bool assignable = false;
  DictEntries attributes;
  /// When set, attributes come from here (nullopt: no such attribute).
  std::function<std::optional<Value>(const std::string &)> computedAttribute;
};

/// A builtin function or a bound method (`content.split`); `name` is for messages.
struct CallableData {
  std::string name;
  std::function<Value(const CallArgs &)> call;
};

class Value {
public:
  enum class Kind { Undefined, None, Bool, Int, Float, String, List, Dict, Object, Callable };
  /// What Python type a List value stands for. Only List and Tuple print and serialize; the
  /// others (generators from select/reject/items, range objects, dict views) print as
  /// "<generator object ...>" in Python, which this engine refuses rather than imitates.
  enum class Flavor { List, Tuple, Generator, Range, View };

  /// Jinja's Undefined; `hint` is the message used if the value is misused ("'x' is undefined").
  static Value undefined(std::string hint);
  static Value none();
  static Value boolean(bool b);
  static Value integer(int64_t i);
  static Value floating(double d);
  static Value string(std::string s);
  static Value list(ValueList items, Flavor flavor = Flavor::List);
  static Value dict(DictEntries entries);
  static Value object(std::shared_ptr<ObjectData> data);
  static Value callable(std::string name, std::function<Value(const CallArgs &)> call);
  /// JSON as Python's json module loads it (objects keep their key order).
  static Value fromJson(const nlohmann::ordered_json &json);

  /// An Undefined without a hint; the factories below build every other value.
  Value() = default;

  Kind kind() const { return kind_; }
  bool isUndefined() const { return kind_ == Kind::Undefined; }
  bool isNone() const { return kind_ == Kind::None; }
  bool isBool() const { return kind_ == Kind::Bool; }
  bool isInt() const { return kind_ == Kind::Int; }
  bool isFloat() const { return kind_ == Kind::Float; }
  /// bool, int or float: Python's numbers (bool is an int subclass there).
  bool isNumber() const { return isBool() || isInt() || isFloat(); }
  bool isString() const { return kind_ == Kind::String; }
  bool isList() const { return kind_ == Kind::List; }
  bool isDict() const { return kind_ == Kind::Dict; }
  bool isObject() const { return kind_ == Kind::Object; }
  bool isCallable() const { return kind_ == Kind::Callable; }
  Flavor flavor() const { return flavor_; }

  bool asBool() const { return bool_; }
  /// bool or int as an integer.
  int64_t asInt() const { return isBool() ? (bool_ ? 1 : 0) : int_; }
  /// any number as a double.
  double asDouble() const { return isFloat() ? float_ : static_cast<double>(asInt()); }
  const std::string &asString() const { return str_; }
  const std::string &undefinedHint() const { return str_; }
  const ValueList &items() const { return *list_; }
  const DictEntries &entries() const { return *dict_; }
  ObjectData &objectData() const { return *object_; }
  const std::shared_ptr<ObjectData> &objectShared() const { return object_; }
  const CallableData &callableData() const { return *callable_; }

  /// A dict entry or attribute by name; nullptr when missing.
  const Value *find(const std::string &key) const;

private:
  Kind kind_ = Kind::Undefined;
  Flavor flavor_ = Flavor::List;
  bool bool_ = false;
  int64_t int_ = 0;
  double float_ = 0;
  std::string str_; // String's text, or Undefined's hint
  std::shared_ptr<const ValueList> list_;
  std::shared_ptr<const DictEntries> dict_;
  std::shared_ptr<ObjectData> object_;
  std::shared_ptr<const CallableData> callable_;
};

/// Python's bool(v); Undefined is false, generators are always true.
bool truthy(const Value &v);
/// Python's ==, with Jinja's rule that Undefined equals only Undefined.
bool equals(const Value &a, const Value &b);
/// Python's <: -1, 0 or 1; fails (TemplateError) on types Python cannot order.
int compare(const Value &a, const Value &b);
/// Python's str(v) as Jinja prints it (Undefined prints as nothing). Fails for values whose
/// Python text is an object address or needs the Unicode database (see Value.cpp).
std::string toStr(const Value &v);
/// Python's repr(v), as lists and dicts print their elements.
std::string repr(const Value &v);
/// How Jinja names a type in messages: "dict object", "str object", ...
std::string describeType(const Value &v);
/// The elements `for x in v` visits: list items, dict keys, string characters; Undefined
/// visits nothing. Fails for values Python cannot iterate.
ValueList iterate(const Value &v);

/// json.dumps(v, ensure_ascii, indent, separators, sort_keys), as HF's tojson filter calls it.
struct JsonOptions {
  bool ensureAscii = false;
  bool hasIndent = false;
  std::string indent; // the text of one indent level
  bool hasSeparators = false;
  std::string itemSeparator, keySeparator;
  bool sortKeys = false;
};
std::string toJson(const Value &v, const JsonOptions &options);

} // namespace inferno::rt::chat

#endif // INFERNO_RUNTIME_CHAT_VALUE_H
