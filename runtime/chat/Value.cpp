//===- Value.cpp - Python semantics of template values --------------------===//

#include "runtime/chat/Value.h"

#include "runtime/chat/TemplateError.h"
#include "runtime/chat/Text.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace inferno::rt::chat {

Value Value::undefined(std::string hint) {
  Value v;
  v.kind_ = Kind::Undefined;
  v.str_ = std::move(hint);
  return v;
}

Value Value::none() {
  Value v;
  v.kind_ = Kind::None;
  return v;
}

Value Value::boolean(bool b) {
  Value v = none();
  v.kind_ = Kind::Bool;
  v.bool_ = b;
  return v;
}

Value Value::integer(int64_t i) {
  Value v = none();
  v.kind_ = Kind::Int;
  v.int_ = i;
  return v;
}

Value Value::floating(double d) {
  Value v = none();
  v.kind_ = Kind::Float;
  v.float_ = d;
  return v;
}

Value Value::string(std::string s) {
  Value v = none();
  v.kind_ = Kind::String;
  v.str_ = std::move(s);
  return v;
}

Value Value::list(ValueList items, Flavor flavor) {
  Value v = none();
  v.kind_ = Kind::List;
  v.flavor_ = flavor;
  v.list_ = std::make_shared<const ValueList>(std::move(items));
  return v;
}

Value Value::dict(DictEntries entries) {
  Value v = none();
  v.kind_ = Kind::Dict;
  v.dict_ = std::make_shared<const DictEntries>(std::move(entries));
  return v;
}

Value Value::object(std::shared_ptr<ObjectData> data) {
  Value v = none();
  v.kind_ = Kind::Object;
  v.object_ = std::move(data);
  return v;
}

Value Value::callable(std::string name, std::function<Value(const CallArgs &)> call) {
  Value v = none();
  v.kind_ = Kind::Callable;
  v.callable_ = std::make_shared<const CallableData>(CallableData{std::move(name), std::move(call)});
  return v;
}

Value Value::fromJson(const nlohmann::ordered_json &json) {
  using T = nlohmann::ordered_json::value_t;
  switch (json.type()) {
  case T::null:
    return none();
  case T::boolean:
    return boolean(json.get<bool>());
  case T::number_integer:
    return integer(json.get<int64_t>());
  case T::number_unsigned: {
    uint64_t u = json.get<uint64_t>();
    if (u > static_cast<uint64_t>(INT64_MAX))
      fail("integer " + std::to_string(u) + " in the input is larger than this engine supports");
    return integer(static_cast<int64_t>(u));
  }
  case T::number_float:
    return floating(json.get<double>());
  case T::string:
    return string(json.get<std::string>());
  case T::array: {
    ValueList items;
    for (const auto &item : json)
      items.push_back(fromJson(item));
    return list(std::move(items));
  }
  case T::object: {
    DictEntries entries;
    for (const auto &[key, item] : json.items()) {
      // Python's json keeps the last of duplicate keys; ordered_json already holds one.
      entries.emplace_back(key, fromJson(item));
    }
    return dict(std::move(entries));
  }
  default:
    fail("unsupported JSON value in the input");
  }
}

const Value *Value::find(const std::string &key) const {
  const DictEntries *entries = isDict() ? dict_.get() : isObject() ? &object_->attributes : nullptr;
  if (!entries)
    return nullptr;
  for (const auto &[k, v] : *entries)
    if (k == key)
      return &v;
  return nullptr;
}

