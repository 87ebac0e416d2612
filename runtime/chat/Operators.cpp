//===- Operators.cpp - Python operators and Jinja's attribute access ------===//

#include "runtime/chat/Operators.h"

#include "runtime/chat/Builtins.h"
#include "runtime/chat/TemplateError.h"
#include "runtime/chat/Text.h"

#include <cmath>
#include <set>

namespace inferno::rt::chat {

namespace {

[[noreturn]] void unsupportedOperands(const std::string &op, const Value &a, const Value &b) {
  fail("unsupported operand type(s) for " + op + ": '" + describeType(a) + "' and '" +
       describeType(b) + "'");
}

[[noreturn]] void overflow() {
  fail("integer overflow (Python would switch to a big integer; not supported)");
}

int64_t checkedAdd(int64_t a, int64_t b) {
  int64_t r;
  if (__builtin_add_overflow(a, b, &r))
    overflow();
  return r;
}
int64_t checkedSub(int64_t a, int64_t b) {
  int64_t r;
  if (__builtin_sub_overflow(a, b, &r))
    overflow();
  return r;
}
int64_t checkedMul(int64_t a, int64_t b) {
  int64_t r;
  if (__builtin_mul_overflow(a, b, &r))
    overflow();
  return r;
}

Value repeat(const Value &seq, int64_t times) {
  // Python would try (and might manage) any size; a template asking for more than this is
  // broken, and failing beats exhausting memory.
  const uint64_t limit = uint64_t(1) << 28;
  uint64_t unit = seq.isString() ? seq.asString().size() : seq.items().size();
  if (times > 0 && unit > 0 && uint64_t(times) > limit / unit)
    fail("repetition result is too large");
  if (seq.isString()) {
    std::string out;
    for (int64_t i = 0; i < times; ++i)
      out += seq.asString();
    return Value::string(std::move(out));
  }
  ValueList out;
  for (int64_t i = 0; i < times; ++i)
    out.insert(out.end(), seq.items().begin(), seq.items().end());
  return Value::list(std::move(out), seq.flavor());
}

/// Whether Python can hash the value (dict keys and `in dict` need it).
bool isHashable(const Value &v) {
  if (v.isDict())
    return false;
  if (v.isList()) {
    if (v.flavor() == Value::Flavor::List || v.flavor() == Value::Flavor::View)
      return false;
    if (v.flavor() == Value::Flavor::Tuple)
      for (const Value &item : v.items())
        if (!isHashable(item))
          return false;
  }
  return true;
}

bool isPlainSequence(const Value &v) {
  return v.isList() && (v.flavor() == Value::Flavor::List || v.flavor() == Value::Flavor::Tuple);
}

Value arithmetic(const std::string &op, const Value &a, const Value &b) {
  bool ints = !a.isFloat() && !b.isFloat();
  if (op == "+")
    return ints ? Value::integer(checkedAdd(a.asInt(), b.asInt()))
                : Value::floating(a.asDouble() + b.asDouble());
  if (op == "-")
    return ints ? Value::integer(checkedSub(a.asInt(), b.asInt()))
                : Value::floating(a.asDouble() - b.asDouble());
  if (op == "*")
    return ints ? Value::integer(checkedMul(a.asInt(), b.asInt()))
                : Value::floating(a.asDouble() * b.asDouble());
  if (op == "/") {
    if (b.asDouble() == 0)
      fail("division by zero");
    // Python divides ints exactly then rounds once; doubles are exact below 2^53.
    const int64_t exact = int64_t(1) << 53;
    if (ints && (std::llabs(a.asInt()) > exact || std::llabs(b.asInt()) > exact))
      fail("dividing integers beyond 2**53 is not supported");
    return Value::floating(a.asDouble() / b.asDouble());
  }
  if (op == "//" || op == "%") {
    if (ints) {
      int64_t x = a.asInt(), y = b.asInt();
      if (y == 0)
        fail("integer division or modulo by zero");
      if (x == INT64_MIN && y == -1)
        overflow();
      int64_t q = x / y, r = x % y;
      if (r != 0 && ((r < 0) != (y < 0))) { // floor, like Python
        q -= 1;
        r += y;
      }
      return Value::integer(op == "//" ? q : r);
    }
    double x = a.asDouble(), y = b.asDouble();
    if (y == 0)
      fail("float division by zero");
    // CPython's float_divmod.
    double mod = std::fmod(x, y);
    double div = (x - mod) / y;
    if (mod != 0) {
      if ((y < 0) != (mod < 0)) {
        mod += y;
        div -= 1.0;
      }
    } else {
      mod = std::copysign(0.0, y);
    }
    double floordiv;
    if (div != 0) {
      floordiv = std::floor(div);
      if (div - floordiv > 0.5)
        floordiv += 1.0;
    } else {
      floordiv = std::copysign(0.0, x / y);
    }
    return Value::floating(op == "//" ? floordiv : mod);
  }
  // "**"
  if (ints && b.asInt() >= 0) {
    int64_t base = a.asInt(), exp = b.asInt(), result = 1;
    while (exp > 0) {
      if (exp & 1)
        result = checkedMul(result, base);
      exp >>= 1;
      if (exp > 0)
        base = checkedMul(base, base);
    }
    return Value::integer(result);
  }
  double x = a.asDouble(), y = b.asDouble();
  if (x == 0 && y < 0)
    fail("0.0 cannot be raised to a negative power");
  if (x < 0 && y != std::floor(y))
    fail("a negative number raised to a fractional power is complex in Python; not supported");
  double r = std::pow(x, y);
  if (std::isinf(r) && !std::isinf(x) && !std::isinf(y))
    fail("numerical result out of range");
  return Value::floating(r);
}

// Python attribute names of builtin types. Reading one of these through a template would give
// a Python method or property, which this engine does not model: refuse instead of returning
// Undefined where Python returns something.
const std::set<std::string> &strAttributes() {
  static const std::set<std::string> names = {
      "capitalize", "casefold",  "center",       "count",      "encode",     "endswith",
      "expandtabs", "find",      "format",       "format_map", "index",      "isalnum",
      "isalpha",    "isascii",   "isdecimal",    "isdigit",    "isidentifier", "islower",
      "isnumeric",  "isprintable", "isspace",    "istitle",    "isupper",    "join",
      "ljust",      "lower",     "lstrip",       "maketrans",  "partition",  "removeprefix",
      "removesuffix", "replace", "rfind",        "rindex",     "rjust",      "rpartition",
      "rsplit",     "rstrip",    "split",        "splitlines", "startswith", "strip",
      "swapcase",   "title",     "translate",    "upper",      "zfill"};
  return names;
}
const std::set<std::string> &dictAttributes() {
  static const std::set<std::string> names = {"clear", "copy",  "fromkeys", "get",    "items",
                                              "keys",  "pop",   "popitem",  "setdefault",
                                              "update", "values"};
  return names;
}
const std::set<std::string> &listAttributes() {
  static const std::set<std::string> names = {"append", "clear",  "copy", "count",
                                              "extend", "index",  "insert", "pop",
                                              "remove", "reverse", "sort", "start",
                                              "stop",   "step",   "isdisjoint", "mapping"};
  return names;
}
const std::set<std::string> &numberAttributes() {
  static const std::set<std::string> names = {
      "as_integer_ratio", "bit_count", "bit_length", "conjugate", "denominator", "from_bytes",
      "imag",             "numerator", "real",       "to_bytes",  "fromhex",     "hex",
      "is_integer"};
  return names;
}

Value missingAttribute(const Value &obj, const std::string &name) {
  return Value::undefined("'" + describeType(obj) + " object' has no attribute '" + name + "'");
}

[[noreturn]] void unsupportedAttribute(const Value &obj, const std::string &name) {
  fail("unsupported attribute '" + name + "' of a " + describeType(obj) + " object");
}

/// Python's slice.indices(): the positions a slice visits in a sequence of `length`.
std::vector<int64_t> sliceIndices(int64_t length, const Value &start, const Value &stop,
                                  const Value &step) {
  int64_t st = step.isNone() ? 1 : step.asInt();
  if (st == 0)
    fail("slice step cannot be zero");
  auto adjust = [&](const Value &v, int64_t dflt) {
    if (v.isNone())
      return dflt;
    int64_t i = v.asInt();
    if (i < 0) {
      i += length;
      if (i < 0)
        i = st < 0 ? -1 : 0;
    } else if (i >= length) {
      i = st < 0 ? length - 1 : length;
    }
    return i;
  };
  int64_t from = adjust(start, st < 0 ? length - 1 : 0);
  int64_t to = adjust(stop, st < 0 ? -1 : length);
  std::vector<int64_t> out;
  for (int64_t i = from; st > 0 ? i < to : i > to; i += st)
    out.push_back(i);
  return out;
}

} // namespace

Value binaryOp(const std::string &op, const Value &a, const Value &b) {
  if (op == "~")
    return Value::string(toStr(a) + toStr(b));
  if (op == "%" && a.isString()) // Python formats even with an Undefined operand
    fail("printf-style string formatting ('...' % value) is not supported");
  if (a.isUndefined() || b.isUndefined())
    fail((a.isUndefined() ? a : b).undefinedHint());
  if (a.isNumber() && b.isNumber())
    return arithmetic(op, a, b);
  if (op == "+") {
    if (a.isString() && b.isString())
      return Value::string(a.asString() + b.asString());
    if (isPlainSequence(a) && isPlainSequence(b) && a.flavor() == b.flavor()) {
      ValueList out = a.items();
      out.insert(out.end(), b.items().begin(), b.items().end());
      return Value::list(std::move(out), a.flavor());
    }
    if (a.isString())
      fail("can only concatenate str (not \"" + describeType(b) + "\") to str");
  }
  if (op == "*") {
    bool aSeq = a.isString() || isPlainSequence(a), bSeq = b.isString() || isPlainSequence(b);
    if (aSeq && (b.isInt() || b.isBool()))
      return repeat(a, b.asInt());
    if (bSeq && (a.isInt() || a.isBool()))
      return repeat(b, a.asInt());
  }
  unsupportedOperands(op, a, b);
}

Value unaryOp(const std::string &op, const Value &a) {
  if (a.isUndefined())
    fail(a.undefinedHint());
  if (!a.isNumber())
    fail("bad operand type for unary " + op + ": '" + describeType(a) + "'");
  if (op == "+")
    return a.isFloat() ? a : Value::integer(a.asInt());
  if (a.isFloat())
    return Value::floating(-a.asDouble());
  return Value::integer(checkedSub(0, a.asInt()));
}

bool compareOp(const std::string &op, const Value &left, const Value &right) {
  if (op == "==")
    return equals(left, right);
  if (op == "!=")
    return !equals(left, right);
  if (op == "in")
    return contains(right, left);
  if (op == "notin")
    return !contains(right, left);
  int c = compare(left, right);
  return op == "<" ? c < 0 : op == "<=" ? c <= 0 : op == ">" ? c > 0 : c >= 0;
}

bool contains(const Value &container, const Value &needle) {
  switch (container.kind()) {
  case Value::Kind::Undefined:
    return false; // iterating Undefined yields nothing
  case Value::Kind::String:
    if (!needle.isString())
      fail("'in <string>' requires string as left operand, not " + describeType(needle));
    return container.asString().find(needle.asString()) != std::string::npos;
  case Value::Kind::List:
    for (const Value &item : container.items())
      if (equals(item, needle))
        return true;
    return false;
  case Value::Kind::Dict:
    if (!isHashable(needle))
      fail("unhashable type: '" + describeType(needle) + "'");
    return needle.isString() && container.find(needle.asString()) != nullptr;
  case Value::Kind::Object:
    if (container.objectData().typeName == "LoopContext")
      fail("'in' on a LoopContext object is not supported");
    [[fallthrough]];
  default:
    fail("argument of type '" + describeType(container) + "' is not iterable");
  }
}

Value getAttr(const Value &obj, const std::string &name) {
  if (obj.isUndefined())
    fail(obj.undefinedHint());
  if (!name.empty() && name[0] == '_')
    unsupportedAttribute(obj, name); // the sandbox hides these
  switch (obj.kind()) {
  case Value::Kind::Dict:
    // Python finds dict methods before keys: `message.items` is the method.
    if (dictAttributes().count(name)) {
      if (auto method = boundMethod(obj, name))
        return *method;
      unsupportedAttribute(obj, name);
    }
    if (const Value *v = obj.find(name))
      return *v;
    return missingAttribute(obj, name);
  case Value::Kind::String:
    if (strAttributes().count(name)) {
      if (auto method = boundMethod(obj, name))
        return *method;
      unsupportedAttribute(obj, name);
    }
    return missingAttribute(obj, name);
  case Value::Kind::List:
    if (listAttributes().count(name))
      unsupportedAttribute(obj, name);
    return missingAttribute(obj, name);
  case Value::Kind::Object:
    if (obj.objectData().computedAttribute) {
      if (auto v = obj.objectData().computedAttribute(name))
        return *v;
    } else if (const Value *v = obj.find(name)) {
      return *v;
    }
    return missingAttribute(obj, name);
  case Value::Kind::None:
    return missingAttribute(obj, name);
  case Value::Kind::Bool:
  case Value::Kind::Int:
  case Value::Kind::Float:
    if (numberAttributes().count(name))
      unsupportedAttribute(obj, name);
    return missingAttribute(obj, name);
  default:
    unsupportedAttribute(obj, name);
  }
}

Value getItem(const Value &obj, const Value &key) {
  if (obj.isUndefined())
    fail(obj.undefinedHint());
  auto noElement = [&] {
    return Value::undefined(describeType(obj) + " object has no element " + repr(key));
  };
  bool intKey = key.isInt() || key.isBool();
  switch (obj.kind()) {
  case Value::Kind::List:
    if (intKey && (isPlainSequence(obj) || obj.flavor() == Value::Flavor::Range)) {
      int64_t i = key.asInt(), n = static_cast<int64_t>(obj.items().size());
      if (i < 0)
        i += n;
      if (i < 0 || i >= n)
        return noElement();
      return obj.items()[i];
    }
    break;
  case Value::Kind::String:
    if (intKey) {
      std::u32string text = decodeUtf8(obj.asString());
      int64_t i = key.asInt(), n = static_cast<int64_t>(text.size());
      if (i < 0)
        i += n;
      if (i < 0 || i >= n)
        return noElement();
      std::string one;
      appendUtf8(one, text[i]);
      return Value::string(std::move(one));
    }
    break;
  case Value::Kind::Dict:
    if (key.isString()) {
      if (const Value *v = obj.find(key.asString()))
        return *v;
    }
    break;
  default:
    break;
  }
  // obj[key] failed with a TypeError or LookupError: Jinja then tries a string key as an
  // attribute (so `message['items']` without such a key is the dict method).
  if (key.isString())
    return getAttr(obj, key.asString());
  return noElement();
}

Value sliceValue(const Value &obj, const Value &start, const Value &stop, const Value &step) {
  // Jinja compiles `x[a:b]` to a plain Python subscript (bypassing environment.getitem), so
  // every failure here is an error rather than an Undefined.
  if (obj.isUndefined())
    fail(obj.undefinedHint());
  for (const Value *bound : {&start, &stop, &step})
    if (!bound->isNone() && !bound->isInt() && !bound->isBool())
      fail("slice indices must be integers or None or have an __index__ method");
  if (obj.isString()) {
    std::u32string text = decodeUtf8(obj.asString());
    std::u32string out;
    for (int64_t i : sliceIndices(static_cast<int64_t>(text.size()), start, stop, step))
      out.push_back(text[i]);
    return Value::string(encodeUtf8(out));
  }
  if (obj.isList() && (isPlainSequence(obj) || obj.flavor() == Value::Flavor::Range)) {
    ValueList out;
    for (int64_t i : sliceIndices(static_cast<int64_t>(obj.items().size()), start, stop, step))
      out.push_back(obj.items()[i]);
    return Value::list(std::move(out), obj.flavor());
  }
  if (obj.isDict())
    fail("unhashable type: 'slice'");
  fail("'" + describeType(obj) + "' object is not subscriptable");
}

} // namespace inferno::rt::chat