bool truthy(const Value &v) {
  switch (v.kind()) {
  case Value::Kind::Undefined:
  case Value::Kind::None:
    return false;
  case Value::Kind::Bool:
    return v.asBool();
  case Value::Kind::Int:
    return v.asInt() != 0;
  case Value::Kind::Float:
    return v.asDouble() != 0.0;
  case Value::Kind::String:
    return !v.asString().empty();
  case Value::Kind::List:
    // A generator object is true even when it would yield nothing.
    return v.flavor() == Value::Flavor::Generator || !v.items().empty();
  case Value::Kind::Dict:
    return !v.entries().empty();
  case Value::Kind::Object:
    if (v.objectData().typeName == "LoopContext") {
      // bool(loop) calls len(loop), which runs a loop filter over all remaining items.
      auto length = v.objectData().computedAttribute("length");
      return length && length->asInt() != 0;
    }
    return true;
  case Value::Kind::Callable:
    return true;
  }
  return false;
}

std::string describeType(const Value &v) {
  switch (v.kind()) {
  case Value::Kind::Undefined:
    return "Undefined";
  case Value::Kind::None:
    return "NoneType";
  case Value::Kind::Bool:
    return "bool";
  case Value::Kind::Int:
    return "int";
  case Value::Kind::Float:
    return "float";
  case Value::Kind::String:
    return "str";
  case Value::Kind::List:
    switch (v.flavor()) {
    case Value::Flavor::List:
      return "list";
    case Value::Flavor::Tuple:
      return "tuple";
    case Value::Flavor::Generator:
      return "generator";
    case Value::Flavor::Range:
      return "range";
    case Value::Flavor::View:
      return "dict view";
    }
    return "list";
  case Value::Kind::Dict:
    return "dict";
  case Value::Kind::Object:
    return v.objectData().typeName;
  case Value::Kind::Callable:
    return "function";
  }
  return "object";
}

namespace {

// int64 and double compare exactly through long double (64-bit mantissa or wider), as Python
// compares int with float exactly.
int compareNumbers(const Value &a, const Value &b) {
  if (!a.isFloat() && !b.isFloat()) {
    int64_t x = a.asInt(), y = b.asInt();
    return x < y ? -1 : x > y ? 1 : 0;
  }
  long double x = a.isFloat() ? a.asDouble() : static_cast<long double>(a.asInt());
  long double y = b.isFloat() ? b.asDouble() : static_cast<long double>(b.asInt());
  return x < y ? -1 : x > y ? 1 : 0;
}

bool sequenceLike(const Value &v) {
  return v.isList() && (v.flavor() == Value::Flavor::List || v.flavor() == Value::Flavor::Tuple ||
                        v.flavor() == Value::Flavor::Range);
}

} // namespace

bool equals(const Value &a, const Value &b) {
  if (a.isUndefined() || b.isUndefined())
    return a.isUndefined() && b.isUndefined();
  if (a.isNumber() && b.isNumber()) {
    if ((a.isFloat() && std::isnan(a.asDouble())) || (b.isFloat() && std::isnan(b.asDouble())))
      return false;
    return compareNumbers(a, b) == 0;
  }
  if (a.kind() != b.kind())
    return false;
  switch (a.kind()) {
  case Value::Kind::None:
    return true;
  case Value::Kind::String:
    return a.asString() == b.asString();
  case Value::Kind::List: {
    if (a.flavor() == Value::Flavor::View || b.flavor() == Value::Flavor::View)
      fail("comparing dict views is not supported");
    if (!sequenceLike(a) || !sequenceLike(b))
      return &a.items() == &b.items(); // generators compare by identity
    if (a.flavor() != b.flavor() || a.items().size() != b.items().size())
      return false;
    for (size_t i = 0; i < a.items().size(); ++i)
      if (!equals(a.items()[i], b.items()[i]))
        return false;
    return true;
  }
  case Value::Kind::Dict: {
    if (a.entries().size() != b.entries().size())
      return false;
    for (const auto &[key, value] : a.entries()) {
      const Value *other = b.find(key);
      if (!other || !equals(value, *other))
        return false;
    }
    return true;
  }
  case Value::Kind::Object:
    return &a.objectData() == &b.objectData();
  case Value::Kind::Callable:
    return &a.callableData() == &b.callableData();
  default:
    return false;
  }
}

int compare(const Value &a, const Value &b) {
  if (a.isNumber() && b.isNumber())
    return compareNumbers(a, b);
  if (a.isString() && b.isString()) {
    // UTF-8 byte order is code point order, which is how Python orders str.
    int c = a.asString().compare(b.asString());
    return c < 0 ? -1 : c > 0 ? 1 : 0;
  }
  if (a.isList() && b.isList() && a.flavor() == b.flavor() &&
      (a.flavor() == Value::Flavor::List || a.flavor() == Value::Flavor::Tuple)) {
    const ValueList &x = a.items(), &y = b.items();
    for (size_t i = 0; i < x.size() && i < y.size(); ++i)
      if (!equals(x[i], y[i]))
        return compare(x[i], y[i]);
    return x.size() < y.size() ? -1 : x.size() > y.size() ? 1 : 0;
  }
  if (a.isUndefined() || b.isUndefined())
    fail("'" + (a.isUndefined() ? a : b).undefinedHint() + "' (an undefined value) cannot be ordered");
  fail("'<' not supported between instances of '" + describeType(a) + "' and '" + describeType(b) +
       "'");
}

namespace {

std::string sequenceText(const Value &v) {
  const ValueList &items = v.items();
  bool tuple = v.flavor() == Value::Flavor::Tuple;
  std::string out = tuple ? "(" : "[";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i)
      out += ", ";
    out += repr(items[i]);
  }
  if (tuple && items.size() == 1)
    out += ",";
  return out + (tuple ? ")" : "]");
}

} // namespace

std::string toStr(const Value &v) {
  switch (v.kind()) {
  case Value::Kind::Undefined:
    return "";
  case Value::Kind::None:
    return "None";
  case Value::Kind::Bool:
    return v.asBool() ? "True" : "False";
  case Value::Kind::Int:
    return std::to_string(v.asInt());
  case Value::Kind::Float:
    return pyFloatRepr(v.asDouble());
  case Value::Kind::String:
    return v.asString();
  case Value::Kind::List:
    if (v.flavor() != Value::Flavor::List && v.flavor() != Value::Flavor::Tuple)
      fail("printing a " + describeType(v) +
           " object is not supported (Python prints its address; convert it with |list)");
    return sequenceText(v);
  case Value::Kind::Dict: {
    std::string out = "{";
    bool first = true;
    for (const auto &[key, value] : v.entries()) {
      if (!first)
        out += ", ";
      first = false;
      out += repr(Value::string(key)) + ": " + repr(value);
    }
    return out + "}";
  }
  case Value::Kind::Object:
  case Value::Kind::Callable:
    fail("printing a " + describeType(v) + " object is not supported");
  }
  return "";
}

std::string repr(const Value &v) {
  if (v.isUndefined())
    return "Undefined";
  if (v.isString()) {
    if (!isAscii(v.asString()))
      fail("printing a list or dict that holds non-ASCII text is not supported (Python's repr "
           "escapes characters by Unicode category)");
    return pyStrReprAscii(v.asString());
  }
  return toStr(v);
}

ValueList iterate(const Value &v) {
  switch (v.kind()) {
  case Value::Kind::Undefined:
    return {};
  case Value::Kind::List:
    return v.items();
  case Value::Kind::Dict: {
    ValueList keys;
    for (const auto &entry : v.entries())
      keys.push_back(Value::string(entry.first));
    return keys;
  }
  case Value::Kind::String: {
    ValueList chars;
    for (char32_t cp : decodeUtf8(v.asString())) {
      std::string one;
      appendUtf8(one, cp);
      chars.push_back(Value::string(std::move(one)));
    }
    return chars;
  }
  case Value::Kind::Object:
    if (v.objectData().typeName == "LoopContext")
      fail("iterating a LoopContext object is not supported");
    [[fallthrough]];
  default:
    fail("'" + describeType(v) + "' object is not iterable");
  }
}

namespace {

void jsonString(std::string &out, const std::string &text, bool ensureAscii) {
  out += '"';
  for (char32_t cp : decodeUtf8(text)) {
    switch (cp) {
    case '"':
      out += "\\\"";
      continue;
    case '\\':
      out += "\\\\";
      continue;
    case '\n':
      out += "\\n";
      continue;
    case '\r':
      out += "\\r";
      continue;
    case '\t':
      out += "\\t";
      continue;
    case '\b':
      out += "\\b";
      continue;
    case '\f':
      out += "\\f";
      continue;
    default:
      break;
    }
    char esc[16];
    if (cp < 0x20 || (ensureAscii && cp > 0x7E)) {
      if (cp > 0xFFFF) { // a surrogate pair, as json.dumps writes it
        char32_t v = cp - 0x10000;
        std::snprintf(esc, sizeof esc, "\\u%04x\\u%04x", static_cast<unsigned>(0xD800 + (v >> 10)),
                      static_cast<unsigned>(0xDC00 + (v & 0x3FF)));
      } else {
        std::snprintf(esc, sizeof esc, "\\u%04x", static_cast<unsigned>(cp));
      }
      out += esc;
    } else {
      appendUtf8(out, cp);
    }
  }
  out += '"';
}

void jsonValue(std::string &out, const Value &v, const JsonOptions &options, int level) {
  const std::string itemSep =
      options.hasSeparators ? options.itemSeparator : (options.hasIndent ? "," : ", ");
  const std::string keySep = options.hasSeparators ? options.keySeparator : ": ";
  auto newline = [&](int depth) {
    out += '\n';
    for (int i = 0; i < depth; ++i)
      out += options.indent;
  };

  switch (v.kind()) {
  case Value::Kind::None:
    out += "null";
    return;
  case Value::Kind::Bool:
    out += v.asBool() ? "true" : "false";
    return;
  case Value::Kind::Int:
    out += std::to_string(v.asInt());
    return;
  case Value::Kind::Float: {
    double d = v.asDouble();
    if (std::isnan(d))
      out += "NaN";
    else if (std::isinf(d))
      out += d < 0 ? "-Infinity" : "Infinity";
    else
      out += pyFloatRepr(d);
    return;
  }
  case Value::Kind::String:
    jsonString(out, v.asString(), options.ensureAscii);
    return;
  case Value::Kind::List: {
    if (v.flavor() != Value::Flavor::List && v.flavor() != Value::Flavor::Tuple)
      break;
    if (v.items().empty()) {
      out += "[]";
      return;
    }
    out += '[';
    for (size_t i = 0; i < v.items().size(); ++i) {
      if (i)
        out += itemSep;
      if (options.hasIndent)
        newline(level + 1);
      jsonValue(out, v.items()[i], options, level + 1);
    }
    if (options.hasIndent)
      newline(level);
    out += ']';
    return;
  }
  case Value::Kind::Dict: {
    if (v.entries().empty()) {
      out += "{}";
      return;
    }
    std::vector<const std::pair<std::string, Value> *> order;
    for (const auto &entry : v.entries())
      order.push_back(&entry);
    if (options.sortKeys)
      std::stable_sort(order.begin(), order.end(),
                       [](auto *x, auto *y) { return x->first < y->first; });
    out += '{';
    for (size_t i = 0; i < order.size(); ++i) {
      if (i)
        out += itemSep;
      if (options.hasIndent)
        newline(level + 1);
      jsonString(out, order[i]->first, options.ensureAscii);
      out += keySep;
      jsonValue(out, order[i]->second, options, level + 1);
    }
    if (options.hasIndent)
      newline(level);
    out += '}';
    return;
  }
  default:
    break;
  }
  fail("Object of type " + describeType(v) + " is not JSON serializable");
}

} // namespace

std::string toJson(const Value &v, const JsonOptions &options) {
  std::string out;
  jsonValue(out, v, options, 0);
  return out;
}

} // namespace inferno::rt::chat
